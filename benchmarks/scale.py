"""Every figure of the scale table in one run, each against a baseline measured in the same run, written to
benchmarks/RESULTS.md (or --out FILE).

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/scale.py [SITE] [CUSTOMERS] [ORDERS] [LEADS] [--keep] [--out FILE]

The data set (benchmarks/dataset.py) is made at the start unless the site holds exactly it already, and removed at
the end unless ``--keep`` (for a site that is dropped afterwards). Its customers start with no standing, so the
first recompute is the first after install.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import bulk_engine, bulk_insert, cli_rank, dataset  # noqa: E402
from benchmarks.measure import (  # noqa: E402
	another_year,
	bare_write,
	best,
	floor,
	keep_sections,
	once,
	results_path,
	rss_mb,
	sales_analytics_year,
	settle,
)
from benchmarks.on_bench import hook_cost  # noqa: E402
from customer_priority.engine.settings import Settings  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
SITE = args[0] if args else "cp-test.localhost"
CUSTOMERS = int(args[1]) if len(args) > 1 else 100_000
ORDERS = int(args[2]) if len(args) > 2 else 1_000_000
LEADS = int(args[3]) if len(args) > 3 else 50_000
KEEP = "--keep" in sys.argv
OUT = results_path(sys.argv)


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	from customer_priority.customer_priority.report.customer_ranking import customer_ranking
	from customer_priority.customer_priority.report.key_account_review import key_account_review
	from customer_priority.customer_priority.report.priority_queue import priority_queue
	from customer_priority.standing import recompute, stored

	lines = []

	def say(text: str = "") -> None:
		print(text, flush=True)
		lines.append(text)

	started = time.perf_counter()
	made_now = dataset.ensure(CUSTOMERS, ORDERS, LEADS)
	made = time.perf_counter() - started
	dataset.forget_standing()
	try:
		customers = frappe.db.count("Customer")
		orders = frappe.db.count("Sales Order", {"docstatus": 1})
		invoices = frappe.db.count("Sales Invoice", {"docstatus": 1})
		group_by, writing = floor()
		base = group_by + writing
		say("# Benchmark results")
		say()
		say(
			f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}; "
			f"load average {os.getloadavg()[0]:.1f} at the start (other work shares the machine: compare ratios)."
		)
		say(
			f"Site `{SITE}`: {customers:,} customers, {orders:,} submitted Sales Orders, {invoices:,} submitted Sales "
			f"Invoices (their gross profit is timed in its own section below), {LEADS:,} open bench leads"
		)
		say(
			f"({f'made in {made:.0f} s' if made_now else 'already there'} by `benchmarks/dataset.py`"
			f"{', kept' if KEEP else ', removed afterwards'}; MariaDB innodb_buffer_pool_size "
			f"{frappe.db.sql('select @@innodb_buffer_pool_size')[0][0] / 2**30:g} GiB)."
		)
		say()
		say(
			"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
			f"../env/bin/python <checkout>/benchmarks/scale.py {SITE} {CUSTOMERS} {ORDERS} {LEADS}{' --keep' if KEEP else ''}`"
		)
		say()
		say("| what | baseline, same run | app | ratio |")
		say("|---|---|---|---|")
		say(
			f"| floor | bare GROUP BY {group_by:.2f} s + bare insert-select and {customers:,}-row UPDATE … JOIN {writing:.2f} s | = {base:.2f} s | |"
		)

		memory_before = rss_mb()
		settle()  # the floor's rolled-back writes written back first
		first, result = once(lambda: recompute.recompute_all(source="Manual"))
		memory = rss_mb() - memory_before
		# The floor writes one column; the first recompute writes all of them: this bare write of every result
		# column, with the values the recompute just stored, is what the database alone needs for that.
		full_write = bare_write(list(stored.RESULT_COLUMNS))
		say(
			f"| first recompute ({result['updated']:,} customers written, {result['changes']:,} log rows) | floor {base:.2f} s | {first:.2f} s | {first / base:.1f}× |"
		)
		say(
			f"| the same first recompute against GROUP BY + a bare write of all {len(stored.RESULT_COLUMNS)} result columns | {group_by:.2f} s + {full_write:.2f} s = {group_by + full_write:.2f} s | {first:.2f} s | {first / (group_by + full_write):.1f}× |"
		)
		daily, result = once(lambda: recompute.recompute_all(source="Scheduler"))
		say(
			f"| daily recompute, nothing changed ({result['updated']} written) | floor {base:.2f} s | {daily:.2f} s | {daily / base:.1f}× |"
		)
		say(f"| peak memory growth of the process during the recompute | | {memory:.0f} MB | |")

		# The same select the report runs for its first page (its columns, on the rank's index).
		bare_page = best(
			lambda: frappe.db.sql(
				"""select name customer, customer_name, cp_rank `rank`, cp_window_value value, cp_abc_class abc_class,
				cp_window_order_count orders, cp_last_order_date last_order, cp_rfm_segment rfm_segment,
				cp_level level, cp_priority_tier tier, cp_key_account key_account, cp_lifecycle lifecycle
				from `tabCustomer` where cp_rank > 0 and cp_window_value > 0 order by cp_rank limit 20""",
				as_dict=True,
			),
			rounds=100,
		)
		page = best(lambda: customer_ranking.execute({"top": 20}), rounds=100)
		say(
			f"| Customer Ranking, default period, first 20 | the same bare `SELECT … ORDER BY cp_rank LIMIT 20` (indexed) {bare_page * 1000:.1f} ms | {page * 1000:.1f} ms | {page / bare_page:.1f}× |"
		)

		from_date, to_date = another_year()
		analytics = sales_analytics_year(from_date, to_date)
		year = best(
			lambda: customer_ranking.execute({"from_date": from_date, "to_date": to_date, "top": 500}),
			rounds=5,
		)
		say(
			f"| Customer Ranking, a 1-year period | ERPNext Sales Analytics (Customer, Sales Order, Value, Monthly) {analytics:.2f} s | {year:.2f} s | {analytics / year:.0f}× faster |"
		)

		# The same select the report runs (its columns and its condition).
		bare_keys = best(
			lambda: frappe.db.sql(
				"""select name customer, customer_name, cp_key_account key_account,
				cp_key_account_source source, cp_relationship_level relationship_level, cp_window_value value,
				cp_abc_class abc_class, cp_potential_score potential_score, cp_last_evaluation_score last_score,
				cp_last_evaluation_band last_band, cp_last_evaluation_date last_reviewed,
				cp_next_review_date next_review, account_manager, customer_group, cp_at_risk at_risk,
				cp_at_risk_reason risk_text, cp_at_risk_data risk_data
				from `tabCustomer` where disabled = 0
					and (cp_key_account = 1 or cp_potential_score >= %(candidate)s or cp_abc_class = 'A')""",
				{"candidate": Settings().key_potential_min_score},
				as_dict=True,
			)
		)
		keys = best(lambda: key_account_review.execute({}))
		say(
			f"| Key Account Review | the bare select of its rows {bare_keys * 1000:.0f} ms | {keys * 1000:.0f} ms | {keys / bare_keys:.1f}× |"
		)
		# The same select the report runs for leads (its columns and its condition).
		bare_queue = best(
			lambda: frappe.db.sql(
				"""select name, coalesce(nullif(company_name, ''), lead_name) title, cp_priority_tier tier,
				cp_tier_reason reason, cp_tier_reason_data reason_data, lead_owner owner, _assign, creation,
				cp_respond_by respond_by, cp_overdue overdue
				from `tabLead` where status not in ('Converted', 'Do Not Contact', 'Lost Quotation')"""
			)
		)
		queue = best(lambda: priority_queue.execute({"document_type": "Lead"}))
		say(
			f"| Priority Queue, {LEADS:,} open leads | the same select, bare, {bare_queue * 1000:.0f} ms | {queue * 1000:.0f} ms | {queue / bare_queue:.1f}× |"
		)
		inserts = bulk_insert.compare(80_000)
		say(
			f"| 80,000 tier log rows, the app's multi-row INSERT (`sql.insert_many`) | `frappe.db.bulk_insert` {inserts['frappe.db.bulk_insert']:.2f} s | {inserts['insert_many']:.2f} s | {inserts['frappe.db.bulk_insert'] / inserts['insert_many']:.1f}× faster |"
		)
		reference, bulk = bulk_engine.compare(CUSTOMERS)
		say(
			f"| deciding {CUSTOMERS:,} customers, the columnar bulk path (numpy) | the per-customer engine, {reference:.2f} s | {bulk:.2f} s | {reference / bulk:.1f}× faster |"
		)
		(bare_submit, bare_p95), (with_hook, hook_p95) = hook_cost()
		say(
			f"| Sales Order submit with {orders:,} orders in the table, median (p95) of 40 in turns | hook switched off {bare_submit * 1000:.0f} ms ({bare_p95 * 1000:.0f} ms) | {with_hook * 1000:.0f} ms ({hook_p95 * 1000:.0f} ms) | {with_hook / bare_submit:.2f}× ({hook_p95 / bare_p95:.2f}×) |"
		)
		path = cli_rank.make_csv(ORDERS, CUSTOMERS)
		cli_rank.bare_read(path)  # warm the page cache
		bare_csv = best(lambda: cli_rank.bare_read(path), rounds=2)
		ranked = best(lambda: cli_rank.rank_command(path), rounds=2)  # the whole command, as typed
		say(
			f"| `customer-priority rank` on a {ORDERS:,}-row export, {CUSTOMERS:,} customers | a bare `csv.reader` pass {bare_csv:.2f} s | {ranked:.2f} s | {ranked / bare_csv:.1f}× |"
		)
		say()
	finally:
		if not KEEP:
			dataset.drop()
		frappe.destroy()
	keep_sections(OUT, "\n".join(lines))


if __name__ == "__main__":
	main()
