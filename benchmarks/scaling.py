"""How the recompute's time grows with the size of the company: the first and the daily recompute at each size,
each against the database's floor measured at that size, and the time per customer.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/scaling.py SITE 10000:100000 100000:1000000 [...] \\
        [--keep] [--out FILE] [--shape even|sales|skewed] [--baseline CHECKOUT] [--workers 1,2] [--turns N]

Sizes are CUSTOMERS:ORDERS, ascending; the data set grows from one size to the next (``dataset.grow``, its orders
drawn by ``--shape``, ``sales`` unless told), and is removed at the end unless ``--keep`` (for a site that is
dropped afterwards: removing millions of rows one by one takes longer than making them); a site that holds the
data set of the first size already keeps it. Writes the section "How time grows" of benchmarks/RESULTS.md (or
FILE).

With ``--baseline CHECKOUT`` (another checkout of the app: the code before a change) or ``--workers``, every
recompute runs in a process of its own, so that its peak memory is its own: the recompute of CHECKOUT and of this
checkout, first and daily (each version's daily runs after its own first run, the best of ``--turns``, 3 unless
told; 0 for none), each against the floor; and with ``--workers 1,2`` the first recompute fanned out over
that many RQ workers of the ``long`` queue, started here on the site (``rq`` workers, as ``bench worker`` runs
them; their process ids printed) and stopped after. A fanned-out run is timed from its start until the last part
is recorded; its memory is the peak of the process that starts it and of each worker. Writes the section "Parts
and fan-out" (shape and size in its lines).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
from benchmarks.measure import floor, once, results_path, rss_mb, settle, write_section  # noqa: E402


def option(name: str) -> str | None:
	return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


VALUED = {"--out", "--shape", "--baseline", "--workers", "--turns"}
args = [a for i, a in enumerate(sys.argv[1:], 1) if not a.startswith("--") and sys.argv[i - 1] not in VALUED]
SITE = args[0]
SIZES = [tuple(int(n) for n in size.split(":")) for size in args[1:] if ":" in size]
OUT = results_path(sys.argv)
KEEP = "--keep" in sys.argv
SHAPE = option("--shape") or "sales"
BASELINE = option("--baseline")
WORKERS = [int(n) for n in (option("--workers") or "").split(",") if n]
SITES = os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites")
DAILY_TURNS = int(option("--turns") or 3)
"""Daily runs of each version, the best one counted; 0 leaves them out (a first run at a million customers is
minutes long)."""

RECOMPUTE = """
import inspect, json, resource, sys, time
import frappe
site, source, kwargs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
frappe.init(site=site, sites_path="."); frappe.connect(); frappe.set_user("Administrator")
from customer_priority.standing import recompute
accepted = inspect.signature(recompute.recompute_all).parameters
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
result = recompute.recompute_all(source=source, **{k: v for k, v in kwargs.items() if k in accepted})
took = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if "updated" not in result:
    sys.exit(f"the recompute did not run in this process: {result}")
print(json.dumps({"seconds": took, "memory": peak - before, "result": result}, default=str))
"""
"""One recompute in a process of its own: its time and the growth of its peak memory (RSS). ``kwargs`` the
version's ``recompute_all`` does not take are left out (a version before the fan-out has no ``fan_out``); a run
that did not recompute here (skipped, or fanned out to workers) fails."""

WORKER = """
import sys
import frappe
from rq import SimpleWorker
frappe.init(site=sys.argv[1], sites_path=".")
from frappe.utils.background_jobs import get_queue_list, get_redis_conn
queues = get_queue_list(["long"], build_queue_name=True)
SimpleWorker(queues, connection=get_redis_conn()).work(logging_level="WARNING")
"""
"""An RQ worker of the site's ``long`` queue, as ``bench worker --queue long`` runs one (without forking a
process per job, so that its peak memory is the jobs')."""


def in_process(code: str, checkout: str, *arguments: str) -> dict:
	env = {**os.environ, "PYTHONPATH": checkout}
	done = subprocess.run(
		[sys.executable, "-c", code, SITE, *arguments], cwd=SITES, env=env, capture_output=True, text=True
	)
	if done.returncode:
		raise SystemExit(done.stderr[-3000:])
	return json.loads(done.stdout.strip().splitlines()[-1])


def memory_of(pid: int, field: str) -> float:
	"""A process's resident memory (``VmRSS``) or its peak (``VmHWM``), in MB."""
	for line in Path(f"/proc/{pid}/status").read_text().splitlines():
		if line.startswith(field + ":"):
			return int(line.split()[1]) / 1024
	return 0.0


