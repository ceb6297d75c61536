"""The whole population at once, as columns: the same decisions as ``pipeline.standing_for``, without a Python
object per customer.

``pipeline`` stays the reference (and serves the hooks, one customer at a time); this module makes every decision
of a population with array operations, and a property test proves the two agree field by field. Decisions that
depend on a few discrete inputs (RFM points and segment on the 125 score triples, the level on (points, previous
level), the request tier on its facts) are made once per distinct input by the reference functions themselves and
spread back over the population, so the rules still live in one place.

Reasons are not built here: the callers ask ``pipeline.standing_for`` for the customers whose result changed or
who are shown, and get the same reasons the reference gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .history import Aggregate
from .levels import decide_level, points_from_rfm
from .pipeline import customer_request_facts
from .predicted import prediction_flags
from .ranking import Rfm, RfmCutoffs, segment_for
from .settings import Settings
from .tiers import (
	RequestFacts,
	decide_request_tier,
)

NO_DAY = 0
"""A missing date, as a day ordinal (real ordinals start at 1)."""


@dataclass
class Population:
	"""One row per customer, as columns. Days are ``date.toordinal()`` (``NO_DAY`` when missing)."""

	names: list[str]
	window_value: np.ndarray
	lifetime_value: np.ndarray
	order_count: np.ndarray
	window_order_count: np.ndarray
	first_order: np.ndarray
	last_order: np.ndarray
	reborn_on: np.ndarray
	internal: np.ndarray
	previous_level: list[str | None]
	potential: np.ndarray
	"""The potential score of the customer's profile; NaN when it has none."""
	marked_key: np.ndarray
	window_profit: np.ndarray | None = None
	"""Gross profit in the window and over the lifetime (zeros when not given)."""
	lifetime_profit: np.ndarray | None = None
	window_invoiced: np.ndarray | None = None
	"""What the window's gross profit was made on (``Aggregate.window_invoiced``; zeros when not given)."""
	at_risk: np.ndarray | None = None
	"""Whether the watch gave reasons the customer may be lost (counts only for a key account)."""
	p_alive: np.ndarray | None = None
	"""The purchase models' probability each customer is still buying; NaN where nothing was predicted."""
	expected_value: np.ndarray | None = None
	"""The purchase models' expected value over the horizon; NaN where nothing was predicted."""

	def __post_init__(self):
		n = len(self.names)
		if self.at_risk is None:
			self.at_risk = np.zeros(n, dtype=bool)
		if self.p_alive is None:
			self.p_alive = np.full(n, np.nan)
		if self.expected_value is None:
			self.expected_value = np.full(n, np.nan)
		if self.window_profit is None:
			self.window_profit = np.zeros(n)
		if self.lifetime_profit is None:
			self.lifetime_profit = np.zeros(n)
		if self.window_invoiced is None:
			self.window_invoiced = np.zeros(n)

	def ranking_values(self, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
		"""``Aggregate.ranking_values`` for every row: (window, lifetime) revenue or gross profit."""
		if settings.rank_by == "Gross Profit":
			return self.window_profit, self.lifetime_profit
		return self.window_value, self.lifetime_value

	def __len__(self) -> int:
		return len(self.names)

	@classmethod
	def from_aggregates(
		cls,
		aggregates: list[Aggregate],
		internal: list[bool] | None = None,
		previous_level: list[str | None] | None = None,
		potential: list[float] | None = None,
		marked_key: list[bool] | None = None,
		at_risk: list[bool] | None = None,
	) -> Population:
		"""Columns from per-customer aggregates (the CLI's and the tests' shape); missing columns are empty."""
		n = len(aggregates)

		def days(attr: str) -> np.ndarray:
			return np.array(
				[getattr(a, attr).toordinal() if getattr(a, attr) else NO_DAY for a in aggregates],
				dtype=np.int64,
			)

		return cls(
			names=[a.customer for a in aggregates],
			window_value=np.array([a.window_value for a in aggregates], dtype=float),
			lifetime_value=np.array([a.lifetime_value for a in aggregates], dtype=float),
			order_count=np.array([a.order_count for a in aggregates], dtype=np.int64),
			window_order_count=np.array([a.window_order_count for a in aggregates], dtype=np.int64),
			first_order=days("first_order"),
			last_order=days("last_order"),
			reborn_on=days("reborn_on"),
			internal=np.array(internal if internal is not None else [False] * n, dtype=bool),
			previous_level=previous_level if previous_level is not None else [None] * n,
			potential=np.array(potential if potential is not None else [np.nan] * n, dtype=float),
			marked_key=np.array(marked_key if marked_key is not None else [False] * n, dtype=bool),
			window_profit=np.array([a.window_profit for a in aggregates], dtype=float),
			lifetime_profit=np.array([a.lifetime_profit for a in aggregates], dtype=float),
			window_invoiced=np.array([a.window_invoiced for a in aggregates], dtype=float),
			at_risk=np.array(at_risk if at_risk is not None else [False] * n, dtype=bool),
		)


@dataclass
class Decided:
	"""The decisions for a ``Population``, aligned with its rows (rank 0: not ranked, an internal customer)."""

	rank: np.ndarray
	percentile: np.ndarray
	share: np.ndarray
	cumulative_share: np.ndarray
	abc: np.ndarray
	rfm_code: np.ndarray
	segment: np.ndarray
	points: np.ndarray
	level: np.ndarray
	level_change: np.ndarray
	lifecycle: np.ndarray
	is_key: np.ndarray
	key_source: np.ndarray
	relationship_level: np.ndarray
	potential_score: np.ndarray
	tier: np.ndarray
	cutoffs: RfmCutoffs
	at_risk: np.ndarray | None = None
	predicted_leaving: np.ndarray | None = None
	predicted_potential: np.ndarray | None = None
	ranked_count: int = -1
	"""How many customers the whole population ranks (a rank reason names it): the rows' own count unless the
	rows are one part of a population ranked as a whole (``Ranking``)."""

	def __post_init__(self):
		if self.ranked_count < 0:
			self.ranked_count = int(np.count_nonzero(self.rank))


@dataclass
class Ranking:
	"""What a population's decisions need of the whole population: each row's place in the ranking and the RFM
	cut-offs. ``rank_population`` takes it once over everyone; a part of the population (a slice of its rows) is
	then decided alone with ``decide_population(part, ..., ranking=ranking.part(start, end))``, with the same
	result as deciding everyone at once."""

	rank: np.ndarray
	percentile: np.ndarray
	share: np.ndarray
	cumulative_share: np.ndarray
	abc: np.ndarray
	cutoffs: RfmCutoffs
	count: int
	"""Ranked customers in the whole population."""

	def part(self, start: int, end: int) -> Ranking:
		return Ranking(
			self.rank[start:end],
			self.percentile[start:end],
			self.share[start:end],
			self.cumulative_share[start:end],
			self.abc[start:end],
			self.cutoffs,
			self.count,
		)


def rank_population(pop: Population, as_of: date, settings: Settings) -> Ranking:
	"""The population-wide figures of ``decide_population``: rank, percentile, shares, ABC class, RFM cut-offs.
	Reads only the values, the days and the internal flags (a population of a million customers needs no more
	than those columns)."""
	ranked = ~pop.internal
	rank, percentile, share, cumulative, abc = _rank(pop, ranked, settings)
	return Ranking(
		rank, percentile, share, cumulative, abc, _cutoffs(pop, ranked, as_of), int(np.count_nonzero(rank))
	)


def decide_population(
	pop: Population, as_of: date, settings: Settings, ranking: Ranking | None = None
) -> Decided:
	"""Every row's decisions. ``ranking``: the rows' places in a larger population ranked as a whole
	(``rank_population``), when the rows are one part of it."""
	n = len(pop)
	ranking = ranking or rank_population(pop, as_of, settings)
	rank, percentile, share, cumulative, abc = (
		ranking.rank,
		ranking.percentile,
		ranking.share,
		ranking.cumulative_share,
		ranking.abc,
	)
	cutoffs = ranking.cutoffs
	ranked = ~pop.internal
	r, f, m = _rfm_scores(pop, cutoffs, as_of)
	code = r * 100 + f * 10 + m
	segment, points = _by_rfm(code, settings)
	level, change = _levels(code, points, pop.previous_level, settings)
	lifecycle = _lifecycle(pop, as_of, settings)
	has_potential = ~np.isnan(pop.potential)
	potential_score = np.where(has_potential, np.nan_to_num(pop.potential), 0.0)
	is_key, key_source = _key_accounts(pop, ranked, percentile, has_potential, potential_score, settings)
	relationship = _relationship(pop, ranked, abc, lifecycle, settings)
	at_risk = is_key & pop.at_risk
	leaving, potential = prediction_flags(is_key, abc, pop.p_alive, pop.expected_value, settings)
	tier = _tiers(
		lifecycle,
		is_key,
		segment,
		abc,
		pop.window_value,
		potential_score,
		settings,
		at_risk,
		leaving,
		potential,
	)
	rfm_code = np.where(r > 0, code.astype(str), "")
	return Decided(
		rank=rank,
		percentile=percentile,
		share=share,
		cumulative_share=cumulative,
		abc=abc,
		rfm_code=rfm_code if n else np.array([], dtype=str),
		segment=segment,
		points=points,
		level=level,
		level_change=change,
		lifecycle=lifecycle,
		is_key=is_key,
		key_source=key_source,
		relationship_level=relationship,
		potential_score=potential_score,
		tier=tier,
		cutoffs=cutoffs,
		at_risk=at_risk,
		predicted_leaving=leaving,
		predicted_potential=potential,
		ranked_count=ranking.count,
	)


def _rank(pop: Population, ranked: np.ndarray, settings: Settings):
	"""``rank_columns`` on the ranked rows; the others keep rank 0."""
	n = len(pop)
	rows = np.flatnonzero(ranked)
	if n and len(rows) == n:  # no internal customer: the columns themselves, not copies of them
		window, lifetime = pop.ranking_values(settings)
		return rank_columns(_name_keys(pop.names), window, lifetime, settings)
	rank = np.zeros(n, dtype=np.int64)
	percentile, share, cumulative = np.zeros(n), np.zeros(n), np.zeros(n)
	abc = np.full(n, "C", dtype=object)
	if len(rows):
		names = _name_keys(pop.names)[rows]
		window, lifetime = pop.ranking_values(settings)
		found = rank_columns(names, window[rows], lifetime[rows], settings)
		rank[rows], percentile[rows], share[rows], cumulative[rows], abc[rows] = found
	return rank, percentile, share, cumulative, abc


def rank_columns(names, value: np.ndarray, lifetime: np.ndarray, settings: Settings):
	"""``ranking.rank`` as columns, aligned with the input: by (value, lifetime value) high to low, then by name;
	gives (rank, percentile, share, cumulative share, ABC class). The recompute and the Customer Ranking report
	of any period use it."""
	count = len(names)
	rank = np.zeros(count, dtype=np.int64)
	percentile, share, cumulative = np.zeros(count), np.zeros(count), np.zeros(count)
	abc = np.full(count, "C", dtype=object)
	if not count:
		return rank, percentile, share, cumulative, abc
	order = np.lexsort((_name_keys(names), -lifetime, -value))
	# A million customers' columns: each made once, reused in place where the arithmetic stays the same, and let go
	# once used, so the ranking holds a few columns at a time besides its results.
	ordered = value[order]
	starts = np.empty(count, dtype=bool)  # where a new value begins: rows of one value share a rank
	starts[0] = True
	np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
	positive = np.maximum(ordered, 0.0)
	del ordered
	tie_ranks = np.flatnonzero(starts) + 1  # each value's first position: the rank its ties share, ascending
	tie_of = np.cumsum(starts)  # each row's value among them, from 1
	tie_of -= 1
	del starts
	rank[order] = np.arange(1, count + 1)
	running = np.cumsum(positive)
	total = float(running[-1])
	if total:
		share[order] = 100.0 * positive / total
		cumulative[order] = 100.0 * running / total
		before = running  # the running total before each row, in the same buffer
		before[1:] = running[:-1]
		before[0] = 0.0
		np.multiply(before, 100.0, out=before)
		np.divide(before, total, out=before)
	else:
		del running
		before = np.full(count, 100.0)
	classes = np.where(
		before < settings.abc_a_cutoff, "A", np.where(before < settings.abc_b_cutoff, "B", "C")
	)
	del before
	abc[order] = np.where(positive <= 0, "C", classes)
	del classes, positive
	return rank, _exact_percentiles(percentile, count, tie_ranks, tie_of, order), share, cumulative, abc


def _name_keys(names) -> np.ndarray:
	"""Names as a numpy array that sorts as Python sorts the names: the names themselves, or their UTF-8 bytes
	(``S``, a tenth of the memory of a million ``str``; UTF-8 sorts bytes in the order of the code points)."""
	if isinstance(names, np.ndarray) and names.dtype.kind in "SU":
		return names
	return np.asarray(names, dtype=object).astype(str)


def _exact_percentiles(
	percentile: np.ndarray, count: int, tie_ranks: np.ndarray, tie_of: np.ndarray, order: np.ndarray
) -> np.ndarray:
	"""Python's ``round`` on each distinct tie rank (numpy rounds through a scaled product and may differ):
	``tie_ranks`` ascending, ``tie_of`` each row's place among them, rows in ranking ``order``."""
	exact = np.empty(len(tie_ranks))
	for start in range(0, len(tie_ranks), PYTHON_BATCH):  # a batch of Python floats at a time, not a million
		exact[start : start + PYTHON_BATCH] = [
			round(100.0 * (count - t + 1) / count, 4)
			for t in tie_ranks[start : start + PYTHON_BATCH].tolist()
		]
	percentile[order] = exact[tie_of]
	return percentile


PYTHON_BATCH = 65536
"""Values turned into Python objects at a time where the reference's own arithmetic is needed."""


def _cutoffs(pop: Population, ranked: np.ndarray, as_of: date) -> RfmCutoffs:
	buying = ranked & (pop.order_count > 0) & (pop.last_order != NO_DAY)
	recency = (as_of.toordinal() - pop.last_order[buying]).astype(float)
	return RfmCutoffs(
		_quintiles(recency),
		_quintiles(pop.window_order_count[buying].astype(float)),
		_quintiles(pop.window_value[buying].astype(float)),
	)


def _quintiles(values: np.ndarray) -> tuple[float, ...]:
	"""``ranking.quintile_cutoffs`` on an array: the same nearest-rank values, sorted by numpy."""
	n = len(values)
	if not n:
		return ()
	ordered = np.sort(values)
	return tuple(float(ordered[max(0, -(-n * q // 5) - 1)]) for q in (1, 2, 3, 4))


def _rfm_scores(pop: Population, cutoffs: RfmCutoffs, as_of: date):
	buying = (pop.order_count > 0) & (pop.last_order != NO_DAY)
	recency = (as_of.toordinal() - pop.last_order).astype(float)

	def higher(values, bounds):
		return (
			1 + np.searchsorted(np.array(bounds), values, side="left") if bounds else np.full(len(values), 3)
		)

	r = (
		5 - np.searchsorted(np.array(cutoffs.recency_days), recency, side="left")
		if cutoffs.recency_days
		else None
	)
	r = np.full(len(pop), 3) if r is None else r
	f = higher(pop.window_order_count.astype(float), cutoffs.frequency)
	m = higher(pop.window_value.astype(float), cutoffs.monetary)
	zero = np.zeros(len(pop), dtype=np.int64)
	return (np.where(buying, r, zero).astype(np.int64), np.where(buying, f, zero), np.where(buying, m, zero))


def _by_rfm(code: np.ndarray, settings: Settings):
	"""Segment and points of each distinct score triple, from the reference functions."""
	segment = np.empty(len(code), dtype=object)
	points = np.zeros(len(code))
	for value in np.unique(code):
		r, f, m = int(value) // 100, int(value) // 10 % 10, int(value) % 10
		rows = code == value
		segment[rows] = segment_for(r, f, m) if r else "No Orders"
		points[rows] = points_from_rfm(Rfm(r, f, m, ""), settings)
	return segment, points


def _levels(code: np.ndarray, points: np.ndarray, previous: list[str | None], settings: Settings):
	"""``levels.decide_level`` once per distinct (score triple, previous level)."""
	level = np.empty(len(code), dtype=object)
	change = np.empty(len(code), dtype=object)
	known = sorted({p for p in previous if p})
	index = {name: position + 1 for position, name in enumerate(known)}  # 0: no previous level
	previous_index = np.array([index.get(p, 0) if p else 0 for p in previous], dtype=np.int64)
	key = code * (len(known) + 1) + previous_index
	for value in np.unique(key):
		rows = key == value
		first = int(np.flatnonzero(rows)[0])
		before = known[previous_index[first] - 1] if previous_index[first] else None
		decision = decide_level(float(points[first]), before, settings)
		level[rows] = decision.level
		change[rows] = decision.change
	return level, change


def _lifecycle(pop: Population, as_of: date, settings: Settings) -> np.ndarray:
	"""``roles.decide_lifecycle`` for every row."""
	today = as_of.toordinal()
	count = pop.order_count
	interval = np.where(count >= 2, (pop.last_order - pop.first_order) / np.maximum(count - 1, 1), 0.0)
	threshold = np.full(len(pop), float(settings.lapse_days))
	if settings.lapse_interval_multiplier:
		usual = (count >= 2) & (pop.first_order != NO_DAY) & (pop.last_order != NO_DAY) & (interval != 0)
		by_interval = np.minimum(
			float(settings.lapse_days),
			np.maximum(float(settings.lapse_min_days), settings.lapse_interval_multiplier * interval),
		)
		threshold = np.where(usual, by_interval, threshold)
	silent = today - pop.last_order
	reborn = (pop.reborn_on != NO_DAY) & (today - pop.reborn_on <= settings.reborn_window_days)
	buying = (count > 0) & (pop.last_order != NO_DAY)
	return np.select(
		[
			pop.internal,
			~buying,
			silent > threshold,
			reborn,
			count == 1,
		],
		["Internal", "Prospect", "Lapsed", "Reborn", "New"],
		default="Repeat",
	).astype(object)


def _key_accounts(pop, ranked, percentile, has_potential, potential_score, settings: Settings):
	"""``keyaccount.decide_key_account``: by hand, by value (top share or minimum), or by potential."""
	value = pop.window_value
	ranking_value = pop.ranking_values(settings)[0]
	by_value = np.zeros(len(pop), dtype=bool)
	if settings.key_account_top_percent:
		by_value |= (percentile > 100.0 - settings.key_account_top_percent) & (ranking_value > 0)
	if settings.key_account_min_window_value:
		by_value |= (value >= settings.key_account_min_window_value) & (value > 0)
	by_value &= ranked
	by_potential = has_potential & (potential_score >= settings.potential_threshold)
	marked = pop.marked_key & ~pop.internal
	is_key = marked | by_value | by_potential
	source = np.select([marked, by_value, by_potential], ["Manual", "Value", "Potential"], default="").astype(
		object
	)
	source[~is_key] = None
	return is_key, source


def _relationship(pop, ranked, abc, lifecycle, settings: Settings) -> np.ndarray:
	minimum = settings.major_buyer_min_window_value
	major = ranked & ((pop.window_value >= minimum) if minimum else (abc == "A"))
	loyal = (pop.order_count >= settings.loyal_min_orders) & np.isin(lifecycle, ["Repeat", "Reborn"])
	return np.select(
		[pop.order_count <= 0, ~major, loyal],
		["Lead", "Small Buyer", "Loyal Major Buyer"],
		default="Major Buyer (Not Loyal)",
	).astype(object)


def _distinct(values) -> tuple[list, np.ndarray]:
	"""The distinct values of a column of labels (None included) and each row's position among them."""
	labels = np.asarray(values, dtype=object)
	_keys, first, inverse = np.unique(labels.astype(str), return_index=True, return_inverse=True)
	return labels[first].tolist(), inverse.reshape(-1)


def _distinct_rows(columns: list) -> tuple[np.ndarray, np.ndarray]:
	"""``np.unique(np.column_stack(columns).astype(float), axis=0, return_inverse=True)`` without sorting rows of
	floats: each column becomes the position of its value among its distinct values, and a row the number those
	positions make in mixed radix, so one sort of integers finds the distinct rows. The distinct rows come in
	the same (lexicographic) order."""
	n = len(columns[0]) if columns else 0
	key = np.zeros(n, dtype=np.int64)
	for column in columns:
		distinct, position = np.unique(np.asarray(column, dtype=float), return_inverse=True)
		key = key * len(distinct) + position.reshape(-1)  # a few distinct values each: far below 2**63
	_keys, first, inverse = np.unique(key, return_index=True, return_inverse=True)
	return np.column_stack(columns).astype(float)[first], inverse.reshape(-1)


def _tiers(
	lifecycle,
	is_key,
	segment,
	abc,
	window_value,
	potential_score,
	settings: Settings,
	at_risk=None,
	predicted_leaving=None,
	predicted_potential=None,
) -> np.ndarray:
	"""The tier of an ordinary request from each customer: ``pipeline.customer_request_facts`` and the tier rules,
	asked once per distinct set of what they read. The window's value counts only as bought or not, which is all
	``has_key_potential`` reads of it."""
	n = len(lifecycle)
	at_risk = np.zeros(n, dtype=bool) if at_risk is None else np.asarray(at_risk, dtype=bool)
	leaving = np.zeros(n, dtype=bool) if predicted_leaving is None else np.asarray(predicted_leaving, bool)
	potential = (
		np.zeros(n, dtype=bool) if predicted_potential is None else np.asarray(predicted_potential, bool)
	)
	lifecycles, life = _distinct(lifecycle)
	segments, seg = _distinct(segment)
	classes, cls = _distinct(abc)
	columns = [life, is_key, seg, at_risk, cls, window_value > 0, potential_score, leaving, potential]
	situations, inverse = _distinct_rows(columns)
	decided: dict[RequestFacts, str] = {}
	answers = np.empty(len(situations), dtype=object)
	for row, (life_i, key, seg_i, risk, cls_i, bought, score, leaves, could) in enumerate(
		situations.tolist()
	):
		facts = customer_request_facts(
			lifecycles[int(life_i)],
			bool(key),
			segments[int(seg_i)],
			bool(risk),
			classes[int(cls_i)],
			float(bought),
			float(score),
			settings,
			bool(leaves),
			bool(could),
		)
		if facts not in decided:
			decided[facts] = decide_request_tier(facts, settings).tier
		answers[row] = decided[facts]
	return answers[inverse.reshape(-1)] if n else np.empty(0, dtype=object)


def reborn_days(days: np.ndarray, counts: np.ndarray, gap: int) -> np.ndarray:
	"""``history.reborn_day`` for many customers at once. ``days`` holds every customer's order days (ordinals),
	ascending within each customer, one customer after another; ``counts`` how many days each customer has. Gives
	each customer's latest day that came more than ``gap`` days after the one before it, ``NO_DAY`` when none."""
	out = np.full(len(counts), NO_DAY, dtype=np.int64)
	if not len(days):
		return out
	owner = np.repeat(np.arange(len(counts)), counts)
	returned = np.flatnonzero((np.diff(days) > gap) & (owner[1:] == owner[:-1])) + 1
	np.maximum.at(out, owner[returned], days[returned])  # days ascend: the maximum is the latest return
	return out
