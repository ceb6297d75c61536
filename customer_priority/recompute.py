"""The full recompute: every customer's standing from all submitted orders, in a few set-based statements.

1. One GROUP BY over submitted orders (served by the app's covering index). The Reborn day and gross profit are
   looked up again only for the customers whose orders or invoices moved since the last run.
2. The engine decides for the whole population as arrays (``bulk.decide_population``, proved equal to the
   per-customer engine), and the results are compared with what is stored.
3. Only the customers that changed are written back, in chunks: each chunk is bulk-inserted into a temporary
   table and applied with one UPDATE ... JOIN, with its log rows, and committed. A job killed half-way leaves
   every customer either fully old or fully new; running it again finishes the work.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from rq.job import JobStatus

import frappe
from frappe import _
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime
from frappe.utils.background_jobs import get_job, get_job_status

from customer_priority import privileges, purchases, reasons, repair
from customer_priority.api import require_manager
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
)
from customer_priority.customer_priority.doctype.customer_tier_log.customer_tier_log import write_log
from customer_priority.engine.bulk import NO_DAY, Decided, Population, decide_population
from customer_priority.engine.columnar import tier_reasons
from customer_priority.engine.history import Aggregate, crossed_days, window_start
from customer_priority.engine.keyaccount import PotentialProfile, potential_score
from customer_priority.engine.memory import paused_gc
from customer_priority.engine.pipeline import DecisionMemo, standing_for
from customer_priority.engine.ranking import Ranked, rank_reason
from customer_priority.sql import insert_statements, literal
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


def fresh_totals(stored: dict, as_of: date, settings, regroup_all: bool = False) -> dict[str, np.ndarray]:
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
	profits, totals["profit_state"] = profit_totals(
		stored, index, (window_start(as_of, settings), as_of), counted.companies, regroup_all
	)
	totals.update(profits)
	totals["stored_days"] = stored_days  # the comparison with what is stored needs them too
	return totals


PROFIT_TOTALS = {
	"lifetime_profit": "cp_lifetime_profit",
	"window_profit": "cp_window_profit",
	"window_invoiced": "cp_window_invoiced",
}
REGROUP_ALL_ABOVE = 0.5
"""Share of the customers above which one full pass costs less than grouping the moved ones by name."""
OPEN_TRANSACTION_MARGIN = timedelta(hours=1)
"""An invoice is stamped ``modified`` when saved and seen when committed: looking an hour further back than the
last pass read finds one that was still being submitted then."""


def profit_totals(
	stored: dict,
	index: dict[str, int],
	window: tuple[date, date],
	companies: tuple[str, ...],
	regroup_all: bool = False,
) -> tuple[dict[str, np.ndarray], dict]:
	"""Each customer's gross profit, aligned with the stored rows, and the state to store once the run is written.

	Grouping every invoice's items costs seconds at a million invoices, so after one full pass only the customers
	whose profit may have moved are grouped again (``purchases.profit_moved_since``); the others keep what is
	stored, which the Sales Invoice hooks keep up between passes. A full pass is made when there is no state
	(install, reinstall), when the companies counted changed, when most customers moved anyway, and when asked
	(``regroup_all``: "Recompute Now", an administrator's way to rebuild everything from the records)."""
	n = len(stored["name"])
	state = {
		"read_at": str(now_datetime()),
		"window": [str(day) for day in window],
		"companies": sorted(companies),
	}
	last = last_profit_state()
	regroup = None
	if last and last["companies"] == state["companies"] and not regroup_all:
		regroup = purchases.profit_moved_since(
			get_datetime(last["read_at"]) - OPEN_TRANSACTION_MARGIN,
			crossed_days(tuple(getdate(day) for day in last["window"]), window),
		)
		if len(regroup) > REGROUP_ALL_ABOVE * n:
			regroup = None
	if regroup is None:
		totals = {column: np.zeros(n) for column in PROFIT_TOTALS}
	else:
		totals = {
			column: np.array([flt(v) for v in stored[field]]) for column, field in PROFIT_TOTALS.items()
		}
		rows = [index[name] for name in regroup if name in index]
		for column in totals:
			totals[column][rows] = 0.0  # a customer whose last invoice was cancelled has none left
	if regroup is None or regroup:
		for name, lifetime, in_window, invoiced in purchases.customer_profits(window, companies, regroup):
			row = index.get(name)
			if row is not None:
				totals["lifetime_profit"][row], totals["window_profit"][row] = flt(lifetime), flt(in_window)
				totals["window_invoiced"][row] = flt(invoiced)
	return totals, state


def last_profit_state() -> dict | None:
	"""What the last completed recompute read gross profit at: when, over which window, for which companies."""
	try:
		state = json.loads(frappe.db.get_single_value(SETTINGS, "profit_state") or "null")
		return state if {"read_at", "window", "companies"} <= set(state or ()) else None
	except (TypeError, ValueError):
		return None


def stored_profiles(stored: dict) -> dict[str, PotentialProfile]:
	"""The potential profiles filled in (most customers have none), by customer."""
	filled = np.zeros(len(stored["name"]), dtype=bool)
	for field in PROFILE_FIELDS:
		filled |= np.array([bool(v) for v in stored[field]], dtype=bool)
	profiles = {}
	for row in np.flatnonzero(filled).tolist():
		profile = profile_from_row(frappe._dict({f: stored[f][row] for f in PROFILE_FIELDS}))
		if not profile.is_empty:
			profiles[stored["name"][row]] = profile
	return profiles


def stored_risks(stored: dict) -> dict[str, list]:
	"""The reasons the watch gave that a customer may be lost, by customer (only those it gave any)."""
	return {
		name: reasons.decode(data)
		for name, data in zip(stored["name"], stored["cp_at_risk_data"], strict=True)
		if data
	}


def potentials(names: list[str], profiles: dict[str, PotentialProfile], settings) -> np.ndarray:
	"""Each customer's potential score, NaN where no profile is filled in: only the filled ones are scored."""
	potential = np.full(len(names), np.nan)
	if profiles:
		for row, name in enumerate(names):
			if name in profiles:
				potential[row] = potential_score(profiles[name], settings)
	return potential


def population(stored: dict, totals: dict, profiles: dict[str, PotentialProfile], settings) -> Population:
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
		potential=potentials(stored["name"], profiles, settings),
		marked_key=np.array(
			[
				src == "Manual" and bool(cint(key))
				for src, key in zip(stored["cp_key_account_source"], stored["cp_key_account"], strict=True)
			],
			dtype=bool,
		),
		window_profit=totals["window_profit"],
		lifetime_profit=totals["lifetime_profit"],
		window_invoiced=totals["window_invoiced"],
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


@dataclass
class Everyone:
	"""One run's view of every customer: what is stored, the fresh totals, the population the engine decided and
	its decisions, with the profiles and risk reasons the reasons are made of."""

	stored: dict[str, list]
	totals: dict
	population: Population
	decided: Decided
	profiles: dict[str, PotentialProfile]
	risks: dict[str, list]


def decide_everyone(as_of: date, settings, regroup_all: bool = False) -> Everyone:
	"""Every customer decided with the columnar path; the RFM cut-offs and the ranking totals are stored."""
	stored = read_stored()
	totals = fresh_totals(stored, as_of, settings, regroup_all)
	profiles = stored_profiles(stored)
	pop = population(stored, totals, profiles, settings)
	decided = decide_population(pop, as_of, settings)
	ranked_by = totals["window_profit"] if settings.rank_by == "Gross Profit" else totals["window"]
	bought = (decided.rank > 0) & (ranked_by > 0)
	ranking_totals = {
		"total": float(ranked_by[bought].sum()),
		"count": int(bought.sum()),
		"class_a": int((bought & (decided.abc == "A")).sum()),
	}
	frappe.db.set_single_value(
		SETTINGS,
		{"rfm_cutoffs": json.dumps(decided.cutoffs.to_dict()), "ranking_totals": json.dumps(ranking_totals)},
	)
	frappe.db.commit()
	return Everyone(stored, totals, pop, decided, profiles, stored_risks(stored))


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
	rows: np.ndarray,
	everyone: Everyone,
	values,
	settings,
	as_of: date,
	source: str,
	memo,
	grants: bool = True,
):
	"""The result rows and log entries of the given (changed) customers. The values are the columnar path's.

	A customer with a standing before (or a level's privileges to apply) gets its reasons and log from the
	per-customer reference (the same decisions, proved by the property test). A first standing is not logged,
	so its tier reason is all it needs: ``columnar.tier_reasons`` asks the reference once per distinct set of facts
	(the first run after install: a few hundred questions for every customer). Without ``grants`` (no level's
	privileges in use) nothing here reads the database."""
	stored, decided = everyone.stored, everyone.decided
	new = stored_form(values, rows)
	count = int((decided.rank > 0).sum())
	first = np.array([not stored["cp_priority_tier"][row] for row in rows.tolist()], dtype=bool)
	if grants:
		first[:] = False
	why, which = tier_reasons(
		everyone.population, decided, rows[first], as_of, settings, everyone.profiles, everyone.risks
	)
	first_reasons = [reasons.stored_form(reasons_of_tier) for reasons_of_tier in why]
	firsts = iter(which.tolist())
	out, log = [], []
	for i, row in enumerate(rows.tolist()):
		before = frappe._dict({column: stored[column][row] for column in BEFORE})
		after = {column: new[column][i] for column in WRITTEN}
		if first[i]:
			reason = first_reasons[next(firsts)]
			text, data = tier_reason([], before) if cint(before.cp_tier_override) else reason
			out.append((before.name, *after.values(), (text, data)))
			continue
		st = reference_standing(row, before, everyone, count, settings, as_of, memo)
		text, data = tier_reason(st.why("tier"), before)
		out.append((before.name, *after.values(), (text, data)))
		log.extend(
			changes_to_log(
				before.name, before, after, st, source, settings=settings, privileges_in_use=grants
			)
		)
	return out, log


