"""The app's lifecycle on a big site: install on a site that already holds N customers and M submitted Sales
Orders, `bench migrate` twice, uninstall, install again. Each step is timed, and a second connection writes to
tabCustomer all along so the longest time a write waited (how long the table was locked) is measured. ERPNext's
tables are checksummed (CHECKSUM TABLE) before the install, after each migrate and after the uninstall.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/lifecycle.py SITE [CUSTOMERS] [ORDERS] [--out FILE]

The data set (benchmarks/dataset.py) is made before the install and removed at the end; the app is installed
again at the end if it was installed at the start. Figures are printed and, with --out, appended as a section.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymysql

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402

APP = "customer_priority"
ERPNEXT_TABLES = (
	"tabCustomer",
	"tabLead",
	"tabOpportunity",
	"tabContact",
	"tabIssue",
	"tabSales Order",
	"tabSales Invoice",
	"tabCustom Field",
	"tabProperty Setter",
	"tabIssue Priority",
)
DEFINED = ("tabCustomer", "tabSales Order", "tabSales Invoice")


class WriteProbe(threading.Thread):
	"""Updates one customer row again and again on its own connection, and keeps the longest wait."""

	def __init__(self, customer: str):
		super().__init__(daemon=True)
		self.customer, self.longest, self.writes, self.errors = customer, 0.0, 0, []
		self.stop = threading.Event()
		self.conf = frappe._dict(frappe.conf)  # Frappe's conf is local to the thread that opened the site

	def run(self) -> None:
		conf = self.conf
		connection = pymysql.connect(
			host=conf.db_host or "127.0.0.1",
			port=int(conf.db_port or 3306),
			user=conf.db_name,
			password=conf.db_password,
			database=conf.db_name,
			autocommit=True,
		)
		try:
			with connection.cursor() as cursor:
				cursor.execute("set session lock_wait_timeout = 600, innodb_lock_wait_timeout = 600")
				while not self.stop.is_set():
					started = time.perf_counter()
					try:
						cursor.execute(
							"update `tabCustomer` set modified = modified where name = %s", (self.customer,)
						)
						self.writes += 1
					except pymysql.MySQLError as exc:  # a write refused is as bad as a long wait
						self.errors.append(str(exc))
					self.longest = max(self.longest, time.perf_counter() - started)
					time.sleep(0.02)
		finally:
			connection.close()


def bench_command() -> str:
	return os.environ.get("CP_BENCH_COMMAND") or shutil.which("bench") or "bench"


def bench(site: str, *args: str) -> None:
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH")) if p)
	result = subprocess.run(
		[bench_command(), "--site", site, *args],
		cwd=os.environ.get("FRAPPE_BENCH_PATH") or Path.cwd().parent,
		env=env,
		capture_output=True,
		text=True,
	)
	if result.returncode != 0:
		raise RuntimeError(
			f"bench {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
		)


def step(site: str, probe_row: str, *args: str) -> dict:
	"""One bench command, timed, with the write probe running beside it."""
	frappe.db.rollback()  # hold no metadata lock the command's ALTERs would wait on
	probe = WriteProbe(probe_row)
	probe.start()
	started = time.perf_counter()
	try:
		bench(site, *args)
	finally:
		seconds = time.perf_counter() - started
		probe.stop.set()
		probe.join(60)
	frappe.db.rollback()
	frappe.clear_cache()
	return {
		"seconds": seconds,
		"longest_write_wait": probe.longest,
		"writes": probe.writes,
		"errors": probe.errors,
	}


def state() -> dict:
	"""Checksums of ERPNext's tables and the definitions of the tables the app alters."""
	frappe.db.rollback()
	out = {t: frappe.db.sql(f"checksum table `{t}`")[0][1] for t in ERPNEXT_TABLES}
	for table in DEFINED:
		out[f"definition of {table}"] = frappe.db.sql(f"show create table `{table}`")[0][1]
	return out


def differences(before: dict, after: dict) -> list[str]:
	return sorted(k for k in before if before[k] != after.get(k))


def installed() -> bool:
	frappe.db.rollback()
	return APP in frappe.get_installed_apps()


def run(site: str, customers: int, orders: int) -> dict:
	"""The whole lifecycle; returns its figures and what differed where nothing should have."""
	was_installed = installed()
	if was_installed:
		bench(site, "uninstall-app", APP, "--yes", "--no-backup", "--force")
		frappe.clear_cache()
	dataset.make(customers, orders)
	probe_row = f"{dataset.PREFIX}{1:07d}"
	figures: dict = {"customers": customers, "orders": orders}
	try:
		before = state()
		figures["install"] = step(site, probe_row, "install-app", APP)
		figures["migrate"] = step(site, probe_row, "migrate", "--skip-search-index")
		migrated = state()
		figures["second migrate"] = step(site, probe_row, "migrate", "--skip-search-index")
		figures["second migrate changed"] = differences(migrated, state())
		figures["uninstall"] = step(site, probe_row, "uninstall-app", APP, "--yes", "--no-backup", "--force")
		figures["uninstall changed"] = differences(before, state())
		figures["reinstall"] = step(site, probe_row, "install-app", APP)
		figures["reinstalled"] = installed() and frappe.db.has_column("Customer", "cp_priority_tier")
	finally:
		frappe.db.rollback()
		dataset.drop()
		if not was_installed and installed():
			bench(site, "uninstall-app", APP, "--yes", "--no-backup", "--force")
	return figures


STEPS = ("install", "migrate", "second migrate", "uninstall", "reinstall")


def report(figures: dict) -> str:
	lines = [
		f"## The app's lifecycle on a site with {figures['customers']:,} customers and {figures['orders']:,} orders",
		"",
		"`benchmarks/lifecycle.py`: each bench command timed; a second connection updates one customer row every",
		"20 ms throughout, and the longest wait of one of those writes is how long tabCustomer was locked.",
		"",
		"| step | seconds | longest write wait on tabCustomer | writes during the step |",
		"|---|---|---|---|",
	]
	for name in STEPS:
		f = figures[name]
		lines.append(f"| {name} | {f['seconds']:.1f} s | {f['longest_write_wait']:.2f} s | {f['writes']:,} |")
	changed = figures["second migrate changed"]
	lines += [
		"",
		"- second migrate changed: " + (", ".join(changed) if changed else "nothing (checksums identical)"),
		"- after uninstall, against before install: "
		+ (", ".join(figures["uninstall changed"]) or "every table checksum-identical, definitions identical")
		+ f" ({', '.join(ERPNEXT_TABLES)}; definitions of {', '.join(DEFINED)})",
		f"- reinstall works: {'yes' if figures['reinstalled'] else 'NO'}",
		"",
	]
	return "\n".join(lines)


def main() -> int:
	args = [a for a in sys.argv[1:] if not a.startswith("--")]
	out = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else None
	if out is not None:
		args = [a for a in args if a != str(out)]
	site = args[0] if args else "cp-test.localhost"
	customers = int(args[1]) if len(args) > 1 else 100_000
	orders = int(args[2]) if len(args) > 2 else 1_000_000
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		figures = run(site, customers, orders)
	finally:
		frappe.destroy()
	text = report(figures)
	print(text)
	if out is not None:
		with out.open("a") as handle:
			handle.write("\n" + text)
	ok = not figures["second migrate changed"] and not figures["uninstall changed"] and figures["reinstalled"]
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
