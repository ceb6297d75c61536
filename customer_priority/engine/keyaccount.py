"""Key (strategic) accounts (spec section 4): by value, or by potential, and the relationship level."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import NamedTuple

from .history import Aggregate
from .i18n import Reason, _, reason
from .ranking import Ranked
from .settings import POTENTIAL_FACTORS, Settings

KEY_SOURCES: tuple[str, ...] = ("Value", "Potential", "Manual")
"""How a customer became a key account: by the value or potential rules, or marked by hand."""
RELATIONSHIP_LEVELS: tuple[str, ...] = ("Lead", "Small Buyer", "Major Buyer (Not Loyal)", "Loyal Major Buyer")

RELATIONSHIP_PLAYS: dict[str, str] = {
	"Lead": _("Win the first orders"),
	"Small Buyer": _("Grow our share of their purchases"),
	"Major Buyer (Not Loyal)": _("Win loyalty: find and fix what dissatisfies them"),
	"Loyal Major Buyer": _("Keep them: watch their plans and competitors' moves"),
}


@dataclass(frozen=True)
class PotentialProfile:
	"""Ratings 0-5 (0 = unknown) for brand, production volume, network and purchase potential; raw numbers
	for staff and years, scored through the bands in settings."""

	brand_strength: int = 0
	production_volume: int = 0
	sales_network: int = 0
	staff_count: int = 0
	years_in_business: float = 0
	purchase_potential: int = 0

	@property
	def is_empty(self) -> bool:
		return not any(getattr(self, name) for name in POTENTIAL_FACTORS)


def band_score(value: float, bands: list[float]) -> int:
	"""0..5: how many thresholds the value reaches."""
	if not value or value < 0:
		return 0
	return bisect.bisect_right(bands, value)


def clamp_rating(value: float) -> int:
	return max(0, min(5, int(value or 0)))


def potential_score(profile: PotentialProfile, settings: Settings) -> float:
	"""Weighted potential, 0-100."""
	ratings = {
		"brand_strength": clamp_rating(profile.brand_strength),
		"production_volume": clamp_rating(profile.production_volume),
		"sales_network": clamp_rating(profile.sales_network),
		"staff_count": band_score(profile.staff_count, settings.staff_count_bands),
		"years_in_business": band_score(profile.years_in_business, settings.years_in_business_bands),
		"purchase_potential": clamp_rating(profile.purchase_potential),
	}
	weights = settings.potential_weights
	total = sum(weights.values())
	return round(100.0 * sum(weights[k] * ratings[k] for k in POTENTIAL_FACTORS) / (5.0 * total), 2)


CANDIDATE_CLASSES = ("A", "B")
"""The value classes whose customers, buying in the window, could become key accounts."""


def has_key_potential(abc: str | None, window_value: float, potential: float, settings: Settings) -> bool:
	"""Could become a key account: in class A or B with purchases in the window, or a potential score at the
	candidate threshold. The hooks (from stored fields), the recompute (from a standing) and Key Account Review's
	candidates all ask this."""
	return (abc in CANDIDATE_CLASSES and window_value > 0) or potential >= settings.key_potential_min_score


class KeyDecision(NamedTuple):
	is_key: bool
	source: str | None
	""""Value", "Potential" or None."""
	reasons: list[Reason]


def decide_key_account(
	ranked: Ranked | None,
	potential: float | None,
	settings: Settings,
	marked_by_hand: bool = False,
	bought: float | None = None,
) -> KeyDecision:
	"""Key by value (top share or minimum value), by potential, or marked by hand; a mark by hand wins and stays
	until it is taken off, and the rules' own reasons still show beside it.

	The top share follows what ranks customers (``ranked.value``: revenue or gross profit); the minimum is what
	the customer ``bought`` in the window (its revenue; the ranked value when not given)."""
	if marked_by_hand:
		found = decide_key_account(ranked, potential, settings, bought=bought)
		return KeyDecision(True, "Manual", [reason(_("Marked as a key account by hand")), *found.reasons])
	reasons: list[Reason] = []
	if ranked is not None:
		bought = ranked.value if bought is None else bought
		top = settings.key_account_top_percent
		if top and ranked.value > 0 and ranked.percentile > 100.0 - top:
			reasons.append(
				reason(_("In the top {top:g}% of customers by gross profit"), top=top)
				if settings.rank_by == "Gross Profit"
				else reason(_("In the top {top:g}% of customers by value"), top=top)
			)
		minimum = settings.key_account_min_window_value
		if minimum and bought > 0 and bought >= minimum:
			reasons.append(
				reason(
					_("Bought {value:,.0f} in the look-back window (key from {minimum:,.0f})"),
					value=bought,
					minimum=minimum,
				)
			)
		if reasons:
			return KeyDecision(True, "Value", reasons)
	if potential is not None and potential >= settings.potential_threshold:
		return KeyDecision(
			True,
			"Potential",
			[
				reason(
					_("Potential score {score:.0f} reaches the key-account threshold of {threshold:.0f}"),
					score=potential,
					threshold=settings.potential_threshold,
				)
			],
		)
	return KeyDecision(False, None, [])


def decide_relationship_level(
	agg: Aggregate | None, ranked: Ranked | None, lifecycle: str, settings: Settings
) -> tuple[str, list[Reason]]:
	if agg is None or not agg.order_count:
		return "Lead", [reason(_("No purchase yet: {play}"), play=RELATIONSHIP_PLAYS["Lead"])]
	minimum = settings.major_buyer_min_window_value
	major = (
		(ranked is not None and agg.window_value >= minimum)
		if minimum
		else (ranked is not None and ranked.abc == "A")
	)
	if not major:
		return "Small Buyer", [reason(_("Small buyer: {play}"), play=RELATIONSHIP_PLAYS["Small Buyer"])]
	loyal = agg.order_count >= settings.loyal_min_orders and lifecycle in ("Repeat", "Reborn")
	if loyal:
		return "Loyal Major Buyer", [
			reason(
				_("Major, loyal buyer ({count} orders): {play}"),
				count=agg.order_count,
				play=RELATIONSHIP_PLAYS["Loyal Major Buyer"],
			)
		]
	return "Major Buyer (Not Loyal)", [
		reason(
			_("Major buyer, not yet loyal ({count} orders, {lifecycle}): {play}"),
			count=agg.order_count,
			lifecycle=lifecycle,
			play=RELATIONSHIP_PLAYS["Major Buyer (Not Loyal)"],
		)
	]
