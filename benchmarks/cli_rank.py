"""How much the engine adds to reading a Sales Order export: `customer-priority rank` vs the bare CSV read.

    python benchmarks/cli_rank.py [ROWS] [CUSTOMERS]     (default 1,000,000 rows, 10,000 customers)

Both timings run in this process on the same file: the baseline iterates csv.reader over it (the reader the
CLI uses), the measured run is the CLI's whole ranking (parse, aggregate, rank, RFM, levels, tiers).
"""

import csv
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from customer_priority.cli import rank_orders
from customer_priority.engine.settings import Settings
from customer_priority.order_csv import read_orders

OUT = Path(__file__).parent / "out"


def make_csv(rows: int, customers: int) -> Path:
	path = OUT / f"orders_{rows}_{customers}.csv"
	if path.exists():
		return path
	OUT.mkdir(exist_ok=True)
	rng = random.Random(1)
	start = date(2023, 7, 1)
	with open(path, "w", newline="") as handle:
		writer = csv.writer(handle)
		writer.writerow(["ID", "Customer", "Date", "Net Total (Company Currency)", "Status"])
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


def main() -> None:
	rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
	customers = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
	path = make_csv(rows, customers)
	bare_read(path)  # warm the page cache for both runs
	t0 = time.perf_counter()
	read = bare_read(path)
	baseline = time.perf_counter() - t0
	t0 = time.perf_counter()
	parsed = sum(1 for _order in read_orders(str(path)))
	reader = time.perf_counter() - t0
	t0 = time.perf_counter()
	standings, _as_of = rank_orders(str(path), Settings(), date(2026, 6, 30))
	ranked = time.perf_counter() - t0
	print(f"rows: {read - 1:,}  customers ranked: {len(standings):,}")
	print(f"bare csv.reader pass:              {baseline:6.2f} s")
	print(
		f"the CLI's order reader ({parsed:,} rows): {reader:6.2f} s   ({reader / baseline:.2f}x the bare pass)"
	)
	print(
		f"customer-priority rank:            {ranked:6.2f} s   ({ranked / baseline:.2f}x the bare pass, "
		f"{ranked / reader:.2f}x the order reader)"
	)


if __name__ == "__main__":
	main()
