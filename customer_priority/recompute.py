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
from datetime import date, datetime

import numpy as np
from rq.job import JobStatus

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate, now_datetime
from frappe.utils.background_jobs import get_job, get_job_status

from customer_priority import purchases, reasons, repair
from customer_priority.api import require_manager
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
)
from customer_priority.customer_priority.doctype.customer_tier_log.customer_tier_log import write_log
from customer_priority.engine.bulk import NO_DAY, Decided, Population, decide_population
from customer_priority.engine.history import Aggregate, window_start
from customer_priority.engine.keyaccount import potential_score
from customer_priority.engine.memory import paused_gc
from customer_priority.engine.pipeline import DecisionMemo, standing_for
from customer_priority.engine.ranking import Ranked, rank_reason
from customer_priority.sql import insert_many
from customer_priority.standing import (
	PROFILE_FIELDS,
	STATE_FIELDS,
	aggregate_values,
	changes_to_log,
	marked_key,
	profile_from_row,
	retier_customer,
	tier_reason,
)

JOB_ID = "customer_priority_recompute"
LOCK = "customer_priority_recompute"
"""MariaDB's named locks are server-wide: each site's lock is named after its database (``lock_name``), so a
recompute on one site never makes another site's skip."""
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
	"cp_lifetime_profit": "decimal(21,9)",
	"cp_window_profit": "decimal(21,9)",
	"cp_window_invoiced": "decimal(21,9)",
	"cp_margin_percent": "decimal(21,9)",
	"cp_rank": "int",
	"cp_percentile": "decimal(21,9)",
	"cp_abc_class": "varchar(1)",
	"cp_rfm_score": "varchar(8)",
	"cp_rfm_segment": "varchar(40)",
	"cp_points": "decimal(21,9)",
	"cp_level": "varchar(140)",
	"cp_lifecycle": "varchar(20)",
	"cp_key_account": "int",
	"cp_at_risk": "int",
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
	status = get_job_status(JOB_ID)
	if status == JobStatus.STARTED and lock_is_free():
		# Its worker died (killed, out of memory) without telling RQ, which would keep it "started" for an hour;
		# MariaDB released the lock with the worker's connection, so nothing is running.
		get_job(JOB_ID).delete()
	elif status in (JobStatus.QUEUED, JobStatus.STARTED):
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


def lock_is_free() -> bool:
	return bool(frappe.db.sql("select is_free_lock(%s)", lock_name())[0][0])


def lock_name() -> str:
	return f"{LOCK}:{frappe.conf.db_name}"


def scheduled_recompute():
	frequency = frappe.db.get_single_value(SETTINGS, "recompute_frequency") or "Daily"
	if frequency == "Never" or (frequency == "Weekly" and getdate().weekday() != 0):
		return
	recompute_all(source="Scheduler")


DECIMAL_COLUMNS = tuple(c for c, kind in RESULT_COLUMNS.items() if kind.startswith("decimal"))


def order_aggregates(as_of: date, settings, customers: list[str] | None = None) -> dict[str, Aggregate]:
	window = (window_start(as_of, settings), as_of)
	counted = purchases.current()
	aggregates = purchases.customer_aggregates(counted, window, settings.lapse_days, customers)
	for name, lifetime, in_window, invoiced in purchases.customer_profits(
		window, counted.companies, customers
	):
		agg = aggregates.setdefault(name, Aggregate(name))
		agg.lifetime_profit, agg.window_profit, agg.window_invoiced = (
			flt(lifetime),
			flt(in_window),
			flt(invoiced),
		)
	return aggregates


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
	if not frappe.db.sql("select get_lock(%s, 0)", lock_name())[0][0]:
		return {"skipped": _("Another recompute holds the lock")}
	try:
		started = now_datetime()
		result = _recompute(source, as_of or getdate(), fail_after_chunks)
		if not as_of or getdate(as_of) == getdate():
			# An order submitted or cancelled while this ran may have been overwritten by the totals read at the
			# start: those customers are rebuilt from their orders before the lock is let go.
			repair.rebuild_customers(repair.out_of_step_since(started), source)
		return result
	finally:
		frappe.db.sql("select release_lock(%s)", lock_name())


