"""The reference paths: the whole population decided one customer at a time through ``pipeline.standing_for``, and
orders aggregated one customer at a time. The app and the CLI run the fast paths (``bulk``, ``columnar``); the
property tests prove them equal to these, and the benchmarks time them as baselines. Nothing in the app calls
them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import reduce
from itertools import compress
from operator import add, and_

from .history import Aggregate, Order, OrderHistory, reborn_day, window_start
from .i18n import Reason
from .keyaccount import PotentialProfile
from .memory import paused_gc
from .pipeline import DecisionMemo, Standing, standing_for
from .ranking import RfmCutoffs, rank, rfm_cutoffs
from .settings import Settings


def total(amounts: Iterable[float]) -> float:
	"""Amounts added one by one in the order given, starting from 0.0.

	Spelled out because the order of additions decides the last digit of a float total: Python 3.12's ``sum``
	compensates rounding and numpy adds pairwise, so either would let two readings of one file rank a tie apart.
	Starting from 0.0 keeps a window without orders a float (``sum([])`` is the integer 0)."""
	return reduce(add, amounts, 0.0)


def collect_orders(orders: Iterable[Order | tuple]) -> dict[str, OrderHistory]:
	"""Each customer's submitted order history from (customer, day, amount, docstatus) rows; drafts and
	cancelled orders are left out. The CSV reader builds the same histories column by column."""
	histories: dict[str, OrderHistory] = {}
	for customer, day, amount, docstatus in orders:
		if docstatus != 1:
			continue
		history = histories.get(customer)
		if history is None:
			history = histories[customer] = ([], [])
		history[0].append(amount)
		history[1].append(day.toordinal())
	return histories


def aggregate_histories(
	histories: dict[str, OrderHistory], as_of: date, settings: Settings
) -> dict[str, Aggregate]:
	"""Per-customer aggregates from order histories.

	Each history is reduced with built-ins over whole lists (sum, min, max, compress), so the cost per order is
	a few C-level steps and the Python-level work is per customer, not per order.
	"""
	with paused_gc():
		return _aggregate(histories, as_of, settings)


def _aggregate(histories: dict[str, OrderHistory], as_of: date, settings: Settings) -> dict[str, Aggregate]:
	start, end = window_start(as_of, settings).toordinal(), as_of.toordinal()
	out: dict[str, Aggregate] = {}
	for name, (amounts, days) in histories.items():
		if not days:
			continue
		first, last = min(days), max(days)
		lifetime = total(amounts)
		if start <= first and last <= end:
			window_value, window_count = lifetime, len(days)
		elif last < start or first > end:
			window_value, window_count = 0.0, 0
		else:
			inside = list(map(start.__le__, days))
			if last > end:
				inside = list(map(and_, inside, map(end.__ge__, days)))
			window_value, window_count = total(compress(amounts, inside)), sum(inside)
		reborn = reborn_day(days, settings.lapse_days) if last - first > settings.lapse_days else None
		out[name] = Aggregate(
			name,
			lifetime,
			len(days),
			window_value,
			window_count,
			date.fromordinal(first),
			date.fromordinal(last),
			date.fromordinal(reborn) if reborn else None,
		)
	return out


def aggregate_orders(
	orders: Iterable[Order | tuple], as_of: date, settings: Settings
) -> dict[str, Aggregate]:
	"""Per-customer aggregates of submitted orders; drafts and cancelled orders are ignored."""
	return aggregate_histories(collect_orders(orders), as_of, settings)


def reborn_on_from_dates(days: Iterable[date], settings: Settings) -> date | None:
	"""The latest order date that followed a gap longer than the lapse period, if any.

	The hooks keep this up to date one order at a time (``is_return_after_lapse``); this is ``history.reborn_day``
	over a whole history of dates, as the recompute (``purchases.reborn_dates``) and the CLI (``bulk.reborn_days``)
	find it in bulk; the tests hold all of them to it.
	"""
	found = reborn_day([day.toordinal() for day in days], settings.lapse_days)
	return date.fromordinal(found) if found else None


def compute_all(
	aggregates: dict[str, Aggregate],
	as_of: date,
	settings: Settings,
	customers: Iterable[str] = (),
	previous_levels: dict[str, str] | None = None,
	profiles: dict[str, PotentialProfile] | None = None,
	internal: set[str] | None = None,
	marked_keys: set[str] | None = None,
	risks: dict[str, list[Reason]] | None = None,
	predictions: dict[str, tuple[float, float]] | None = None,
) -> tuple[list[Standing], RfmCutoffs]:
	"""Standing of every customer, best ranked first; customers without orders are included at the end.

	Internal customers are not ranked (they are our own company) and come last. ``predictions``: the purchase
	models' (P(alive), expected value) by customer.
	"""
	with paused_gc():
		return _compute_all(
			aggregates,
			as_of,
			settings,
			customers,
			previous_levels,
			profiles,
			internal,
			marked_keys or set(),
			risks or {},
			predictions or {},
		)


def _compute_all(
	aggregates: dict[str, Aggregate],
	as_of: date,
	settings: Settings,
	customers: Iterable[str],
	previous_levels: dict[str, str] | None,
	profiles: dict[str, PotentialProfile] | None,
	internal: set[str] | None,
	marked_keys: set[str],
	risks: dict[str, list[Reason]],
	predictions: dict[str, tuple[float, float]],
) -> tuple[list[Standing], RfmCutoffs]:
	previous_levels = previous_levels or {}
	profiles = profiles or {}
	internal = internal or set()
	everyone = dict(aggregates)
	for name in customers:
		everyone.setdefault(name, Aggregate(name))
	ranked_list = rank(
		{name: agg.ranking_values(settings) for name, agg in everyone.items() if name not in internal},
		settings,
	)
	cutoffs = rfm_cutoffs((agg for name, agg in everyone.items() if name not in internal), as_of)
	memo = DecisionMemo(settings)
	out = [
		standing_for(
			everyone[r.customer],
			r,
			cutoffs,
			as_of,
			settings,
			previous_levels.get(r.customer),
			profiles.get(r.customer),
			memo=memo,
			marked_key=r.customer in marked_keys,
			risk=risks.get(r.customer),
			prediction=predictions.get(r.customer),
		)
		for r in ranked_list
	]
	out.extend(
		standing_for(
			everyone[name],
			None,
			cutoffs,
			as_of,
			settings,
			previous_levels.get(name),
			profiles.get(name),
			is_internal=True,
			memo=memo,
			risk=risks.get(name),
			prediction=predictions.get(name),
		)
		for name in sorted(internal & set(everyone))
	)
	return out, cutoffs