def reference_standing(row: int, before, everyone: Everyone, count: int, settings, as_of: date, memo):
	"""One customer's standing through the per-customer engine, from the columnar totals and rank, with the
	profile and risk reasons the run already read."""
	totals, decided = everyone.totals, everyone.decided
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
	return standing_for(
		agg,
		ranked,
		decided.cutoffs,
		as_of,
		settings,
		before.cp_level or None,
		everyone.profiles.get(before.name),
		is_internal=bool(cint(before.is_internal_customer)),
		memo=memo,
		marked_key=marked_key(before),
		risk=everyone.risks.get(before.name),
	)


def result_statements(rows: list[tuple], ranked_on: datetime) -> list[str]:
	"""A chunk of customers' results as the statements that write them: bulk INSERTs into the temporary tables and
	one UPDATE ... JOIN. Each row ends with its (text, data) tier reason; the distinct reasons (a few hundred in a
	run, each some 200 bytes) go over once, the rows carry their number, and the run's time is one literal. Built
	without the database, so the next chunk is built while this one is written."""
	numbers: dict[tuple[str, str], int] = {}
	numbered = [(*row[:-1], numbers.setdefault(row[-1], len(numbers))) for row in rows]
	tier_reasons_of_chunk = [(number, text, data) for (text, data), number in numbers.items()]
	assignments = ", ".join(f"c.`{column}` = n.`{column}`" for column in WRITTEN)
	return [
		"delete from cp_recompute",
		"delete from cp_recompute_reason",
		*insert_statements("cp_recompute_reason", ["number", "text", "data"], tier_reasons_of_chunk),
		*insert_statements("cp_recompute", ["name", *WRITTEN, "reason"], numbered),
		f"""update `tabCustomer` c join cp_recompute n on c.name = n.name
			join cp_recompute_reason r on r.number = n.reason
		set {assignments}, c.cp_tier_reason = r.text, c.cp_tier_reason_data = r.data,
			c.cp_ranked_on = {literal(ranked_on)}""",
	]