def recompute_customers(customers: list[str], source: str = "Hook") -> None:
	"""Rebuild a few customers' aggregates from their own orders (after a merge) and re-decide them."""
	settings = get_engine_settings()
	aggregates = order_aggregates(getdate(), settings, customers=customers)
	for name in customers:
		agg = aggregates.get(name) or Aggregate(name)
		frappe.db.set_value("Customer", name, aggregate_values(agg), update_modified=False)
		retier_customer(name, source, settings=settings)


STORED = (
	"name",
	*STATE_FIELDS,
	"cp_override_reason",
	"cp_at_risk_data",
	*PROFILE_FIELDS,
	*(c for c in RESULT_COLUMNS if c not in ("cp_tier_reason", "cp_tier_reason_data")),
)
COMPARED = tuple(
	c for c in RESULT_COLUMNS if c not in ("cp_tier_reason", "cp_tier_reason_data", "cp_ranked_on")
)
DAY_COLUMNS = ("cp_first_order_date", "cp_last_order_date", "cp_reborn_on")


NULL_MARK, SEPARATOR = "\x1e", "\x1f"
PARSERS = {
	"int": int,
	"tinyint": int,
	"smallint": int,
	"bigint": int,
	"decimal": float,
	"double": float,
	"float": float,
	"date": date.fromisoformat,
	"datetime": datetime.fromisoformat,
}


def read_stored() -> dict[str, list]:
	"""Every customer's stored state, column by column (a list per field), in name order.

	Each row comes as one string and is split here: pymysql decodes a field at a time in Python, a cost that
	grows with rows times fields. Values are parsed by their column's SQL type; NULL stays None."""
	columns = list(dict.fromkeys(STORED))
	kinds = dict(
		frappe.db.sql(
			"""select column_name, data_type from information_schema.columns
			where table_schema = database() and table_name = 'tabCustomer'"""
		)
	)
	joined = ", ".join(f"coalesce(`{c}`, char(30))" for c in columns)
	rows = frappe.db.sql(f"select concat_ws(char(31), {joined}) from `tabCustomer` order by name")
	rows = [r[0].split(SEPARATOR) for r in rows]
	if any(len(r) != len(columns) for r in rows):  # a value holding the separator: read field by field
		return by_column(
			columns,
			frappe.db.sql(f"select {', '.join(f'`{c}`' for c in columns)} from `tabCustomer` order by name"),
		)
	stored = by_column(columns, rows)
	for column, values in stored.items():
		parse = PARSERS.get(kinds.get(column))
		if NULL_MARK in values:
			stored[column] = [None if v == NULL_MARK else parse(v) if parse else v for v in values]
		elif parse:
			stored[column] = list(map(parse, values))
	return stored


def by_column(columns: list[str], rows) -> dict[str, list]:
	if not rows:
		return {column: [] for column in columns}
	return dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True))


def ordinal(day) -> int:
	return day.toordinal() if day else NO_DAY


def fresh_totals(stored: dict, as_of: date, settings) -> dict[str, np.ndarray]:
	"""The per-customer GROUP BY, aligned with the stored rows; the Reborn day is looked up in the order history
	only for customers whose orders changed since it was stored (and for everyone when the lapse period did)."""
	names = stored["name"]
	index = {name: row for row, name in enumerate(names)}
	n = len(names)
	totals = {
		"lifetime": np.zeros(n),
		"count": np.zeros(n, dtype=np.int64),
		"window": np.zeros(n),
		"window_count": np.zeros(n, dtype=np.int64),
		"first": np.zeros(n, dtype=np.int64),
		"last": np.zeros(n, dtype=np.int64),
	}
	counted = purchases.current()
	for name, lifetime, count, window, window_count, first, last in purchases.customer_totals(
		counted, (window_start(as_of, settings), as_of)
	):
		row = index.get(name)
		if row is None:
			continue
		totals["lifetime"][row], totals["count"][row] = flt(lifetime), cint(count)
		totals["window"][row], totals["window_count"][row] = flt(window), cint(window_count)
		totals["first"][row], totals["last"][row] = cint(first), cint(last)
	stored_days = {c: np.array([ordinal(d) for d in stored[c]], dtype=np.int64) for c in DAY_COLUMNS}
	same_orders = (
		(totals["count"] == np.array([cint(v) for v in stored["cp_order_count"]], dtype=np.int64))
		& (np.round(totals["lifetime"], 6) == np.round([flt(v) for v in stored["cp_lifetime_value"]], 6))
		& (totals["first"] == stored_days["cp_first_order_date"])
		& (totals["last"] == stored_days["cp_last_order_date"])
	)
	lapse_unchanged = cint(frappe.db.get_single_value(SETTINGS, "reborn_lapse_days")) == settings.lapse_days
	reborn = np.where(same_orders & lapse_unchanged, stored_days["cp_reborn_on"], NO_DAY)
	recheck = [names[row] for row in np.flatnonzero(~(same_orders & lapse_unchanged) & (totals["count"] > 0))]
	if recheck:
		everyone = len(recheck) > n // 2
		found = purchases.reborn_dates(counted, settings.lapse_days, None if everyone else recheck)
		for name, day in found.items():
			row = index.get(name)
			if row is not None:
				reborn[row] = day.toordinal()
	totals["reborn"] = reborn
	for column in ("lifetime_profit", "window_profit", "window_invoiced"):
		totals[column] = np.zeros(n)
	for name, lifetime, window, invoiced in purchases.customer_profits(
		(window_start(as_of, settings), as_of), counted.companies
	):
		row = index.get(name)
		if row is not None:
			totals["lifetime_profit"][row], totals["window_profit"][row] = flt(lifetime), flt(window)
			totals["window_invoiced"][row] = flt(invoiced)
	totals["stored_days"] = stored_days  # the comparison with what is stored needs them too
	return totals


