"""How the recompute's time grows with the size of the company: the first and the daily recompute at each size,
each against the database's floor measured at that size, and the time per customer.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/scaling.py SITE 10000:100000 100000:1000000 [...] \\
        [--keep] [--out FILE]

Sizes are CUSTOMERS:ORDERS, ascending; the data set grows from one size to the next (``dataset.grow``), and is
removed at the end unless ``--keep`` (for a site that is dropped afterwards: removing millions of rows one by one
takes longer than making them). Writes the section "How time grows" of benchmarks/RESULTS.md (or FILE).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
from benchmarks.measure import floor, once, results_path, rss_mb, settle, write_section  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--") and not a.startswith("/")]
SITE = args[0]
SIZES = [tuple(int(n) for n in size.split(":")) for size in args[1:] if ":" in size]
OUT = results_path(sys.argv)
KEEP = "--keep" in sys.argv


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
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
			dataset.grow(customers_before, customers, orders_before, orders)
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
