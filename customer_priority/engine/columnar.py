"""Order rows held as columns, to a ``bulk.Population`` and back to the reference for the rows that are shown.

``population_from_orders`` is ``reference.aggregate_histories`` for order rows held as arrays (the CLI reads an
export straight into them), and a property test proves the two equal to the last digit. ``bulk.decide_population``
then decides everyone; ``standings`` and ``tier_reasons`` ask ``pipeline.standing_for`` for the reasons of the
rows that are printed, so the reasons keep their one home.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

import numpy as np

from .bulk import NO_DAY, Decided, Population, reborn_days
from .history import Aggregate, window_start
from .i18n import Reason
from .keyaccount import PotentialProfile
from .pipeline import DecisionMemo, Standing, key_account_of, standing_for
from .ranking import Ranked, is_thin_margin, rank_reason
from .settings import Settings


def population_from_orders(
	names: Sequence[str],
	customer: np.ndarray,
	amount: np.ndarray,
	day: np.ndarray,
	as_of: date,
	settings: Settings,
	internal: Sequence[bool] | None = None,
	potential: Sequence[float] | None = None,
	profits: ProfitColumns | None = None,
) -> Population:
	"""Each customer's aggregate (``reference.aggregate_histories``) from its submitted orders, as columns, with
	its gross profit (``history.add_profits``) when ``profits`` are given.

	``customer`` holds each order's row in ``names``, ``amount`` and ``day`` (an ordinal) the rest of it, in file
	order; a name no order points to is a customer without orders. ``internal`` and ``potential`` (the score of
	the customer's profile, NaN without one) are per name. ``profits`` are per invoice, in file order, each
	invoice's customer as its row in ``names``.
	"""
	n = len(names)
	customer = np.asarray(customer, dtype=np.intp)
	day = np.asarray(day, dtype=np.int64)
	amount = np.asarray(amount, dtype=float)
	start, end = window_start(as_of, settings).toordinal(), as_of.toordinal()
	inside = (day >= start) & (day <= end)
	# bincount adds each weight to its bin one row after the other, in file order from 0.0: history.total's order,
	# so the totals match the reference to the last digit (a pairwise or compensated sum would not).
	count = np.bincount(customer, minlength=n)
	first, last, reborn = _first_last_reborn(customer, day, count, settings.lapse_days)
	return Population(
		names=list(names),
		window_value=np.bincount(customer[inside], weights=amount[inside], minlength=n).astype(float),
		lifetime_value=np.bincount(customer, weights=amount, minlength=n).astype(float),
		order_count=count.astype(np.int64),
		window_order_count=np.bincount(customer[inside], minlength=n).astype(np.int64),
		first_order=first,
		last_order=last,
		reborn_on=reborn,
		internal=np.array(internal if internal is not None else [False] * n, dtype=bool),
		previous_level=[None] * n,
		potential=np.array(potential if potential is not None else [np.nan] * n, dtype=float),
		marked_key=np.zeros(n, dtype=bool),
		**(_profit_columns(profits, start, end, n) if profits is not None else {}),
	)


class ProfitColumns(NamedTuple):
	"""Gross profit per invoice (``history.Profit``) as columns: the customer's row, the day (an ordinal), the
	invoice's net amount and its gross profit."""

	customer: np.ndarray
	day: np.ndarray
	net: np.ndarray
	amount: np.ndarray


def _profit_columns(profits: ProfitColumns, start: int, end: int, n: int) -> dict[str, np.ndarray]:
	"""``history.add_profits`` as columns: bincount sums in file order from 0.0, as the reference adds."""
	customer = np.asarray(profits.customer, dtype=np.intp)
	day = np.asarray(profits.day, dtype=np.int64)
	net, amount = np.asarray(profits.net, dtype=float), np.asarray(profits.amount, dtype=float)
	inside = (day >= start) & (day <= end)
	return {
		"lifetime_profit": np.bincount(customer, weights=amount, minlength=n).astype(float),
		"window_profit": np.bincount(customer[inside], weights=amount[inside], minlength=n).astype(float),
		"window_invoiced": np.bincount(customer[inside], weights=net[inside], minlength=n).astype(float),
	}


def _first_last_reborn(customer: np.ndarray, day: np.ndarray, count: np.ndarray, lapse_days: int):
	"""First and last order day of each customer, and its Reborn day (``bulk.reborn_days``), from one sort of
	(customer, day) packed into one integer."""
	n = len(count)
	first, last = np.full(n, NO_DAY, dtype=np.int64), np.full(n, NO_DAY, dtype=np.int64)
	if not len(day):
		return first, last, np.full(n, NO_DAY, dtype=np.int64)
	low = int(day.min())
	span = int(day.max()) - low + 1
	days = np.sort(customer.astype(np.int64) * span + (day - low)) % span + low
	ends = np.cumsum(count)
	bought = count > 0
	first[bought] = days[(ends - count)[bought]]
	last[bought] = days[ends[bought] - 1]
	return first, last, reborn_days(days, count, lapse_days)


def aggregate_of(pop: Population, row: int) -> Aggregate:
	"""One row of a population as the reference's ``Aggregate``."""

	def day(column: np.ndarray) -> date | None:
		value = int(column[row])
		return date.fromordinal(value) if value != NO_DAY else None

	return Aggregate(
		pop.names[row],
		float(pop.lifetime_value[row]),
		int(pop.order_count[row]),
		float(pop.window_value[row]),
		int(pop.window_order_count[row]),
		day(pop.first_order),
		day(pop.last_order),
		day(pop.reborn_on),
		lifetime_profit=float(pop.lifetime_profit[row]),
		window_profit=float(pop.window_profit[row]),
		window_invoiced=float(pop.window_invoiced[row]),
	)


def standings(
	pop: Population,
	decided: Decided,
	rows: Sequence[int],
	as_of: date,
	settings: Settings,
	profiles: Mapping[str, PotentialProfile] | None = None,
	memo: DecisionMemo | None = None,
	risks: Mapping[str, list[Reason]] | None = None,
) -> list[Standing]:
	"""``pipeline.standing_for`` of the given rows, with the rank the population was given: the reference's
	standing, reasons and all, of the customers that are shown. ``risks``: why the watch found a customer at
	risk (``pop.at_risk`` says which are)."""
	profiles = profiles or {}
	risks = risks or {}
	ranking_value = pop.ranking_values(settings)[0]
	memo = memo or DecisionMemo(settings)
	count = decided.ranked_count
	out = []
	for row in rows:
		agg = aggregate_of(pop, row)
		ranked = None
		if decided.rank[row]:
			position, share = int(decided.rank[row]), float(decided.share[row])
			abc, cumulative = str(decided.abc[row]), float(decided.cumulative_share[row])
			ranked = Ranked(
				agg.customer,
				float(ranking_value[row]),
				position,
				float(decided.percentile[row]),
				share,
				cumulative,
				abc,
				[rank_reason(position, count, share, abc, cumulative, settings)],
			)
		out.append(
			standing_for(
				agg,
				ranked,
				decided.cutoffs,
				as_of,
				settings,
				pop.previous_level[row],
				profiles.get(agg.customer),
				is_internal=bool(pop.internal[row]),
				memo=memo,
				marked_key=bool(pop.marked_key[row]),
				risk=risks.get(agg.customer) if pop.at_risk[row] else None,
				prediction=(float(pop.p_alive[row]), float(pop.expected_value[row])),
			)
		)
	return out


def tier_reasons(
	pop: Population,
	decided: Decided,
	rows: np.ndarray,
	as_of: date,
	settings: Settings,
	profiles: Mapping[str, PotentialProfile] | None = None,
	risks: Mapping[str, list[Reason]] | None = None,
) -> tuple[list[list[Reason]], np.ndarray]:
	"""The reasons ``pipeline.standing_for`` gives for the tier of each of ``rows``: (the distinct reasons, and
	for each row which of them is its own).

	The reference is asked once per distinct set of facts such a reason is made of: the request facts of the
	customer (lifecycle, class, whether it bought in the window, potential score, segment, at risk, what the
	predictions told the rules), its RFM code,
	for a key account the reasons it is one (which may name its own value), for a thin margin its own profit and
	revenue (the reason names them), and for a key account at risk its own risk reasons. A property test proves
	every row's reason equal to the reference's.
	"""
	rows = np.asarray(rows, dtype=np.intp)
	if not len(rows):
		return [], np.zeros(0, dtype=np.intp)
	key = np.zeros(len(rows), dtype=np.int64)
	for codes, count in (
		_codes(decided.lifecycle[rows].tolist()),
		_codes(decided.rfm_code[rows].tolist()),
		_codes(decided.abc[rows].tolist()),
		((pop.window_value[rows] > 0).astype(np.int64), 2),
		_codes(decided.potential_score[rows].tolist()),
		(
			(decided.at_risk[rows] if decided.at_risk is not None else np.zeros(len(rows), bool)).astype(
				np.int64
			),
			2,
		),
		(_flags(decided.predicted_leaving, rows) * 2 + _flags(decided.predicted_potential, rows), 4),
	):
		key = key * count + codes  # at most 6 lifecycles * 126 RFM codes * 3 classes * 2 * rows * 2
	# Renumbered (to fewer than rows) before each set of a row's own reasons, so the key stays below rows squared.
	for codes, count in (
		_thin_margins(pop, rows, settings),
		_risks(pop, decided, rows, risks or {}),
		_key_reasons(pop, decided, rows, settings),
	):
		if count > 1:
			key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64) * count + codes
	_distinct, first, which = np.unique(key, return_index=True, return_inverse=True)
	memo = DecisionMemo(settings)
	asked = standings(pop, decided, rows[first].tolist(), as_of, settings, profiles, memo, risks)
	return [st.why("tier") for st in asked], which.reshape(-1)