def potentials(stored: dict, settings) -> np.ndarray:
	"""Each customer's potential score, NaN where no profile is filled in (most customers): only the filled
	ones are scored."""
	potential = np.full(len(stored["name"]), np.nan)
	filled = np.zeros(len(stored["name"]), dtype=bool)
	for field in PROFILE_FIELDS:
		filled |= np.array([bool(v) for v in stored[field]], dtype=bool)
	for row in np.flatnonzero(filled).tolist():
		profile = profile_from_row(frappe._dict({f: stored[f][row] for f in PROFILE_FIELDS}))
		if not profile.is_empty:
			potential[row] = potential_score(profile, settings)
	return potential


def population(stored: dict, totals: dict, settings) -> Population:
	return Population(
		names=stored["name"],
		window_value=totals["window"],
		lifetime_value=totals["lifetime"],
		order_count=totals["count"],
		window_order_count=totals["window_count"],
		first_order=totals["first"],
		last_order=totals["last"],
		reborn_on=totals["reborn"],
		internal=np.array([bool(cint(v)) for v in stored["is_internal_customer"]], dtype=bool),
		previous_level=[v or None for v in stored["cp_level"]],
		potential=potentials(stored, settings),
		marked_key=np.array(
			[
				src == "Manual" and bool(cint(key))
				for src, key in zip(stored["cp_key_account_source"], stored["cp_key_account"], strict=True)
			],
			dtype=bool,
		),
		window_profit=totals["window_profit"],
		lifetime_profit=totals["lifetime_profit"],
		at_risk=np.array([bool(data) for data in stored["cp_at_risk_data"]], dtype=bool),
	)


def new_values(stored: dict, totals: dict, decided: Decided) -> dict[str, np.ndarray]:
	"""The result columns the bulk decisions give, in the stored form (days as ordinals)."""
	ranked = decided.rank > 0
	overridden = np.array([bool(cint(v)) for v in stored["cp_tier_override"]], dtype=bool)
	count = totals["count"]
	return {
		"cp_lifetime_value": np.where(count > 0, totals["lifetime"], 0.0),
		"cp_order_count": count,
		"cp_window_value": np.where(count > 0, totals["window"], 0.0),
		"cp_window_order_count": totals["window_count"],
		"cp_first_order_date": totals["first"],
		"cp_last_order_date": totals["last"],
		"cp_reborn_on": totals["reborn"],
		"cp_average_order_value": np.where(count > 0, totals["lifetime"] / np.maximum(count, 1), 0.0),
		"cp_lifetime_profit": totals["lifetime_profit"],
		"cp_window_profit": totals["window_profit"],
		"cp_window_invoiced": totals["window_invoiced"],
		"cp_margin_percent": margin_percent(totals["window_profit"], totals["window_invoiced"]),
		"cp_rank": decided.rank,
		"cp_percentile": np.where(ranked, decided.percentile, 0.0),
		"cp_abc_class": np.where(ranked, decided.abc, ""),
		"cp_rfm_score": decided.rfm_code,
		"cp_rfm_segment": decided.segment,
		"cp_points": decided.points,
		"cp_level": decided.level,
		"cp_lifecycle": decided.lifecycle,
		"cp_key_account": decided.is_key.astype(np.int64),
		"cp_at_risk": decided.at_risk.astype(np.int64),
		"cp_key_account_source": np.where(decided.is_key, decided.key_source, ""),
		"cp_relationship_level": decided.relationship_level,
		"cp_potential_score": decided.potential_score,
		"cp_rule_tier": decided.tier,
		"cp_priority_tier": np.where(
			overridden, np.array(stored["cp_override_tier"], dtype=object), decided.tier
		),
	}


