"""Ranking by value (spec section 2): aggregates, rank, percentile, Pareto/ABC class and RFM scores.

Everything here works on plain values so the same functions rank a CSV in the CLI and a 100k-customer
table in the scheduled job (which aggregates in SQL, then hands the per-customer rows to ``rank``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, Protocol

import numpy as np

from .history import Aggregate, margin_percent
from .i18n import Reason, _, reason
from .settings import Settings

ABC_CLASSES: tuple[str, ...] = ("A", "B", "C")


@dataclass(slots=True)
class Ranked:
	customer: str
	value: float
	rank: int
	percentile: float
	"""100 for the top customer, falling towards 0; equal values share the better percentile."""
	share: float
	cumulative_share: float
	abc: str
	reasons: list[Reason] = field(default_factory=list)


def rank(values: dict[str, tuple[float, float]], settings: Settings) -> list[Ranked]:
	"""Rank customers by (window value, lifetime value), best first, and give each its ABC class.

	``values`` maps customer -> (window value, lifetime value). Ties keep a deterministic order (by name),
	so the ranking does not depend on the order rows arrive in. A customer is class A when the value
	ranked above it is still below the A cut-off: the customer who crosses the 80% line is in A.
	"""
	ordered = sorted(values.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
	total = sum(max(v[0], 0.0) for _name, v in ordered)
	n = len(ordered)
	out: list[Ranked] = []
	running = 0.0
	previous_value: float | None = None
	tie_rank = 0
	for position, (name, (value, _lifetime)) in enumerate(ordered, start=1):
		positive = max(value, 0.0)
		before = 100.0 * running / total if total else 100.0
		running += positive
		share = 100.0 * positive / total if total else 0.0
		cumulative = 100.0 * running / total if total else 0.0
		if value != previous_value:
			tie_rank = position
			previous_value = value
		percentile = 100.0 * (n - tie_rank + 1) / n
		if positive <= 0:
			abc = "C"
		elif before < settings.abc_a_cutoff:
			abc = "A"
		elif before < settings.abc_b_cutoff:
			abc = "B"
		else:
			abc = "C"
		why = rank_reason(position, n, share, abc, cumulative, settings)
		out.append(Ranked(name, value, position, round(percentile, 4), share, cumulative, abc, [why]))
	return out


def rank_reason(
	position: int, count: int, share: float, abc: str, cumulative: float, settings: Settings
) -> Reason:
	template = (
		_(
			"Rank {rank} of {count} by gross profit in the last {days} days; {share:.1f}% of gross profit, "
			"class {abc} (cumulative {cumulative:.1f}%)"
		)
		if settings.rank_by == "Gross Profit"
		else _(
			"Rank {rank} of {count} by value in the last {days} days; {share:.1f}% of value, "
			"class {abc} (cumulative {cumulative:.1f}%)"
		)
	)
	return reason(
		template,
		rank=position,
		count=count,
		days=settings.lookback_days,
		share=share,
		abc=abc,
		cumulative=cumulative,
	)


def is_thin_margin(invoiced, profit, settings: Settings):
	"""Invoiced revenue whose gross profit stays below the thin-margin share of it (a number or arrays: a bool or
	an array of them). Never without anything invoiced, never when the threshold is 0."""
	margin = np.asarray(margin_percent(profit, invoiced), dtype=float)  # NaN (never thin) without revenue
	with np.errstate(invalid="ignore"):
		thin = (margin < settings.thin_margin_percent) & bool(settings.thin_margin_percent)
	return thin if thin.ndim else bool(thin)


def margin_reason(agg: Aggregate, settings: Settings) -> Reason | None:
	"""What the customer's revenue leaves as gross profit; says "thin margin" when it is below the threshold."""
	margin = agg.window_margin
	if margin is None:
		return None
	params = {"profit": agg.window_profit, "revenue": agg.window_invoiced, "margin": margin}
	if is_thin_margin(agg.window_invoiced, agg.window_profit, settings):
		return reason(
			_(
				"Thin margin: gross profit {profit:,.0f} is {margin:.1f}% of revenue {revenue:,.0f} "
				"(below {threshold:g}%)"
			),
			threshold=settings.thin_margin_percent,
			**params,
		)
	return reason(_("Gross profit {profit:,.0f} is {margin:.1f}% of revenue {revenue:,.0f}"), **params)


class RankedRow(Protocol):
	rank: int
	cumulative_share: float


