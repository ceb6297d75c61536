"""The gross-profit aggregate against the recompute's own GROUP BY, at a real company's volume, in one run.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/profit_aggregate.py [SITE] [CUSTOMERS] [INVOICES]

Makes N customers and M submitted Sales Invoices with their item rows (benchmarks/dataset.py), times the bare
per-customer GROUP BY over the invoices (the recompute's baseline), the recompute's own per-customer totals and
the profit aggregate (one GROUP BY over the items of submitted invoices), prints a Markdown section for
benchmarks/RESULTS.md and removes the data set.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import frappe
from frappe.utils import getdate

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
from benchmarks.measure import best  # noqa: E402

args = sys.argv[1:]
SITE = args[0] if args else "cp-test.localhost"
CUSTOMERS = int(args[1]) if len(args) > 1 else 100_000
INVOICES = int(args[2]) if len(args) > 2 else 1_000_000


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	from customer_priority import purchases

	started = time.perf_counter()
	dataset.make(CUSTOMERS, 0)
	dataset.make_invoices(CUSTOMERS, INVOICES)
	made = time.perf_counter() - started
	try:
		invoices = frappe.db.count("Sales Invoice", {"docstatus": 1, "name": ("like", dataset.PREFIX + "%")})
		items = frappe.db.count("Sales Invoice Item", {"parent": ("like", dataset.PREFIX + "%")})
		window = (getdate() - timedelta(days=364), getdate())
		bare = best(
			lambda: frappe.db.sql(
				"""select customer, sum(base_net_total), count(*), min(posting_date), max(posting_date)
				from `tabSales Invoice` where docstatus = 1 group by customer"""
			)
		)
		counted = purchases.Purchases("Sales Invoice")
		totals = best(lambda: purchases.customer_totals(counted, window))
		profit = best(lambda: purchases.customer_profits(window))
		rows = len(purchases.customer_profits(window))
		lines = [
			"## Gross profit aggregate",
			"",
			f"Site `{SITE}`: {CUSTOMERS:,} customers, {invoices:,} submitted Sales Invoices (every 50th a return) "
			f"with {items:,} item rows, made in {made:.0f} s by `benchmarks/dataset.py` and removed afterwards; "
			"best of 3.",
			"",
			"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
			f"../env/bin/python <checkout>/benchmarks/profit_aggregate.py {SITE} {CUSTOMERS} {INVOICES}`",
			"",
			"| what | time | against the bare GROUP BY |",
			"|---|---|---|",
			f"| bare per-customer GROUP BY over the invoices (the recompute's baseline) | {bare:.2f} s | 1.0× |",
			f"| the recompute's own per-customer totals over the same invoices (`purchases.customer_totals`) | {totals:.2f} s "
			f"| {totals / bare:.1f}× |",
			f"| gross profit per customer (`purchases.customer_profits`, {rows:,} customers, lifetime and "
			f"window, one GROUP BY over the items) | {profit:.2f} s | {profit / bare:.1f}× |",
			"",
		]
		print("\n".join(lines), flush=True)
	finally:
		dataset.drop()
		frappe.destroy()


if __name__ == "__main__":
	main()