def margin_percent(profit: np.ndarray, invoiced: np.ndarray) -> np.ndarray:
	"""``Aggregate.window_margin`` for every row (0 without anything invoiced)."""
	invoiced_rows = invoiced > 0
	return np.where(invoiced_rows, 100.0 * profit / np.where(invoiced_rows, invoiced, 1.0), 0.0)


def changed_mask(
	stored: dict, stored_days: dict[str, np.ndarray], values: dict[str, np.ndarray]
) -> np.ndarray:
	"""Which customers' stored results differ from the new ones: decimals to 6 places, days as ordinals, an empty
	string equal to NULL; column by column over the whole population."""
	changed = np.zeros(len(stored["name"]), dtype=bool)
	for column in COMPARED:
		new = values[column]
		if column in DECIMAL_COLUMNS:
			old = np.round(np.array([flt(v) for v in stored[column]]), 6)
			changed |= old != np.round(new.astype(float), 6)
		elif column in DAY_COLUMNS:
			changed |= stored_days[column] != new
		elif column in ("cp_rank", "cp_order_count", "cp_window_order_count", "cp_key_account", "cp_at_risk"):
			changed |= np.array([cint(v) for v in stored[column]], dtype=np.int64) != new
		else:
			changed |= np.array([v or "" for v in stored[column]], dtype=object) != np.array(
				[v or "" for v in new], dtype=object
			)
	return changed


def decide_everyone(as_of: date, settings):
	"""Every customer decided with the columnar path; the RFM cut-offs and the lapse period used are stored."""
	stored = read_stored()
	totals = fresh_totals(stored, as_of, settings)
	decided = decide_population(population(stored, totals, settings), as_of, settings)
	ranked_by = totals["window_profit"] if settings.rank_by == "Gross Profit" else totals["window"]
	bought = (decided.rank > 0) & (ranked_by > 0)
	ranking_totals = {
		"total": float(ranked_by[bought].sum()),
		"count": int(bought.sum()),
		"class_a": int((bought & (decided.abc == "A")).sum()),
	}
	frappe.db.set_single_value(
		SETTINGS,
		{
			"rfm_cutoffs": json.dumps(decided.cutoffs.to_dict()),
			"reborn_lapse_days": settings.lapse_days,
			"ranking_totals": json.dumps(ranking_totals),
		},
	)
	frappe.db.commit()
	return stored, totals, decided


BEFORE = ("name", *STATE_FIELDS, "cp_override_reason", "cp_at_risk_data", *PROFILE_FIELDS)
"""What the reasons and the log of a changed customer need of its stored row."""
WRITTEN = tuple(
	c for c in RESULT_COLUMNS if c not in ("cp_tier_reason", "cp_tier_reason_data", "cp_ranked_on")
)


def stored_form(values: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, list]:
	"""The given rows of the columnar results as Python values for the database: days back to dates."""
	out = {}
	for column in WRITTEN:
		picked = values[column][rows].tolist()
		out[column] = [purchases.day(v) for v in picked] if column in DAY_COLUMNS else picked
	return out


def changed_rows(
	rows: np.ndarray, stored, totals, decided, values, settings, as_of: date, source: str, ranked_on, memo
):
	"""The result rows and log entries of the given (changed) customers. The values are the columnar path's; the
	reasons come from the per-customer reference (the same decisions, proved by the property test), asked only
	for these customers."""
	new = stored_form(values, rows)
	count = int((decided.rank > 0).sum())
	out, log = [], []
	for i, row in enumerate(rows.tolist()):
		before = frappe._dict({column: stored[column][row] for column in BEFORE})
		after = {column: new[column][i] for column in WRITTEN}
		st = reference_standing(row, before, totals, decided, count, settings, as_of, memo)
		text, data = tier_reason(st.why("tier"), before)
		out.append((before.name, *after.values(), text, data, ranked_on))
		log.extend(changes_to_log(before.name, before, after, st, source))
	return out, log


