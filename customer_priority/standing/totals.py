"""Fresh totals from the purchase history, aligned with the stored rows: order totals, the Reborn day (looked up
again only where orders moved) and gross profit (grouped again only for customers whose invoices moved)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

import frappe
from frappe.utils import cint, flt, get_datetime, getdate, now_datetime

from customer_priority.data import purchases
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.engine.bulk import NO_DAY
from customer_priority.engine.history import Aggregate, crossed_days, window_start
from customer_priority.standing.stored import AGGREGATE_FIELDS, DAY_COLUMNS, ordinal


def order_aggregates(as_of: date, settings, customers: list[str] | None = None) -> dict[str, Aggregate]:
	window = (window_start(as_of, settings), as_of)
	counted = purchases.current()
	aggregates = purchases.customer_aggregates(counted, window, settings.lapse_days, customers)
	for name, lifetime, in_window, invoiced in purchases.customer_profits(window, counted, customers):
		agg = aggregates.setdefault(name, Aggregate(name))
		agg.lifetime_profit, agg.window_profit, agg.window_invoiced = (
			flt(lifetime),
			flt(in_window),
			flt(invoiced),
		)
	return aggregates


def fresh_totals(
	stored: dict,
	as_of: date,
	settings,
	plan: ProfitPlan,
	span: tuple[str, str] | None = None,
	counted: purchases.Purchases | None = None,
) -> dict[str, np.ndarray]:
	"""The per-customer GROUP BY, aligned with the stored rows (every customer's, or one part's: those whose names
	lie in ``span``); the Reborn day is looked up in the order history only for customers whose orders changed
	since it was stored (and for everyone when the lapse period did). ``stored`` needs ``TOTALS_READ``."""
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
	counted = counted or purchases.current()
	for name, lifetime, count, window, window_count, first, last in purchases.customer_totals(
		counted, (window_start(as_of, settings), as_of), span=span
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
	lapse_unchanged = plan.lapse_days == settings.lapse_days
	reborn = np.where(same_orders & lapse_unchanged, stored_days["cp_reborn_on"], NO_DAY)
	recheck = [names[row] for row in np.flatnonzero(~(same_orders & lapse_unchanged) & (totals["count"] > 0))]
	if recheck:
		everyone = len(recheck) > n // 2
		found = purchases.reborn_dates(counted, settings.lapse_days, None if everyone else recheck, span)
		for name, day in found.items():
			row = index.get(name)
			if row is not None:
				reborn[row] = day.toordinal()
	totals["reborn"] = reborn
	totals.update(profit_totals(stored, index, plan, span))
	totals["stored_days"] = stored_days  # the comparison with what is stored needs them too
	return totals


TOTALS_READ = ("name", *AGGREGATE_FIELDS, "is_internal_customer")
"""What ``fresh_totals`` and the ranking read of a customer's stored row."""


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


@dataclass
class ProfitPlan:
	"""How a run takes each customer's gross profit, decided once for all its parts: group every invoice again
	(``regroup`` None) or only those of the customers in ``regroup``; the state to store once the run is
	written; and the lapse period the stored Reborn days were found with."""

	window: tuple[date, date]
	counted: purchases.Purchases
	"""The companies counted, and their rates into the value currency."""
	regroup: frozenset[str] | None
	state: dict
	lapse_days: int


def profit_plan(customers: int, as_of: date, settings, regroup_all: bool = False) -> ProfitPlan:
	"""Grouping every invoice's items costs seconds at a million invoices, so after one full pass only the
	customers whose profit may have moved are grouped again (``purchases.profit_moved_since``); the others keep
	what is stored, which the Sales Invoice hooks keep up between passes. A full pass is made when there is no
	state (install, reinstall), when the companies counted or their rates changed, when most of the ``customers`` moved anyway,
	and when asked (``regroup_all``: "Recompute Now", an administrator's way to rebuild everything from the
	records)."""
	window = (window_start(as_of, settings), as_of)
	counted = purchases.current()
	state = {
		"read_at": str(now_datetime()),
		"window": [str(day) for day in window],
		"companies": sorted(counted.companies),
		"rates": [list(pair) for pair in counted.rates],
	}
	last = last_profit_state()
	regroup = None
	# Other companies, or other exchange rates (the daily run re-values everything at the day's rate): all again.
	same = last and (last["companies"], last.get("rates", [])) == (state["companies"], state["rates"])
	if same and not regroup_all:
		regroup = purchases.profit_moved_since(
			get_datetime(last["read_at"]) - OPEN_TRANSACTION_MARGIN,
			crossed_days(tuple(getdate(day) for day in last["window"]), window),
		)
		if len(regroup) > REGROUP_ALL_ABOVE * customers:
			regroup = None
	lapse_days = cint(frappe.db.get_single_value(SETTINGS, "reborn_lapse_days"))
	return ProfitPlan(window, counted, None if regroup is None else frozenset(regroup), state, lapse_days)


def profit_totals(
	stored: dict, index: dict[str, int], plan: ProfitPlan, span: tuple[str, str] | None = None
) -> dict[str, np.ndarray]:
	"""Each customer's gross profit, aligned with the stored rows (of the part ``span``), as ``plan`` says."""
	n = len(stored["name"])
	if plan.regroup is None:
		totals = {column: np.zeros(n) for column in PROFIT_TOTALS}
		regroup = None
	else:
		totals = {
			column: np.array([flt(v) for v in stored[field]]) for column, field in PROFIT_TOTALS.items()
		}
		regroup = sorted(name for name in plan.regroup if name in index)
		rows = [index[name] for name in regroup]
		for column in totals:
			totals[column][rows] = 0.0  # a customer whose last invoice was cancelled has none left
	if regroup is None or regroup:
		for name, lifetime, in_window, invoiced in purchases.customer_profits(
			plan.window, plan.counted, regroup, span=None if regroup else span
		):
			row = index.get(name)
			if row is not None:
				totals["lifetime_profit"][row], totals["window_profit"][row] = flt(lifetime), flt(in_window)
				totals["window_invoiced"][row] = flt(invoiced)
	return totals


def last_profit_state() -> dict | None:
	"""What the last completed recompute read gross profit at: when, over which window, for which companies."""
	try:
		state = json.loads(frappe.db.get_single_value(SETTINGS, "profit_state") or "null")
		return state if {"read_at", "window", "companies"} <= set(state or ()) else None
	except (TypeError, ValueError):
		return None