TEMPORARY_TABLES = {
	"cp_recompute": "name varchar(140) primary key, {}, reason int".format(
		", ".join(f"`{column}` {RESULT_COLUMNS[column]}" for column in WRITTEN)
	),
	"cp_recompute_reason": "number int primary key, text text, data longtext",
}


def drop_temporary_tables() -> None:
	for table in TEMPORARY_TABLES:
		frappe.db.sql(f"drop temporary table if exists {table}")


def write_results(statements: list[str]) -> None:
	for statement in statements:
		frappe.db.sql(statement)


def _recompute(source: str, as_of: date, fail_after_chunks) -> dict:
	settings = get_engine_settings()
	started = now_datetime()
	with paused_gc():
		everyone = decide_everyone(as_of, settings, regroup_all=source == "Manual")
		stored, totals, decided = everyone.stored, everyone.totals, everyone.decided
		values = new_values(stored, totals, decided)
		changed = np.flatnonzero(changed_mask(stored, totals["stored_days"], values))
	total, changed_count, written = len(stored["name"]), 0, 0
	drop_temporary_tables()
	for table, definition in TEMPORARY_TABLES.items():
		frappe.db.sql(f"create temporary table {table} ({definition})")
	memo = DecisionMemo(settings)
	grants = privileges.in_use(settings)

	def write_chunk(statements: list[str], log: list[dict], done: int) -> None:
		write_results(statements)
		write_log(log)
		frappe.db.commit()  # each chunk whole: a job killed later leaves these customers fully new
		publish_progress(done, len(changed), _("{0} of {1} changed customers").format(done, len(changed)))

	# While the database writes one chunk, the next is built. Building reads no database unless levels grant
	# privileges (then each chunk is written before the next is built); one chunk is in flight at a time, in order,
	# and the job's connection is used by one thread at a time.
	with ThreadPoolExecutor(max_workers=1) as writer:
		in_flight = None
		try:
			for chunk_no, start in enumerate(range(0, len(changed), CHUNK)):
				if fail_after_chunks is not None and chunk_no >= fail_after_chunks:
					raise RuntimeError("recompute interrupted (simulated)")
				chunk = changed[start : start + CHUNK]
				with paused_gc():
					rows, log = changed_rows(chunk, everyone, values, settings, as_of, source, memo, grants)
					statements = result_statements(rows, started) if rows else []
				if in_flight:
					in_flight.result()
				done = min(start + CHUNK, len(changed))
				if grants:
					write_chunk(statements, log, done)
				else:
					in_flight = writer.submit(copy_context().run, write_chunk, statements, log, done)
				written += len(rows)
				changed_count += len(log)
		finally:
			if in_flight:
				in_flight.result()  # a failure stops the job only once the chunk being written is whole
	drop_temporary_tables()
	with_orders = int((totals["count"] > 0).sum())
	summary = _("{0} customers ranked from {1} with orders; {2} updated, {3} changes logged").format(
		total, with_orders, written, changed_count
	)
	# What the stored values were computed with is recorded only now that every customer holds them: a job killed
	# half-way leaves the last run's record, so the next run takes again every customer this one did not finish.
	frappe.db.set_single_value(
		SETTINGS,
		{
			"last_recompute_on": started,
			"last_recompute_summary": summary,
			"reborn_lapse_days": settings.lapse_days,
			"profit_state": json.dumps(totals["profit_state"]),
		},
	)
	frappe.db.commit()
	publish_progress(1, 1, summary)
	frappe.get_doc(SETTINGS).notify_update()  # an open Settings form shows the new summary
	return {"customers": total, "with_orders": with_orders, "updated": written, "changes": changed_count}
