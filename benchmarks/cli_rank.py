"""What `customer-priority rank` costs against reading the same Sales Order export.

    python benchmarks/cli_rank.py [ROWS] [CUSTOMERS] [ROUNDS] [--write] [--before=DIR]
    (default 1,000,000 rows, 100,000 customers, 5 rounds)

Every timing is taken on the same file, in turns, for ROUNDS rounds; the best of each is reported, so a busy
neighbour on the machine does not decide a ratio. Baselines:
  - bare csv.reader:      iterating csv.reader over the file, doing nothing with the rows;
  - pyarrow read+group:   pyarrow reads the file and sums the amounts per customer (the library the CLI uses);
  - polars read+group:    the same with polars, when it is installed (it is not a dependency).
The CLI, in this process (Python's start and imports are not in any figure):
  - the columnar reader:  the export read into typed orders (amounts, days, customers, statuses applied);
  - the careful reader:   the same file read row by row, as a file that is not clean is read;
  - rank:                 the whole command as typed (table of the top 50 and the summary), printed to a null
                          device: read, aggregate, rank, RFM, levels, key accounts, lifecycle, tiers, reasons;
  - rank --format csv / json: every customer with its reason;
  - with --before=DIR, rank as the code in DIR runs it (a copy of an earlier commit, e.g. from `git archive`),
    timed inside its own process after a first run, in turns with the rest.
With --write, the figures go into RESULTS.md: its own section, and the CLI's line in the scale table.
"""

import contextlib
import csv
import os
import platform
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow.csv as pa_csv

from customer_priority import cli
from customer_priority.cli.order_csv import read_order_histories, read_orders

OUT = Path(__file__).parent / "out"
RESULTS = Path(__file__).parent / "RESULTS.md"
SECTION = "customer-priority rank"
AMOUNT = "Net Total (Company Currency)"


def make_csv(rows: int, customers: int) -> Path:
	path = OUT / f"orders_{rows}_{customers}.csv"
	if path.exists():
		return path
	OUT.mkdir(exist_ok=True)
	rng = random.Random(1)
	start = date(2023, 7, 1)
	with open(path, "w", newline="") as handle:
		writer = csv.writer(handle)
		writer.writerow(["ID", "Customer", "Date", AMOUNT, "Status"])
		for i in range(rows):
			customer = f"CUST-{int(customers * rng.random() ** 2):06d}"  # skewed: a few buy most
			day = start + timedelta(days=rng.randrange(1096))
			writer.writerow(
				[
					f"SO-{i:07d}",
					customer,
					day.isoformat(),
					f"{rng.uniform(10, 5000):.2f}",
					"Completed" if rng.random() > 0.03 else "Cancelled",
				]
			)
	return path


def bare_read(path: Path) -> int:
	with open(path, newline="", encoding="utf-8-sig") as handle:
		return sum(1 for _row in csv.reader(handle))


def pyarrow_group(path: Path):
	return pa_csv.read_csv(path).group_by("Customer").aggregate([(AMOUNT, "sum"), (AMOUNT, "count")])


def polars_group(path: Path):
	import polars as pl

	return pl.read_csv(path).group_by("Customer").agg(pl.col(AMOUNT).sum(), pl.len())


def rank_command(path: Path, *options: str) -> None:
	"""`customer-priority rank PATH [OPTIONS]` in this process, its output written to a null device."""
	with open(os.devnull, "w", encoding="utf-8") as null, contextlib.redirect_stdout(null):
		if cli.main(["rank", str(path), *options]) != 0:
			raise SystemExit("customer-priority rank failed")


BEFORE = """
import contextlib, os, sys, time
from customer_priority import cli
def run():
	with open(os.devnull, "w", encoding="utf-8") as null, contextlib.redirect_stdout(null):
		cli.main(["rank", sys.argv[1]])
run()
started = time.perf_counter()
run()
print(time.perf_counter() - started)
"""


def rank_before(checkout: str, path: Path) -> float:
	"""`customer-priority rank PATH` as the code in ``checkout`` runs it, timed in its own process."""
	done = subprocess.run(
		[sys.executable, "-c", BEFORE, str(path.resolve())],
		cwd=checkout,
		env={**os.environ, "PYTHONPATH": checkout},
		capture_output=True,
		text=True,
		check=True,
	)
	return float(done.stdout.split()[-1])


