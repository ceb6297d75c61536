"""Points and levels with promotion and hysteresis (spec section 2).

Points (0-100) weigh the RFM scores by the settings' recency / frequency / monetary weights. A customer is
promoted as soon as their points reach a higher level's minimum, and demoted only when they fall more than
``hysteresis_margin`` below their current level's minimum, so a customer hovering at a boundary keeps
one level instead of flapping between two.
"""

from __future__ import annotations

from typing import NamedTuple

from .i18n import Reason, _, reason
from .ranking import Rfm
from .settings import Level, Settings


def points_from_rfm(rfm: Rfm, settings: Settings) -> float:
	if not rfm.recency:
		return 0.0
	r, f, m = settings.recency_weight, settings.frequency_weight, settings.monetary_weight
	earned = r * (rfm.recency - 1) + f * (rfm.frequency - 1) + m * (rfm.monetary - 1)
	return round(100.0 * earned / (4.0 * (r + f + m)), 2)


class LevelDecision(NamedTuple):
	level: str
	change: str | None
	""""promoted", "demoted" or None."""
	reasons: list[Reason]


def level_for_points(points: float, levels: list[Level]) -> Level:
	"""The highest level whose minimum the points reach, ignoring history."""
	ordered = sorted(levels, key=lambda lv: lv.min_points)
	chosen = ordered[0]
	for lv in ordered:
		if points >= lv.min_points:
			chosen = lv
	return chosen


def kept_level_index(points: float, current: int, reached: int, levels: list[Level], margin: float) -> int:
	"""Hysteresis: promote as soon as a higher level is reached; keep the current level while the points stay
	within ``margin`` below it; otherwise demote to the highest level whose own keep-threshold is still met."""
	if reached > current:
		return reached
	if points >= levels[current].min_points - margin:
		return current
	return next((i for i in range(current - 1, -1, -1) if points >= levels[i].min_points - margin), 0)


def decide_level(points: float, previous: str | None, settings: Settings) -> LevelDecision:
	levels = settings.sorted_levels
	names = [lv.name for lv in levels]
	reached = level_for_points(points, levels)
	if previous not in names:
		why = _("{points:.0f} points: level {level} (from {minimum:.0f} points)")
		return LevelDecision(
			reached.name, None, [reason(why, points=points, level=reached.name, minimum=reached.min_points)]
		)
	current, margin = names.index(previous), settings.hysteresis_margin
	reached_index = names.index(reached.name)
	new = kept_level_index(points, current, reached_index, levels, margin)
	if new > current:
		why = _("Promoted from {old} to {new}: {points:.0f} points reached the threshold of {minimum:.0f}")
		params = {"old": previous, "new": names[new], "points": points, "minimum": reached.min_points}
		return LevelDecision(names[new], "promoted", [reason(why, **params)])
	params = {"points": points, "margin": margin, "minimum": levels[current].min_points}
	if new == current:
		why = (
			_("{points:.0f} points: stays {level}")
			if reached_index == current
			else _(
				"{points:.0f} points: stays {level} (within the {margin:.0f}-point margin below {minimum:.0f})"
			)
		)
		return LevelDecision(previous, None, [reason(why, level=previous, **params)])
	why = _(
		"Demoted from {old} to {new}: {points:.0f} points fell more than {margin:.0f} below {minimum:.0f}"
	)
	return LevelDecision(names[new], "demoted", [reason(why, old=previous, new=names[new], **params)])
