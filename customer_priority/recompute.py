"""The full recompute: every customer's standing from all submitted orders, in a few set-based statements.

1. One GROUP BY over submitted orders (served by the app's covering index) and one window-function pass for
   the Reborn dates.
2. The engine ranks and decides for the whole population in memory (plain tuples, O(n log n)).
3. Results go back in chunks: each chunk is bulk-inserted into a temporary table and applied with one
   UPDATE ... JOIN, with its log rows, and committed. A job killed half-way leaves every customer either fully
   old or fully new; running it again finishes the work.
"""

from __future__ import annotations

import json
from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, getdate, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from customer_priority import purchases
from customer_priority.api import require_manager
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
)
from customer_priority.customer_priority.doctype.customer_tier_log.customer_tier_log import write_log
from customer_priority.engine.history import Aggregate, window_start
from customer_priority.engine.pipeline import compute_all
from customer_priority.sql import insert_many
from customer_priority.standing import (
	PROFILE_FIELDS,
	STATE_FIELDS,
	aggregate_values,
	changes_to_log,
	marked_key,
	profile_from_row,
	retier_customer,
	standing_values,
)

JOB_ID = "customer_priority_recompute"
LOCK = "customer_priority_recompute"
CHUNK = 5000
RESULT_COLUMNS = {
	"cp_lifetime_value": "decimal(21,9)",
	"cp_order_count": "int",
	"cp_window_value": "decimal(21,9)",
	"cp_window_order_count": "int",
	"cp_first_order_date": "date",
	"cp_last_order_date": "date",
	"cp_reborn_on": "date",
	"cp_average_order_value": "decimal(21,9)",
	"cp_rank": "int",
	"cp_percentile": "decimal(21,9)",
	"cp_abc_class": "varchar(1)",
	"cp_rfm_score": "varchar(8)",
	"cp_rfm_segment": "varchar(40)",
	"cp_points": "decimal(21,9)",
	"cp_level": "varchar(140)",
	"cp_lifecycle": "varchar(20)",
	"cp_key_account": "int",
	"cp_key_account_source": "varchar(20)",
	"cp_relationship_level": "varchar(40)",
	"cp_potential_score": "decimal(21,9)",
	"cp_priority_tier": "varchar(10)",
	"cp_rule_tier": "varchar(10)",
	"cp_tier_reason": "text",
	"cp_tier_reason_data": "longtext",
	"cp_ranked_on": "datetime",
}


@frappe.whitelist()
def start_recompute() -> str:
	"""Settings' "Recompute Now": queue the job unless one is queued or running."""
	require_manager()
	if is_job_enqueued(JOB_ID):
		return _("A recompute is already running; it will finish on its own.")
	frappe.enqueue(
		"customer_priority.recompute.recompute_all",
		queue="long",
		job_id=JOB_ID,
		deduplicate=True,
		timeout=3600,
		source="Manual",
	)
	return _("Recompute started: progress is shown here; you can leave this page.")


def scheduled_recompute():
	frequency = frappe.db.get_single_value(SETTINGS, "recompute_frequency") or "Daily"
	if frequency == "Never" or (frequency == "Weekly" and getdate().weekday() != 0):
		return
	recompute_all(source="Scheduler")


DECIMAL_COLUMNS = tuple(c for c, kind in RESULT_COLUMNS.items() if kind.startswith("decimal"))
OTHER_COLUMNS = tuple(
	c for c, kind in RESULT_COLUMNS.items() if not kind.startswith("decimal") and c != "cp_ranked_on"
)
EMPTY = ("", None)


def unchanged(row, values: dict) -> bool:
	"""Whether a customer's stored result already equals the new one; such rows are not written again.

	Decimals compare to 6 places, and an empty string equals NULL. Called once per customer on every run, so it
	stops at the first difference."""
	for column in DECIMAL_COLUMNS:
		if round(float(row[column] or 0), 6) != round(float(values[column] or 0), 6):
			return False
	for column in OTHER_COLUMNS:
		stored, new = row[column], values[column]
		if stored != new and not (stored in EMPTY and new in EMPTY):
			return False
	return True


def order_aggregates(as_of: date, settings, customers: list[str] | None = None) -> dict[str, Aggregate]:
	window = (window_start(as_of, settings), as_of)
	return purchases.customer_aggregates(purchases.current(), window, settings.lapse_days, customers)


def publish_progress(done: int, total: int, description: str) -> None:
	"""Frappe's progress bar, on the Settings form of whoever has it open."""
	frappe.publish_progress(
		done * 100 / total,
		title=_("Recomputing customer priority"),
		doctype=SETTINGS,
		docname=SETTINGS,
		description=description,
	)


def recompute_all(
	source: str = "Scheduler",
	as_of: date | None = None,
	fail_after_chunks: int | None = None,
) -> dict:
	"""Recompute every customer. ``fail_after_chunks`` simulates a job killed mid-way (tests only)."""
	if not frappe.db.sql("select get_lock(%s, 0)", LOCK)[0][0]:
		return {"skipped": _("Another recompute holds the lock")}
	try:
		return _recompute(source, as_of or getdate(), fail_after_chunks)
	finally:
		frappe.db.sql("select release_lock(%s)", LOCK)