def reference_standing(row: int, before, totals, decided, count: int, settings, as_of: date, memo):
	"""One customer's standing through the per-customer engine, from the columnar totals and rank."""
	agg = Aggregate(
		before.name,
		float(totals["lifetime"][row]),
		int(totals["count"][row]),
		float(totals["window"][row]),
		int(totals["window_count"][row]),
		purchases.day(totals["first"][row]),
		purchases.day(totals["last"][row]),
		purchases.day(totals["reborn"][row]),
		lifetime_profit=float(totals["lifetime_profit"][row]),
		window_profit=float(totals["window_profit"][row]),
		window_invoiced=float(totals["window_invoiced"][row]),
	)
	ranked = None
	if decided.rank[row]:
		why = rank_reason(
			int(decided.rank[row]),
			count,
			float(decided.share[row]),
			decided.abc[row],
			float(decided.cumulative_share[row]),
			settings,
		)
		ranked = Ranked(
			before.name,
			agg.ranking_values(settings)[0],
			int(decided.rank[row]),
			float(decided.percentile[row]),
			float(decided.share[row]),
			float(decided.cumulative_share[row]),
			decided.abc[row],
			[why],
		)
	profile = profile_from_row(before)
	return standing_for(
		agg,
		ranked,
		decided.cutoffs,
		as_of,
		settings,
		before.cp_level or None,
		None if profile.is_empty else profile,
		is_internal=bool(cint(before.is_internal_customer)),
		memo=memo,
		marked_key=marked_key(before),
		risk=reasons.decode(before.cp_at_risk_data) if before.cp_at_risk_data else None,
	)


def write_results(rows: list[tuple]) -> None:
	"""One bulk INSERT into the temporary table and one UPDATE ... JOIN for a chunk of customers."""
	columns = [*WRITTEN, "cp_tier_reason", "cp_tier_reason_data", "cp_ranked_on"]
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
	with paused_gc():
		stored, totals, decided = decide_everyone(as_of, settings)
		values = new_values(stored, totals, decided)
		changed = np.flatnonzero(changed_mask(stored, totals["stored_days"], values))
	total, changed_count, written = len(stored["name"]), 0, 0
	frappe.db.sql("drop temporary table if exists cp_recompute")
	frappe.db.sql(
		"create temporary table cp_recompute (name varchar(140) primary key, {})".format(
			", ".join(f"`{c}` {t}" for c, t in RESULT_COLUMNS.items())
		)
	)
	memo = DecisionMemo(settings)
	for chunk_no, start in enumerate(range(0, len(changed), CHUNK)):
		if fail_after_chunks is not None and chunk_no >= fail_after_chunks:
			raise RuntimeError("recompute interrupted (simulated)")
		chunk = changed[start : start + CHUNK]
		with paused_gc():
			rows, log = changed_rows(
				chunk, stored, totals, decided, values, settings, as_of, source, started, memo
			)
		if rows:
			write_results(rows)
			written += len(rows)
		write_log(log)
		changed_count += len(log)
		frappe.db.commit()  # each chunk whole: a job killed later leaves these customers fully new
		done = min(start + CHUNK, len(changed))
		publish_progress(done, len(changed), _("{0} of {1} changed customers").format(done, len(changed)))
	frappe.db.sql("drop temporary table if exists cp_recompute")
	with_orders = int((totals["count"] > 0).sum())
	summary = _("{0} customers ranked from {1} with orders; {2} updated, {3} changes logged").format(
		total, with_orders, written, changed_count
	)
	frappe.db.set_single_value(SETTINGS, {"last_recompute_on": started, "last_recompute_summary": summary})
	frappe.db.commit()
	publish_progress(1, 1, summary)
	frappe.get_doc(SETTINGS).notify_update()  # an open Settings form shows the new summary
	return {"customers": total, "with_orders": with_orders, "updated": written, "changes": changed_count}
