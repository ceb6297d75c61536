"""Fresh totals from the purchase history, aligned with the stored rows: order totals and the Reborn day (one
GROUP BY over the buying days) and gross profit (grouped again only for customers whose invoices moved)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

import frappe
from frappe.utils import flt, get_datetime, getdate, now_datetime

from customer_priority.data import purchases
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.engine.bulk import Population
from customer_priority.engine.history import Aggregate, crossed_days, window_start


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
	history: purchases.Histories | None = None,
) -> dict[str, np.ndarray]:
	"""The per-customer totals and Reborn days from the order history, aligned with the stored rows (every
	customer's, or one part's: those whose names lie in ``span``), and gross profit as ``plan`` says. ``history``:
	the part's histories when already read (``purchases.histories``). ``stored`` needs ``TOTALS_READ``."""
	names = stored["name"]
	index = {name: row for row, name in enumerate(names)}
	n = len(names)
	if history is None:
		window = (window_start(as_of, settings), as_of)
		counted = counted or purchases.current()
		history = (
			purchases.histories(counted, window, span)
			if span is not None
			else purchases.histories_of(counted, window, names)
		)
	rows, known = stored_rows(index, history.customers)
	totals = {}
	for column, values in (
		("lifetime", history.lifetime),
		("count", history.count),
		("window", history.window),
		("window_count", history.window_count),
		("first", history.first),
		("last", history.last),
		("reborn", history.reborn(settings.lapse_days)),
	):
		totals[column] = np.zeros(n, dtype=values.dtype)
		totals[column][rows[known]] = values[known]
	totals.update(profit_totals(stored, index, plan, span))
	return totals


def stored_rows(index: dict[str, int], names) -> tuple[np.ndarray, np.ndarray]:
	"""Each of ``names``' row among the stored rows (``index``), and which have one: a customer made since the
	stored rows were read waits for the next run."""
	rows = np.array([index.get(name, -1) for name in names], dtype=np.intp)
	return rows, rows >= 0


def window_totals(stored_totals: dict, stored: dict, plan: ProfitPlan) -> dict[str, np.ndarray]:
	"""``fresh_totals`` for a new look-back window when the lapse period stays: what the window does not move (the
	lifetime totals, first and last days, Reborn days) as stored in ``stored_totals``, which the order hooks keep;
	the window's sums from one GROUP BY over the orders inside it; gross profit as ``plan`` says. ``stored`` needs
	``TOTALS_READ``."""
	names = stored["name"]
	index = {name: row for row, name in enumerate(names)}
	totals = dict(stored_totals)
	totals["window"], totals["window_count"] = np.zeros(len(names)), np.zeros(len(names), dtype=np.int64)
	sums = purchases.window_sums(plan.counted, plan.window)
	if sums:
		buyers, values, counts = zip(*sums, strict=True)
		rows, known = stored_rows(index, buyers)
		totals["window"][rows[known]] = np.array(values, dtype=float)[known]
		totals["window_count"][rows[known]] = np.array(counts, dtype=np.int64)[known]
	totals.update(profit_totals(stored, index, plan))
	return totals


def reborn_totals(totals: dict, names: list[str], lapse_days: int) -> dict[str, np.ndarray]:
	"""``totals`` (aligned with the stored ``names``) with each customer's Reborn day under ``lapse_days`` read again
	from the buying days: the only total a new lapse period moves."""
	index = {name: row for row, name in enumerate(names)}
	buyers, reborn = purchases.every_reborn_day(purchases.current(), lapse_days)
	rows, known = stored_rows(index, buyers)
	totals = dict(totals)
	totals["reborn"] = np.zeros(len(names), dtype=reborn.dtype)
	totals["reborn"][rows[known]] = reborn[known]
	return totals


def totals_population(names, totals: dict, internal: np.ndarray, **columns) -> Population:
	"""A ``Population`` of the fresh totals (``fresh_totals``' columns) and whether each customer is internal;
	``columns``: its other fields (levels, potential, marks, predictions)."""
	return Population(
		names=names,
		window_value=totals["window"],
		lifetime_value=totals["lifetime"],
		order_count=totals["count"],
		window_order_count=totals["window_count"],
		first_order=totals["first"],
		last_order=totals["last"],
		reborn_on=totals["reborn"],
		window_profit=totals["window_profit"],
		lifetime_profit=totals["lifetime_profit"],
		window_invoiced=totals["window_invoiced"],
		internal=internal,
		**columns,
	)


TOTALS_READ = ("name", "cp_lifetime_profit", "cp_window_profit", "cp_window_invoiced", "is_internal_customer")
"""What ``fresh_totals`` and the ranking read of a customer's stored row: the gross profit kept between passes
over the invoices, and whether it is ranked at all."""


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
	(``regroup`` None) or only those of the customers in ``regroup``; and the state to store once the run is
	written."""

	window: tuple[date, date]
	counted: purchases.Purchases
	"""The companies counted, and their rates into the value currency."""
	regroup: frozenset[str] | None
	state: dict


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
	return ProfitPlan(window, counted, None if regroup is None else frozenset(regroup), state)


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