def fanned_out(workers: int) -> dict:
	"""The first recompute fanned out over ``workers`` RQ workers started for it, and stopped after."""
	env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
	processes = [
		subprocess.Popen([sys.executable, "-c", WORKER, SITE], cwd=SITES, env=env, start_new_session=True)
		for _ in range(workers)
	]
	try:
		time.sleep(15)  # each worker imported and listening
		idle = {p.pid: memory_of(p.pid, "VmRSS") for p in processes}
		print(f"workers started, process ids {', '.join(str(p.pid) for p in processes)}", flush=True)
		from customer_priority.standing import fanout

		started = time.perf_counter()
		plan = in_process(RECOMPUTE, str(CHECKOUT), "Manual", json.dumps({"fan_out": True}))
		run = plan["result"]["run"]
		while True:
			meta = frappe.cache.get_value(fanout.RUN, expires=True) or {}
			if meta.get("run") != run:
				raise SystemExit(f"the run {run} is gone")
			if meta.get("finished"):
				break
			failed = [n for n, s in fanout.statuses(run).items() if s.get("status") == "Failed"]
			if failed and all(
				fanout.statuses(run)[n].get("attempts", 0) >= fanout.MAX_ATTEMPTS for n in failed
			):
				raise SystemExit(f"parts {failed} failed: {fanout.statuses(run)[failed[0]].get('error')}")
			time.sleep(0.2)
		took = time.perf_counter() - started
		peaks = [memory_of(p.pid, "VmHWM") - idle[p.pid] for p in processes]
		attempts = sum(int(s.get("attempts") or 0) for s in fanout.statuses(run).values())
		return {
			"seconds": took,
			"planner": plan["seconds"],
			"planner_memory": plan["memory"],
			"worker_memory": max(peaks),
			"parts": plan["result"]["fanned_out"],
			"attempts": attempts,
			"result": meta["finished"],
		}
	finally:
		for process in processes:
			os.killpg(process.pid, signal.SIGTERM)
		for process in processes:
			try:
				process.wait(60)
			except subprocess.TimeoutExpired:
				os.killpg(process.pid, signal.SIGKILL)