def _flags(flags: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
	return np.zeros(len(rows), np.int64) if flags is None else flags[rows].astype(np.int64)


def _codes(values: list) -> tuple[np.ndarray, int]:
	"""Each value as the position of its first appearance among the distinct values, and how many there are."""
	distinct = {value: code for code, value in enumerate(dict.fromkeys(values))}
	return np.fromiter(map(distinct.__getitem__, values), np.int64, len(values)), len(distinct)


def _thin_margins(pop: Population, rows: np.ndarray, settings: Settings) -> tuple[np.ndarray, int]:
	"""Each thin margin's (profit, revenue), coded as in ``_codes`` after 0 for the others: a thin margin's tier
	reason names them (``ranking.is_thin_margin``, ``ranking.margin_reason``)."""
	profit, invoiced = pop.window_profit[rows], pop.window_invoiced[rows]
	thin = is_thin_margin(invoiced, profit, settings)
	out = np.zeros(len(rows), dtype=np.int64)
	at = np.flatnonzero(thin)
	if not len(at):
		return out, 1
	codes, count = _codes(list(zip(profit[at].tolist(), invoiced[at].tolist(), strict=True)))
	out[at] = codes + 1
	return out, count + 1


def _risks(
	pop: Population, decided: Decided, rows: np.ndarray, risks: Mapping[str, list[Reason]]
) -> tuple[np.ndarray, int]:
	"""Each key account at risk's own risk reasons, coded as in ``_codes`` after 0 for the others (an account
	at risk with no reasons given is 1)."""
	at_risk = decided.at_risk if decided.at_risk is not None else np.zeros(len(pop), dtype=bool)
	out = np.zeros(len(rows), dtype=np.int64)
	at = np.flatnonzero(at_risk[rows])
	if not len(at):
		return out, 1
	values = [
		tuple((r.template, *r.params.items()) for r in risks.get(pop.names[int(rows[i])], []))
		for i in at.tolist()
	]
	codes, count = _codes(values)
	out[at] = codes + 1
	return out, count + 1


def _key_reasons(
	pop: Population, decided: Decided, rows: np.ndarray, settings: Settings
) -> tuple[np.ndarray, int]:
	"""Each key account's own key-account reasons (``pipeline.key_account_of``, with the rank it was given), coded
	as in ``_codes`` (0 for the others): a key account's tier reason names them."""
	seen: dict[tuple, int] = {(): 0}
	out = np.zeros(len(rows), dtype=np.int64)
	ranking_value = pop.ranking_values(settings)[0]
	for at in np.flatnonzero(decided.is_key[rows]).tolist():
		row = int(rows[at])
		ranked = None
		if decided.rank[row]:
			ranked = Ranked(
				pop.names[row],
				float(ranking_value[row]),
				int(decided.rank[row]),
				float(decided.percentile[row]),
				float(decided.share[row]),
				float(decided.cumulative_share[row]),
				str(decided.abc[row]),
			)
		potential = float(pop.potential[row])
		key = key_account_of(
			ranked,
			None if potential != potential else potential,  # NaN: no profile
			settings,
			bool(pop.internal[row]),
			bool(pop.marked_key[row]),
			bought=float(pop.window_value[row]),
		)
		out[at] = seen.setdefault(tuple((r.template, *r.params.items()) for r in key.reasons), len(seen))
	return out, len(seen)
