"""Costs on a real ERPNext site, each against a baseline measured in the same run.

    FRAPPE_BENCH_PATH=/opt/frappe-bench /opt/frappe-bench/env/bin/python benchmarks/on_bench.py [SITE] [CUSTOMERS] [ORDERS]

1. Hook cost: Sales Order submits with the app's hook, against the same submits with the hook switched off.
2. Full recompute, against the bare per-customer GROUP BY over the same submitted orders. The data set is
   synthetic: BENCH-prefixed customers and submitted orders inserted with set-based SQL (a real submit costs
   ~200 ms, too slow for 1M rows) and deleted again at the end.
"""

import os
import statistics
import sys
import time
from pathlib import Path

import frappe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import dataset

SITE = sys.argv[1] if len(sys.argv) > 1 else "cp-test.localhost"
CUSTOMERS = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
ORDERS = int(sys.argv[3]) if len(sys.argv) > 3 else 200_000


def connect():
	os.environ.setdefault("HTTP_PROXY", "http://127.0.0.1:9")
	os.environ.setdefault("HTTPS_PROXY", "http://127.0.0.1:9")
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")


def hook_cost(n: int = 40) -> tuple[float, float]:
	"""Submits taken in turns, hook off / hook on, so drift on a busy machine falls on both; medians compared."""
	from customer_priority.events import orders
	from tests.integration.helpers import make_customer, make_order

	customer = make_customer()
	drafts = [make_order(customer, 100 + i, submit=False) for i in range(2 * n)]
	real = orders.record
	timings: dict[bool, list[float]] = {False: [], True: []}
	try:
		for i, doc in enumerate(drafts):
			hook_on = i % 2 == 1
			orders.record = real if hook_on else (lambda *args: None)
			t0 = time.perf_counter()
			doc.submit()
			timings[hook_on].append(time.perf_counter() - t0)
	finally:
		orders.record = real
		frappe.db.rollback()
	bare, with_hook = statistics.median(timings[False]), statistics.median(timings[True])
	p95 = [sorted(timings[k])[int(0.95 * (len(timings[k]) - 1))] for k in (False, True)]
	print(
		f"Sales Order submit (median of {n} each, in turns), hook off: {bare * 1000:7.1f} ms   with hook: "
		f"{with_hook * 1000:7.1f} ms   hook adds {100 * (with_hook - bare) / bare:+.1f}% ({(with_hook - bare) * 1000:.1f} ms)"
	)
	return (bare, p95[0]), (with_hook, p95[1])


def recompute_cost() -> None:
	from customer_priority.standing import recompute

	dataset.make(CUSTOMERS, ORDERS)
	try:
		t0 = time.perf_counter()
		frappe.db.sql("""select customer, sum(base_net_total), count(*), min(transaction_date), max(transaction_date)
			from `tabSales Order` where docstatus = 1 group by customer""")
		bare = time.perf_counter() - t0
		t0 = time.perf_counter()
		result = recompute.recompute_all(source="Manual")
		full = time.perf_counter() - t0
		t0 = time.perf_counter()
		second = recompute.recompute_all(source="Scheduler")
		again = time.perf_counter() - t0
		total = frappe.db.count("Customer")
		print(f"{total:,} customers, {frappe.db.count('Sales Order', {'docstatus': 1}):,} submitted orders")
		print(
			f"bare GROUP BY: {bare:6.2f} s   full recompute: {full:6.2f} s ({full / bare:.1f}x)   "
			f"second run (nothing changes): {again:6.2f} s ({again / bare:.1f}x)"
		)
		print(f"first run: {result}\nsecond run: {second}")
	finally:
		dataset.drop()


if __name__ == "__main__":
	connect()
	try:
		hook_cost()
		recompute_cost()
	finally:
		frappe.destroy()