def concentration() -> str:
	"""How the orders are spread: the share of them the top 1% and top 10% of the customers hold."""
	counts = sorted(
		(
			c
			for (c,) in frappe.db.sql(
				"select count(*) from `tabSales Order` where docstatus = 1 group by customer"
			)
		),
		reverse=True,
	)
	customers, total = frappe.db.count("Customer"), sum(counts) or 1
	top = [100 * sum(counts[: max(1, customers * share // 100)]) / total for share in (1, 10)]
	return f"the top 1% of the customers hold {top[0]:.0f}% of the orders, the top 10% {top[1]:.0f}%"


def parts_and_fan_out() -> None:
	"""Every recompute in a process of its own: before the change (``--baseline``) and now, first and daily, and
	fanned out over 1, 2, ... workers, each against the floor."""
	lines = [
		f"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
		f"../env/bin/python <checkout>/benchmarks/scaling.py {SITE} {' '.join(f'{c}:{o}' for c, o in SIZES)}"
		f" --shape {SHAPE}{' --baseline <checkout before>' if BASELINE else ''}"
		f"{' --workers ' + ','.join(map(str, WORKERS)) if WORKERS else ''}"
		f"{f' --turns {DAILY_TURNS}' if option('--turns') else ''}{' --keep' if KEEP else ''}` "
		f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start).",
		"",
	]
	print("\n".join(lines), flush=True)
	customers, orders = SIZES[-1]
	dataset.ensure(customers, orders, None, SHAPE)  # made unless the site holds it already
	count = frappe.db.count("Customer")
	lines += [
		f"Shape `{SHAPE}`: {count:,} customers, {frappe.db.count('Sales Order', {'docstatus': 1}):,} orders; "
		f"{concentration()}.",
		"",
		"| recompute | time | × floor | × before | peak memory growth |",
		"|---|---|---|---|---|",
	]
	dataset.forget_standing()
	group_by, writing = floor()
	base = group_by + writing
	lines.append(
		f"| floor: bare GROUP BY {group_by:.2f} s + bare write of one column {writing:.2f} s | {base:.2f} s | 1.0× | | |"
	)
	print(lines[-1], flush=True)
	before = {}
	versions = [
		("before", BASELINE, {"fan_out": False}),
		("now, one part at a time", str(CHECKOUT), {"fan_out": False}),
	]
	for label, checkout, kwargs in versions:
		if not checkout:
			continue
		# Each version's daily runs follow its own first run, as on a site: after the other version's they would
		# rewrite whatever the two decide differently. The daily runs, a few seconds each, best of DAILY_TURNS.
		dataset.forget_standing()
		for kind, source, turns in (("first", "Manual", 1), ("daily", "Scheduler", DAILY_TURNS)):
			if not turns:
				continue
			runs = []
			try:
				for _turn in range(turns):
					settle()
					runs.append(in_process(RECOMPUTE, checkout, source, json.dumps(kwargs)))
			except SystemExit as failed:  # the code before may not cope with this data set: say so, go on
				last = str(failed.code).strip().splitlines()[-1]
				lines.append(f"| {kind}, {label} | failed: `{last}` | | | |")
				print(lines[-1], flush=True)
				break
			done = min(runs, key=lambda run: run["seconds"])
			if label == "before":
				before[kind] = done["seconds"]
			ratio = f"{done['seconds'] / before[kind]:.2f}×" if kind in before else ""
			best = f", best of {turns}" if turns > 1 else ""
			lines.append(
				f"| {kind}, {label} ({done['result'].get('updated')} written{best}) | {done['seconds']:.2f} s | "
				f"{done['seconds'] / base:.1f}× | {ratio} | {max(run['memory'] for run in runs):.0f} MB |"
			)
			print(lines[-1], flush=True)
	for workers in WORKERS:
		dataset.forget_standing()
		settle()
		done = fanned_out(workers)
		ratio = f"{done['seconds'] / before['first']:.2f}×" if "first" in before else ""
		lines.append(
			f"| first, fanned out: {workers} worker{'s' if workers > 1 else ''}, {done['parts']} parts "
			f"({done['attempts']} jobs; the first pass {done['planner']:.2f} s) | {done['seconds']:.2f} s | "
			f"{done['seconds'] / base:.1f}× | {ratio} | first pass {done['planner_memory']:.0f} MB, "
			f"each worker at most {done['worker_memory']:.0f} MB |"
		)
		print(lines[-1], flush=True)
	if not KEEP:
		dataset.drop()
	write_section(OUT, f"Parts and fan-out: {SHAPE}, {customers:,} customers", lines)


def main() -> None:
	frappe.init(site=SITE, sites_path=SITES)
	frappe.connect()
	frappe.set_user("Administrator")
	if BASELINE or WORKERS:
		try:
			parts_and_fan_out()
		finally:
			frappe.destroy()
		return
	from customer_priority.standing import recompute

	lines = [
		f"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
		f"../env/bin/python <checkout>/benchmarks/scaling.py {SITE} {' '.join(f'{c}:{o}' for c, o in SIZES)}"
		f"{' --keep' if KEEP else ''}` ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start). "
		"Each size's floor is measured at that size.",
		"",
		"| customers | orders | floor | first recompute | ratio | per 1,000 customers | daily recompute | ratio | memory |",
		"|---|---|---|---|---|---|---|---|---|",
	]
	print("\n".join(lines), flush=True)
	dataset.drop()
	customers_before = orders_before = 0
	try:
		for customers, orders in SIZES:
			dataset.grow(customers_before, customers, orders_before, orders, SHAPE)
			customers_before, orders_before = customers, orders
			dataset.forget_standing()
			group_by, writing = floor()
			base = group_by + writing
			memory_before = rss_mb()
			settle()  # the floor's rolled-back writes written back first
			first, _ = once(lambda: recompute.recompute_all(source="Manual"))
			memory = rss_mb() - memory_before
			daily, _ = once(lambda: recompute.recompute_all(source="Scheduler"))
			count = frappe.db.count("Customer")
			line = (
				f"| {count:,} | {frappe.db.count('Sales Order', {'docstatus': 1}):,} | {base:.2f} s | {first:.2f} s | "
				f"{first / base:.1f}× | {1000 * first / count:.3f} s | {daily:.2f} s | {daily / base:.1f}× | {memory:.0f} MB |"
			)
			print(line, flush=True)
			lines.append(line)
	finally:
		if not KEEP:
			dataset.drop()
		frappe.destroy()
	write_section(OUT, "How time grows", lines)


if __name__ == "__main__":
	main()
