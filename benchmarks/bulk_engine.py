"""The columnar bulk path against the per-customer reference, on the same synthetic population, in one run.

python benchmarks/bulk_engine.py [CUSTOMERS]
"""

import random
import sys
import time
from datetime import date, timedelta

from customer_priority.engine.bulk import Population, decide_population
from customer_priority.engine.history import Aggregate
from customer_priority.engine.reference import compute_all
from customer_priority.engine.settings import Settings

AS_OF = date(2026, 6, 30)


def compare(n: int) -> tuple[float, float]:
	"""Seconds for the per-customer reference and for the bulk path, on the same population."""
	rng = random.Random(7)
	aggregates = {}
	for i in range(n):
		orders = rng.choice([0, 1, 2, 5, 20])
		if not orders:
			continue
		last = AS_OF - timedelta(days=rng.randrange(0, 900))
		first = last - timedelta(days=rng.randrange(0, 1000))
		value = round(rng.random() * 10_000, 2)
		aggregates[f"C{i:07d}"] = Aggregate(
			f"C{i:07d}", value * 2, orders, value, orders // 2, first, last, None
		)
	names = [f"C{i:07d}" for i in range(n)]
	settings = Settings()
	started = time.perf_counter()
	compute_all(aggregates, AS_OF, settings, customers=names)
	reference = time.perf_counter() - started
	pop = Population.from_aggregates([aggregates.get(name) or Aggregate(name) for name in names])
	started = time.perf_counter()
	decide_population(pop, AS_OF, settings)
	bulk = time.perf_counter() - started
	return reference, bulk


def main(n: int) -> None:
	reference, bulk = compare(n)
	print(
		f"{n:,} customers: per-customer reference (compute_all, with every reason) {reference:.2f} s; "
		f"columnar bulk path {bulk:.2f} s ({reference / bulk:.0f}x faster)"
	)


if __name__ == "__main__":
	main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
