"""Gross profit at a real company's volume: what it costs the recompute, against baselines measured in the same run.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/profit_aggregate.py [SITE] [CUSTOMERS] [ORDERS] [INVOICES] \\
        [--keep] [--out FILE]

The data set (benchmarks/dataset.py): N customers, M submitted Sales Orders and I submitted Sales Invoices with
their item rows, each modified on its own date. It is made unless the site holds exactly it, and removed at the
end unless ``--keep``. Timed:

- the recompute's floor (``measure.floor``) and a bare per-customer GROUP BY over the invoices;
- the gross-profit aggregate over every invoice, as the first recompute after install makes it;
- a daily recompute: the run before it read gross profit a day ago, over yesterday's window, so this one groups
  again only the customers whose invoices were modified since (the data set's last day of invoices) or whose
  invoices entered or left the window overnight;
- the Customer Ranking for another year, with the invoices on the site, ranked by revenue and by gross profit,
  against ERPNext's Sales Analytics for the same year.

Writes the "Gross profit aggregate" section of benchmarks/RESULTS.md (or --out FILE).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import frappe
from frappe.utils import get_datetime, getdate

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
from benchmarks.measure import (  # noqa: E402
	another_year,
	best,
	floor,
	once,
	results_path,
	sales_analytics_year,
	settle,
	write_section,
)

args = [a for a in sys.argv[1:] if not a.startswith("--")]
SITE = args[0] if args else "cp-test.localhost"
CUSTOMERS = int(args[1]) if len(args) > 1 else 100_000
ORDERS = int(args[2]) if len(args) > 2 else 1_000_000
INVOICES = int(args[3]) if len(args) > 3 else 1_000_000
KEEP = "--keep" in sys.argv
OUT = results_path(sys.argv)
SETTINGS = "Customer Priority Settings"


def ensure_invoices() -> bool:
	"""The data set's invoices, made only when the site does not hold exactly them; whether anything was made."""
	have = frappe.db.count("Sales Invoice", {"name": ("like", dataset.PREFIX + "%")})
	if have == INVOICES:
		return False
	frappe.db.sql("delete from `tabSales Invoice Item` where parent like %s", dataset.PREFIX + "%")
	frappe.db.sql("delete from `tabSales Invoice` where name like %s", dataset.PREFIX + "%")
	dataset.make_invoices(CUSTOMERS, INVOICES)
	return True


