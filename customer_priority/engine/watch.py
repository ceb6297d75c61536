"""Key accounts watched so they are not lost (spec section 4: watch purchase potential, growth and competitors'
moves; analyse their buying to make offers).

From ERPNext's own records: opportunities of the account lost to a Competitor, and a falling share of what it
buys (this quarter against the same quarter last year, and against its peers in the same customer group). A key
account with any of these is "at risk": the tier rules read it as "may leave", and the reason says why. What to
offer it: the item groups its peers buy and it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .i18n import Reason, _, reason
from .settings import Settings


@dataclass(frozen=True)
class WatchFacts:
	lost_to_competitors: int = 0
	"""Opportunities of the account lost, with a competitor named, last changed within the look-back window (the
	declaration itself, unless the opportunity was edited after it)."""
	competitors: tuple[str, ...] = ()
	lost_reasons: tuple[str, ...] = ()
	quarter_value: float = 0.0
	"""What it bought this quarter so far."""
	last_year_value: float = 0.0
	"""What it bought over the same days a year earlier."""
	group_share: float | None = None
	"""Its share (%) of what its customer group bought this quarter so far; None without a group total."""
	last_year_group_share: float | None = None


@dataclass
class Watch:
	at_risk: bool = False
	reasons: list[Reason] = field(default_factory=list)


def quarter_to_date(as_of: date) -> tuple[tuple[date, date], tuple[date, date]]:
	"""This calendar quarter up to ``as_of``, and the same days one year earlier."""
	start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
	end_last_year = (
		as_of.replace(year=as_of.year - 1)
		if (as_of.month, as_of.day) != (2, 29)
		else date(as_of.year - 1, 2, 28)
	)
	return (start, as_of), (start.replace(year=start.year - 1), end_last_year)


def decide_watch(facts: WatchFacts, settings: Settings) -> Watch:
	"""Whether a key account is at risk of being lost, and why; each rule is off at 0 in Settings."""
	out = Watch()
	lost = settings.at_risk_lost_opportunities
	if lost and facts.lost_to_competitors >= lost:
		out.reasons.append(
			reason(
				_(
					"Lost {count} opportunities to competitors ({competitors}) in the last {days} days; why: {why}"
				),
				count=facts.lost_to_competitors,
				competitors=", ".join(facts.competitors) or "?",
				days=settings.lookback_days,
				why=", ".join(facts.lost_reasons) or "-",
			)
		)
	drop = settings.at_risk_value_drop_percent
	if drop and facts.last_year_value > 0 and facts.quarter_value < facts.last_year_value * (1 - drop / 100):
		out.reasons.append(
			reason(
				_(
					"Bought {now:,.0f} this quarter against {before:,.0f} in the same days last year "
					"({change:+.0f}%)"
				),
				now=facts.quarter_value,
				before=facts.last_year_value,
				change=100.0 * (facts.quarter_value - facts.last_year_value) / facts.last_year_value,
			)
		)
	share_drop = settings.at_risk_share_drop_percent
	if (
		share_drop
		and facts.last_year_group_share
		and facts.group_share is not None
		and facts.group_share < facts.last_year_group_share * (1 - share_drop / 100)
	):
		out.reasons.append(
			reason(
				_(
					"Its share of its customer group's purchases fell from {before:.1f}% to {now:.1f}% (same quarter)"
				),
				before=facts.last_year_group_share,
				now=facts.group_share,
			)
		)
	out.at_risk = bool(out.reasons)
	return out


def what_to_offer(bought: set[str], peers: dict[str, int], limit: int = 3) -> list[tuple[str, int]]:
	"""The item groups most of its peers buy and the account does not, with how many peers buy each, most first
	(then by name)."""
	missing = [(group, count) for group, count in peers.items() if group not in bought and count > 0]
	return sorted(missing, key=lambda gc: (-gc[1], gc[0]))[:limit]