def recompute_customers(customers: list[str], source: str = "Hook") -> None:
	"""Rebuild a few customers' aggregates from their own orders (after a merge) and re-decide them."""
	settings = get_engine_settings()
	aggregates = order_aggregates(getdate(), settings, customers=customers)
	for name in customers:
		agg = aggregates.get(name) or Aggregate(name)
		frappe.db.set_value("Customer", name, aggregate_values(agg), update_modified=False)
		retier_customer(name, source, settings=settings)


def decide_everyone(as_of: date, settings):
	"""Every customer's stored row and new standing, best ranked first; the RFM cut-offs are stored."""
	aggregates = order_aggregates(as_of, settings)
	state_fields = ["name", *STATE_FIELDS, "cp_override_reason", *PROFILE_FIELDS]
	stored = ", ".join(f"`{f}`" for f in dict.fromkeys([*state_fields, *RESULT_COLUMNS]))
	customers = {r.name: r for r in frappe.db.sql(f"select {stored} from `tabCustomer`", as_dict=True)}
	profiles = {name: profile_from_row(r) for name, r in customers.items()}
	standings, cutoffs = compute_all(
		{k: v for k, v in aggregates.items() if k in customers},
		as_of,
		settings,
		customers=customers.keys(),
		previous_levels={n: r.cp_level for n, r in customers.items() if r.cp_level},
		profiles={name: p for name, p in profiles.items() if not p.is_empty},
		internal={name for name, r in customers.items() if cint(r.is_internal_customer)},
		marked_keys={name for name, r in customers.items() if marked_key(r)},
	)
	frappe.db.set_single_value(SETTINGS, "rfm_cutoffs", json.dumps(cutoffs.to_dict()))
	frappe.db.commit()
	return customers, standings, len(aggregates)


def changed_rows(
	standings, customers: dict, settings, source: str, ranked_on
) -> tuple[list[tuple], list[dict]]:
	"""The result rows of the customers whose stored values differ, and the log entries of what changed."""
	rows, log = [], []
	for st in standings:
		row = customers[st.customer]
		values = standing_values(st, row, settings)
		values.update(aggregate_values(st.aggregate))
		values.update(
			{
				"cp_rank": st.rank or 0,
				"cp_percentile": st.percentile if st.rank else 0,
				"cp_abc_class": st.abc if st.rank else "",
				"cp_ranked_on": ranked_on,
			}
		)
		if unchanged(row, values):
			continue
		rows.append((st.customer, *(values[c] for c in RESULT_COLUMNS)))
		log.extend(changes_to_log(st.customer, row, values, st, source))
	return rows, log


def write_results(rows: list[tuple]) -> None:
	"""One bulk INSERT into the temporary table and one UPDATE ... JOIN for a chunk of customers."""
	columns = list(RESULT_COLUMNS)
	frappe.db.sql("delete from cp_recompute")
	insert_many("cp_recompute", ["name", *columns], rows)
	frappe.db.sql(
		"update `tabCustomer` c join cp_recompute n on c.name = n.name set {}".format(
			", ".join(f"c.`{col}` = n.`{col}`" for col in columns)
		)
	)


def _recompute(source: str, as_of: date, fail_after_chunks) -> dict:
	settings = get_engine_settings()
	started = now_datetime()
	customers, standings, with_orders = decide_everyone(as_of, settings)
	total, changed_count, written = len(standings), 0, 0
	frappe.db.sql("drop temporary table if exists cp_recompute")
	frappe.db.sql(
		"create temporary table cp_recompute (name varchar(140) primary key, {})".format(
			", ".join(f"`{c}` {t}" for c, t in RESULT_COLUMNS.items())
		)
	)
	for chunk_no, start in enumerate(range(0, total, CHUNK)):
		if fail_after_chunks is not None and chunk_no >= fail_after_chunks:
			raise RuntimeError("recompute interrupted (simulated)")
		rows, log = changed_rows(standings[start : start + CHUNK], customers, settings, source, started)
		if rows:
			write_results(rows)
			written += len(rows)
		write_log(log)
		changed_count += len(log)
		frappe.db.commit()  # each chunk whole: a job killed later leaves these customers fully new
		done = min(start + CHUNK, total)
		publish_progress(done, total, _("{0} of {1} customers").format(done, total))
	frappe.db.sql("drop temporary table if exists cp_recompute")
	summary = _("{0} customers ranked from {1} with orders; {2} updated, {3} changes logged").format(
		total, with_orders, written, changed_count
	)
	frappe.db.set_single_value(SETTINGS, {"last_recompute_on": started, "last_recompute_summary": summary})
	frappe.db.commit()
	publish_progress(total or 1, total or 1, summary)
	frappe.get_doc(SETTINGS).notify_update()  # an open Settings form shows the new summary
	return {"customers": total, "with_orders": with_orders, "updated": written, "changes": changed_count}
