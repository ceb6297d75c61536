"""A customer's stored standing as the recompute and the per-customer rebuild read it: which fields hold what, and
every customer's row read column by column in one pass."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

import frappe
from frappe.utils import cint, flt, getdate

from customer_priority.engine.bulk import NO_DAY
from customer_priority.engine.history import Aggregate
from customer_priority.engine.keyaccount import PotentialProfile
from customer_priority.utils import reasons

AGGREGATE_FIELDS = (
	"cp_lifetime_value",
	"cp_order_count",
	"cp_window_value",
	"cp_window_order_count",
	"cp_first_order_date",
	"cp_last_order_date",
	"cp_reborn_on",
	"cp_lifetime_profit",
	"cp_window_profit",
	"cp_window_invoiced",
)


PROFILE_FIELDS = (
	"cp_brand_strength",
	"cp_production_volume",
	"cp_sales_network",
	"cp_staff_count",
	"cp_years_in_business",
	"cp_purchase_potential",
)


STATE_FIELDS = (
	"cp_priority_tier",
	"cp_rule_tier",
	"cp_level",
	"cp_key_account",
	"cp_key_account_source",
	"cp_relationship_level",
	"cp_lifecycle",
	"cp_tier_override",
	"cp_override_tier",
	"cp_rank",
	"cp_percentile",
	"cp_abc_class",
	"is_internal_customer",
	"account_manager",
	"cp_at_risk",
	"cp_at_risk_data",
)


def stored_prediction(row) -> tuple[float | None, float | None]:
	"""(P(alive) as a probability, expected value) as the last recompute stored them; None where not predicted
	(stored as 0: a fitted P(alive) is never 0)."""
	p_alive = flt(row.get("cp_p_alive"))
	return (p_alive / 100.0, flt(row.get("cp_expected_value"))) if p_alive else (None, None)


def aggregate_values(agg: Aggregate) -> dict:
	"""The stored form of an aggregate (the inverse of ``aggregate_from_row``)."""
	return dict(
		zip(
			AGGREGATE_FIELDS,
			(
				agg.lifetime_value,
				agg.order_count,
				agg.window_value,
				agg.window_order_count,
				agg.first_order,
				agg.last_order,
				agg.reborn_on,
				agg.lifetime_profit,
				agg.window_profit,
				agg.window_invoiced,
			),
			strict=True,
		)
	)


def aggregate_from_row(name: str, row) -> Aggregate:
	return Aggregate(
		name,
		lifetime_value=flt(row.cp_lifetime_value),
		order_count=cint(row.cp_order_count),
		window_value=flt(row.cp_window_value),
		window_order_count=cint(row.cp_window_order_count),
		first_order=getdate(row.cp_first_order_date) if row.cp_first_order_date else None,
		last_order=getdate(row.cp_last_order_date) if row.cp_last_order_date else None,
		reborn_on=getdate(row.cp_reborn_on) if row.cp_reborn_on else None,
		lifetime_profit=flt(row.cp_lifetime_profit),
		window_profit=flt(row.cp_window_profit),
		window_invoiced=flt(row.cp_window_invoiced),
	)


def profile_from_row(row) -> PotentialProfile:
	return PotentialProfile(
		cint(row.cp_brand_strength),
		cint(row.cp_production_volume),
		cint(row.cp_sales_network),
		cint(row.cp_staff_count),
		flt(row.cp_years_in_business),
		cint(row.cp_purchase_potential),
	)


def marked_key(row) -> bool:
	"""A key account marked by hand (``api.set_key_account``): the rules keep it key until it is unmarked."""
	return row.cp_key_account_source == "Manual" and bool(cint(row.cp_key_account))


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
	"cp_p_alive": "decimal(21,9)",
	"cp_expected_orders": "decimal(21,9)",
	"cp_expected_value": "decimal(21,9)",
	"cp_tier_reason": "text",
	"cp_tier_reason_data": "longtext",
	"cp_ranked_on": "datetime",
}


DECIMAL_COLUMNS = tuple(c for c, kind in RESULT_COLUMNS.items() if kind.startswith("decimal"))


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


def read_stored(
	columns=STORED,
	span: tuple[str, str] | None = None,
	after: str | None = None,
	limit: int | None = None,
) -> dict[str, list]:
	"""Customers' stored state (``columns`` of it, ``name`` always), column by column (a list per field), in name order: every customer, or those whose
	names lie in ``span`` (both ends included), or the first ``limit`` after the name ``after``.

	Each row comes as one string and is split here: pymysql decodes a field at a time in Python, a cost that
	grows with rows times fields. Values are parsed by their column's SQL type; NULL stays None."""
	columns = list(dict.fromkeys(("name", *columns)))
	kinds = column_kinds()
	conditions, params = [], {}
	if span is not None:
		conditions.append("name between %(first)s and %(last)s")
		params["first"], params["last"] = span
	if after is not None:
		conditions.append("name > %(after)s")
		params["after"] = after
	where = f"where {' and '.join(conditions)}" if conditions else ""
	tail = f"{where} order by name{f' limit {int(limit)}' if limit else ''}"
	joined = ", ".join(f"coalesce(`{c}`, char(30))" for c in columns)
	rows = frappe.db.sql(f"select concat_ws(char(31), {joined}) from `tabCustomer` {tail}", params)
	rows = [r[0].split(SEPARATOR) for r in rows]
	if any(len(r) != len(columns) for r in rows):  # a value holding the separator: read field by field
		return by_column(
			columns,
			frappe.db.sql(f"select {', '.join(f'`{c}`' for c in columns)} from `tabCustomer` {tail}", params),
		)
	stored = by_column(columns, rows)
	for column, values in stored.items():
		parse = PARSERS.get(kinds.get(column))
		if NULL_MARK in values:
			stored[column] = [None if v == NULL_MARK else parse(v) if parse else v for v in values]
		elif parse:
			stored[column] = list(map(parse, values))
	return stored


