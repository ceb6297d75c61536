"""The app's multi-row INSERT (``customer_priority.utils.sql.insert_many``) against ``frappe.db.bulk_insert``, on the
tier log, with the same rows, in turns, in one run (each insert rolled back).

    FRAPPE_BENCH_PATH=/opt/frappe-bench /opt/frappe-bench/env/bin/python benchmarks/bulk_insert.py [SITE] [ROWS]
"""

import os
import sys
import time

import frappe
from frappe.utils import now_datetime

SITE = sys.argv[1] if len(sys.argv) > 1 else "cp-test.localhost"
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 80_000


def compare(rows_count: int) -> dict[str, float]:
	"""Best of 3 seconds for each way of inserting ``rows_count`` tier log rows (each rolled back)."""
	from customer_priority.standing.log import LOG_FIELDS
	from customer_priority.utils.sql import insert_many

	now = now_datetime()
	columns = ("name", "creation", "modified", "owner", "modified_by", *LOG_FIELDS)
	sample = {
		"party_type": "Customer",
		"field": "Tier",
		"old_value": "Medium",
		"new_value": "High",
		"reason": "Current customer with an important or urgent request; RFM 455: Loyal",
		"source": "Scheduler",
		"changed_by": "Administrator",
		"changed_on": now,
	}
	rows = [
		(
			f"bench-{i:09d}",
			now,
			now,
			"Administrator",
			"Administrator",
			*({**sample, "party": f"BENCH-CP-{i % 20000:06d}"}.get(f) for f in LOG_FIELDS),
		)
		for i in range(rows_count)
	]
	ways = {
		"frappe.db.bulk_insert": lambda: frappe.db.bulk_insert("Customer Tier Log", columns, rows),
		"insert_many": lambda: insert_many("tabCustomer Tier Log", columns, rows),
	}
	best = dict.fromkeys(ways, float("inf"))
	for _round in range(3):
		for name, insert in ways.items():
			started = time.perf_counter()
			insert()
			best[name] = min(best[name], time.perf_counter() - started)
			frappe.db.rollback()
	return best


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	best = compare(ROWS)
	base = best["frappe.db.bulk_insert"]
	print(f"{ROWS:,} tier log rows, best of 3 in turns:")
	for name, seconds in best.items():
		print(f"  {name:<22} {seconds:6.2f} s  ({seconds / base:.2f}x frappe.db.bulk_insert)")
	frappe.destroy()


if __name__ == "__main__":
	main()