def measure(rows: int, customers: int, rounds: int, before: str | None = None) -> dict[str, float]:
	path = make_csv(rows, customers)
	runs = {
		"bare": lambda: bare_read(path),
		"pyarrow": lambda: pyarrow_group(path),
		"reader": lambda: read_orders(str(path)),
		"careful": lambda: read_order_histories(str(path)),
		"rank": lambda: rank_command(path),
		"rank csv": lambda: rank_command(path, "--format", "csv"),
		"rank json": lambda: rank_command(path, "--format", "json"),
	}
	try:
		import polars  # noqa: F401

		runs["polars"] = lambda: polars_group(path)
	except ImportError:
		print("polars is not installed: its baseline is left out (pip install polars to measure it)")
	for run in runs.values():
		run()  # warm the page cache and the imports
	if before:
		runs["before"] = lambda: rank_before(before, path)  # times itself: its process start is not counted
	best = dict.fromkeys(runs, float("inf"))
	for _round in range(rounds):
		for name, run in runs.items():
			started = time.perf_counter()
			took = run()
			took = took if name == "before" else time.perf_counter() - started
			best[name] = min(best[name], took)
	return best


def report(
	best: dict[str, float], rows: int, customers: int, rounds: int, load: tuple, before: str | None = None
) -> list[str]:
	bare = best["bare"]
	group = best.get("polars", best["pyarrow"])
	group_name = "polars" if "polars" in best else "pyarrow"
	lines = [
		f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
		f"{platform.system()}; load average {load[0]:.2f} before, {load[1]:.2f} after the run (other work shares "
		"the machine: each figure is the best of its rounds, taken in turns with its baseline).",
		"",
		f"Command: `python benchmarks/cli_rank.py {rows} {customers} {rounds}"
		+ (f" --before={before}" if before else "")
		+ f"` on a generated export of {rows:,} "
		f"Sales Orders ({customers:,} customers, 3% cancelled), best of {rounds} rounds in turns.",
		"",
		"| what | baseline, same run | CLI | ratio |",
		"|---|---|---|---|",
	]
	for name, label in (
		("reader", "the columnar reader (pyarrow): typed orders per customer"),
		("careful", "the careful reader (row by row, for a file that is not clean)"),
		("rank", "`customer-priority rank` (summary and top 50, each with its reason)"),
		("rank csv", "`customer-priority rank --format csv` (every customer with its reason)"),
		("rank json", "`customer-priority rank --format json` (every customer with its reason)"),
	):
		lines.append(
			f"| {label} | a bare `csv.reader` pass, {bare:.2f} s | {best[name]:.2f} s | {best[name] / bare:.2f}× |"
		)
	if "before" in best:
		lines.append(
			f"| `customer-priority rank` as the previous version ran it (`--before`) | a bare `csv.reader` pass, "
			f"{bare:.2f} s | {best['before']:.2f} s | {best['before'] / bare:.2f}× |"
		)
	lines.append(
		f"| `customer-priority rank` | {group_name} read + group-by of the file, {group:.2f} s | {best['rank']:.2f} s "
		f"| {best['rank'] / group:.2f}× |"
	)
	libraries = [f"pyarrow {best['pyarrow']:.2f} s"] + (
		[f"polars {best['polars']:.2f} s"] if "polars" in best else []
	)
	lines += ["", f"Read + group-by of the file by each columnar library: {', '.join(libraries)}."]
	return lines


def write_results(lines: list[str], best: dict[str, float], rows: int, customers: int) -> None:
	"""This run's section of RESULTS.md, and the CLI's line of the scale table."""
	text = RESULTS.read_text()
	head, marker, rest = text.partition(f"\n## {SECTION}\n")
	tail = rest[rest.index("\n## ") :] if marker and "\n## " in rest else ""
	text = head.rstrip("\n") + f"\n\n## {SECTION}\n\n" + "\n".join(lines) + "\n" + tail
	row = (
		f"| `customer-priority rank` on a {rows:,}-row export, {customers:,} customers (see its section below) "
		f"| a bare `csv.reader` pass {best['bare']:.2f} s | {best['rank']:.2f} s | {best['rank'] / best['bare']:.1f}× |"
	)
	text = "\n".join(
		row if line.startswith("| `customer-priority rank` on a") else line for line in text.split("\n")
	)
	RESULTS.write_text(text)


def main() -> None:
	args = [a for a in sys.argv[1:] if not a.startswith("--")]
	rows = int(args[0]) if len(args) > 0 else 1_000_000
	customers = int(args[1]) if len(args) > 1 else 100_000
	rounds = int(args[2]) if len(args) > 2 else 5
	previous = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--before=")), None)
	load = os.getloadavg()[0]
	best = measure(rows, customers, rounds, previous)
	lines = report(best, rows, customers, rounds, (load, os.getloadavg()[0]), previous)
	print("\n".join(lines))
	if "--write" in sys.argv:
		write_results(lines, best, rows, customers)


if __name__ == "__main__":
	main()