def as_if_last_run_was_yesterday() -> None:
	"""The record of the last gross-profit pass moved back one day: read a day ago, over yesterday's window."""
	state = json.loads(frappe.db.get_single_value(SETTINGS, "profit_state"))
	state["read_at"] = str(get_datetime(state["read_at"]) - timedelta(days=1))
	state["window"] = [str(getdate(day) - timedelta(days=1)) for day in state["window"]]
	frappe.db.set_single_value(SETTINGS, "profit_state", json.dumps(state))
	frappe.db.commit()


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	from customer_priority.customer_priority.report.customer_ranking import customer_ranking
	from customer_priority.data import purchases
	from customer_priority.data.settings import (
		get_engine_settings,
	)
	from customer_priority.engine.history import window_start
	from customer_priority.standing import recompute, totals

	made, made_now = once(lambda: dataset.ensure(CUSTOMERS, ORDERS, leads=None) | ensure_invoices())
	dataset.forget_standing()
	try:
		invoices = frappe.db.count("Sales Invoice", {"docstatus": 1, "name": ("like", dataset.PREFIX + "%")})
		items = frappe.db.count("Sales Invoice Item", {"parent": ("like", dataset.PREFIX + "%")})
		as_of = getdate()
		window = (window_start(as_of, get_engine_settings()), as_of)
		group_by, writing = floor()
		base = group_by + writing
		bare = best(
			lambda: frappe.db.sql(
				"""select customer, sum(base_net_total), count(*), min(posting_date), max(posting_date)
				from `tabSales Invoice` where docstatus = 1 group by customer"""
			)
		)
		full = best(lambda: purchases.customer_profits(window, purchases.current()))
		settle()  # the floor's rolled-back writes written back first
		first, _result = once(lambda: recompute.recompute_all(source="Manual"))
		as_if_last_run_was_yesterday()
		moved, regroup = once(
			lambda: purchases.profit_moved_since(
				get_datetime(json.loads(frappe.db.get_single_value(SETTINGS, "profit_state"))["read_at"])
				- totals.OPEN_TRANSACTION_MARGIN,
				[(window[0] - timedelta(days=1), window[0] - timedelta(days=1)), (as_of, as_of)],
			)
		)
		daily, result = once(lambda: recompute.recompute_all(source="Scheduler"))
		as_if_last_run_was_yesterday()
		daily_again, _result = once(lambda: recompute.recompute_all(source="Scheduler"))
		daily = min(daily, daily_again)
		# The same daily run grouping every invoice again, as it would without the record of the last pass.
		frappe.db.set_single_value(SETTINGS, "profit_state", None)
		frappe.db.commit()
		daily_full, _result = once(lambda: recompute.recompute_all(source="Scheduler"))
		from_date, to_date = another_year()
		analytics = sales_analytics_year(from_date, to_date)
		year = {
			measure: best(
				lambda measure=measure: customer_ranking.execute(
					{"from_date": from_date, "to_date": to_date, "top": 500, "rank_by": measure}
				)
			)
			for measure in ("Revenue", "Gross Profit")
		}
		lines = [
			f"Site `{SITE}`: {CUSTOMERS:,} customers, {ORDERS:,} submitted Sales Orders, {invoices:,} submitted Sales "
			f"Invoices (every 50th a return) with {items:,} item rows, each modified on its own date "
			f"({f'made in {made:.0f} s' if made_now else 'already there'} by `benchmarks/dataset.py`"
			f"{', kept' if KEEP else ', removed afterwards'}); load average {os.getloadavg()[0]:.1f} at the end.",
			"",
			"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
			f"../env/bin/python <checkout>/benchmarks/profit_aggregate.py {SITE} {CUSTOMERS} {ORDERS} {INVOICES}"
			f"{' --keep' if KEEP else ''}`",
			"",
			"| what | baseline, same run | time | ratio |",
			"|---|---|---|---|",
			f"| gross profit of every customer over every invoice's items (the first recompute's pass, best of 3) "
			f"| bare per-customer GROUP BY over the invoices alone, {bare:.2f} s | {full:.2f} s | {full / bare:.1f}× |",
			f"| first recompute after install, gross profit included | floor {base:.2f} s | {first:.2f} s "
			f"| {first / base:.1f}× |",
			f"| finding the customers whose gross profit may have moved in a day ({len(regroup):,}: invoices or "
			"items modified since the last pass, invoices entering or leaving the window) | | "
			f"{moved:.3f} s | |",
			f"| daily recompute, gross profit grouped again for those customers only ({result['updated']:,} "
			f"written) | floor {base:.2f} s | {daily:.2f} s | {daily / base:.1f}× |",
			f"| the same daily recompute grouping every invoice again (no record of the last pass) | floor {base:.2f} s "
			f"| {daily_full:.2f} s | {daily_full / base:.1f}× |",
			f"| Customer Ranking, a 1-year period, 500 rows with their gross profit, ranked by revenue | ERPNext's Sales "
			f"Analytics (Customer, Sales Order, Value, Monthly), {analytics:.2f} s | {year['Revenue']:.2f} s "
			f"| {analytics / year['Revenue']:.0f}× faster |",
			f"| the same, ranked by gross profit (every invoice of the year grouped) | the same Sales Analytics "
			f"| {year['Gross Profit']:.2f} s | {analytics / year['Gross Profit']:.0f}× faster |",
			"",
			"The floor is the recompute's own (`measure.floor`): the bare per-customer GROUP BY over the orders, "
			f"{group_by:.2f} s, and a bare write of one column to every customer, {writing:.2f} s.",
		]
		print("\n".join(lines), flush=True)
		if str(OUT) != os.devnull:
			write_section(OUT, "Gross profit aggregate", lines)
	finally:
		if not KEEP:
			dataset.drop()
		frappe.destroy()


if __name__ == "__main__":
	main()