KINDS = "cp_customer_column_kinds"


def forget_column_kinds() -> None:
	frappe.local.cache.pop(KINDS, None)


def column_kinds() -> dict[str, str]:
	"""The SQL type of each column of tabCustomer, looked up once per run (a run reads its rows part by part)."""
	key = KINDS
	if key not in frappe.local.cache:
		frappe.local.cache[key] = dict(
			frappe.db.sql(
				"""select column_name, data_type from information_schema.columns
				where table_schema = database() and table_name = 'tabCustomer'"""
			)
		)
	return frappe.local.cache[key]


def by_column(columns: list[str], rows) -> dict[str, list]:
	if not rows:
		return {column: [] for column in columns}
	return dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True))


def ordinal(day) -> int:
	return day.toordinal() if day else NO_DAY


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


NUMBER, WHOLE, DAY, TEXT = "number", "whole", "day", "text"
"""How ``read_columns`` gives a field: a decimal as a float, an integer, a date as its ordinal (``NO_DAY`` when
none), or as stored in an object array ("" when none)."""


def read_columns(kinds: dict[str, str]) -> dict[str, np.ndarray]:
	"""Every customer's fields (``read_stored``) as arrays of the given kinds, ``name`` among them as a list."""
	stored = read_stored(tuple(kinds))
	out: dict = {"name": stored["name"]}
	for field, kind in kinds.items():
		values = stored[field]
		if kind == DAY:
			out[field] = np.array([ordinal(v) for v in values], dtype=np.int64)
			continue
		if None in values:  # NULL as "" or 0; most columns have none, and numpy takes those whole
			values = [v or ("" if kind == TEXT else 0) for v in values]
		out[field] = np.array(values, dtype=object if kind == TEXT else float if kind == NUMBER else np.int64)
	return out