def pareto_summary(ranked: Sequence[RankedRow], settings: Settings) -> tuple[int, float]:
	"""How many top customers bring the class A cut-off's share of the value (80% by default, the Pareto line), and
	what percent of customers they are: the report's summary and the CLI's line say the same."""
	return pareto_head([r.cumulative_share for r in ranked], settings)


def pareto_head(cumulative_shares: Sequence[float], settings: Settings) -> tuple[int, float]:
	"""``pareto_summary`` from the cumulative shares in rank order (a list or a column)."""
	count = len(cumulative_shares)
	if not count:
		return 0, 0.0
	for position, cumulative in enumerate(cumulative_shares, start=1):
		if cumulative >= settings.abc_a_cutoff - 1e-9:
			return position, 100.0 * position / count
	return count, 100.0


# ---------------------------------------------------------------------- RFM


@dataclass(frozen=True)
class RfmCutoffs:
	"""Quintile boundaries of the customer population, stored so hooks can score one customer alone."""

	recency_days: tuple[float, ...] = ()
	frequency: tuple[float, ...] = ()
	monetary: tuple[float, ...] = ()

	def to_dict(self) -> dict[str, list[float]]:
		return {
			"recency_days": list(self.recency_days),
			"frequency": list(self.frequency),
			"monetary": list(self.monetary),
		}

	@classmethod
	def from_dict(cls, data: dict | None) -> RfmCutoffs:
		data = data or {}
		return cls(
			tuple(data.get("recency_days", ())),
			tuple(data.get("frequency", ())),
			tuple(data.get("monetary", ())),
		)


def quintile_cutoffs(values: list[float]) -> tuple[float, ...]:
	"""The 20th, 40th, 60th and 80th percentile values (nearest rank) of a population."""
	if not values:
		return ()
	ordered = sorted(values)
	n = len(ordered)
	return tuple(ordered[max(0, -(-n * q // 5) - 1)] for q in (1, 2, 3, 4))


def rfm_cutoffs(aggregates: Iterable[Aggregate], as_of: date) -> RfmCutoffs:
	recency, frequency, monetary = [], [], []
	for agg in aggregates:
		if not agg.order_count or agg.last_order is None:
			continue
		recency.append(float((as_of - agg.last_order).days))
		frequency.append(float(agg.window_order_count))
		monetary.append(float(agg.window_value))
	return RfmCutoffs(quintile_cutoffs(recency), quintile_cutoffs(frequency), quintile_cutoffs(monetary))


def score_higher_better(value: float, cutoffs: tuple[float, ...]) -> int:
	"""1..5: one point plus one for every quintile boundary the value is above; equal values score alike."""
	if not cutoffs:
		return 3
	return 1 + bisect.bisect_left(cutoffs, value)


def score_lower_better(value: float, cutoffs: tuple[float, ...]) -> int:
	"""1..5 for measures where less is better (days since the last order)."""
	if not cutoffs:
		return 3
	return 5 - bisect.bisect_left(cutoffs, value)


class Rfm(NamedTuple):
	recency: int
	frequency: int
	monetary: int
	segment: str

	@property
	def code(self) -> str:
		return f"{self.recency}{self.frequency}{self.monetary}"


SEGMENT_NAMES: tuple[str, ...] = (
	"Champions",
	"Cannot Lose",
	"At Risk",
	"Lost",
	"Hibernating",
	"Loyal",
	"New",
	"Potential Loyalist",
	"Promising",
	"Need Attention",
	"No Orders",
)


def segment_for(r: int, f: int, m: int) -> str:
	"""Named RFM segment: the first rule that matches, top to bottom."""
	if r >= 4 and f >= 4 and m >= 4:
		return "Champions"
	if r <= 2 and m == 5 and f >= 4:
		return "Cannot Lose"
	if r <= 2 and f >= 3:
		return "At Risk"
	if r == 1 and f == 1:
		return "Lost"
	if r <= 2:
		return "Hibernating"
	if f >= 4:
		return "Loyal"
	if r >= 4 and f == 1:
		return "New"
	if r >= 4 and f >= 2:
		return "Potential Loyalist"
	if r >= 4:
		return "Promising"
	return "Need Attention"


def score_rfm(agg: Aggregate, cutoffs: RfmCutoffs, as_of: date) -> Rfm:
	if not agg.order_count or agg.last_order is None:
		return Rfm(0, 0, 0, "No Orders")
	recency_days = float((as_of - agg.last_order).days)
	r = score_lower_better(recency_days, cutoffs.recency_days)
	f = score_higher_better(float(agg.window_order_count), cutoffs.frequency)
	m = score_higher_better(float(agg.window_value), cutoffs.monetary)
	return Rfm(r, f, m, segment_for(r, f, m))
