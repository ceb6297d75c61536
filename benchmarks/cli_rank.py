"""What ranking adds to reading a Sales Order export: `customer-priority rank` against reading the same file.

    python benchmarks/cli_rank.py [ROWS] [CUSTOMERS] [ROUNDS]    (default 1,000,000 rows, 10,000 customers, 3)

Three timings on the same file, taken in turns for ROUNDS rounds; the best of each is reported, so a busy
neighbour on the machine does not decide the ratio:
  - bare csv.reader:   iterating csv.reader over the file, doing nothing with the rows (the floor of any
                       csv-module reader);
  - the CLI's reader:  reading the export into typed orders per customer (amounts, dates, statuses), the
                       reader `customer-priority rank` uses;
  - rank:              the whole command minus printing: read, aggregate, rank, RFM, levels, key accounts,
                       lifecycle, tiers, every reason.
"""

import csv
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from customer_priority.cli import rank_orders
from customer_priority.cli.order_csv import read_order_histories
from customer_priority.engine.settings import Settings

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


def timed(fn, *args):
	start = time.perf_counter()
	result = fn(*args)
	return time.perf_counter() - start, result


def main() -> None:
	rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
	customers = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
	rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
	path = make_csv(rows, customers)
	bare_read(path)  # warm the page cache
	best = {"bare": float("inf"), "reader": float("inf"), "rank": float("inf")}
	for _round in range(rounds):
		seconds, read = timed(bare_read, path)
		best["bare"] = min(best["bare"], seconds)
		seconds, orders = timed(read_order_histories, str(path))
		best["reader"] = min(best["reader"], seconds)
		seconds, (standings, _as_of) = timed(rank_orders, str(path), Settings(), date(2026, 6, 30))
		best["rank"] = min(best["rank"], seconds)
		del orders, standings
	bare, reader, ranked = best["bare"], best["reader"], best["rank"]
	print(f"rows: {read - 1:,}  customers: {customers:,}  best of {rounds} rounds")
	print(f"bare csv.reader pass:   {bare:6.2f} s")
	print(f"the CLI's order reader: {reader:6.2f} s   ({reader / bare:.2f}x the bare pass)")
	print(
		f"customer-priority rank: {ranked:6.2f} s   ({ranked / reader:.2f}x the CLI's reader, "
		f"{ranked / bare:.2f}x the bare pass)"
	)


if __name__ == "__main__":
	main()
