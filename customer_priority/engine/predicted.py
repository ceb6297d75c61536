"""What the predictions say to the tier rules, each only when Settings switch it on: one place for each rule,
read by the hooks (one record), the recompute (arrays) and the reasons.

- a lead or opportunity likely enough to buy counts as in its final stage (``engine.conversion``);
- a valuable customer (key, or class A or B) unlikely to be still buying counts as "may leave" (``engine.clv``);
- a customer expected to bring enough over the horizon counts as having key-account potential (``engine.clv``).
"""

from __future__ import annotations

import numpy as np

from .i18n import Reason, _, reason
from .keyaccount import CANDIDATE_CLASSES
from .settings import Settings

FINAL_BY_PREDICTION = _("Likely to buy ({probability}%): counts as the final stage from {threshold}%")
LEAVING_BY_PREDICTION = _("Likely to have stopped buying: P(alive) below {threshold}%")
POTENTIAL_BY_PREDICTION = _(
	"Expected to bring {value} or more in the next {days} days: key-account potential"
)


def final_stage_by_prediction(probability_percent: float | None, settings: Settings) -> Reason | None:
	"""Why a request counts as in its final stage by its conversion probability (in %), or None."""
	if not settings.conversion_final_stage or probability_percent is None:
		return None
	if probability_percent >= settings.conversion_final_stage_percent:
		return reason(
			FINAL_BY_PREDICTION,
			probability=round(probability_percent),
			threshold=f"{settings.conversion_final_stage_percent:g}",
		)
	return None


def prediction_flags(
	is_key, abc, p_alive, expected_value, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
	"""(may leave, has key potential) by prediction, for one customer or arrays of them. ``p_alive`` is a
	probability (0 to 1), NaN where nothing was predicted; so is ``expected_value``."""
	p_alive = np.asarray(p_alive, dtype=float)
	expected_value = np.asarray(expected_value, dtype=float)
	valuable = np.asarray(is_key, dtype=bool) | np.isin(np.asarray(abc, dtype=object), CANDIDATE_CLASSES)
	with np.errstate(invalid="ignore"):
		leaving = valuable & (p_alive * 100.0 < settings.p_alive_may_leave_percent)
		potential = expected_value >= settings.expected_value_key_potential_min
	leaving &= bool(settings.p_alive_may_leave)
	potential &= bool(settings.expected_value_key_potential) & (settings.expected_value_key_potential_min > 0)
	return leaving, potential


def prediction_reasons(leaving: bool, potential: bool, settings: Settings) -> list[Reason]:
	out = []
	if leaving:
		out.append(reason(LEAVING_BY_PREDICTION, threshold=f"{settings.p_alive_may_leave_percent:g}"))
	if potential:
		out.append(
			reason(
				POTENTIAL_BY_PREDICTION,
				value=f"{settings.expected_value_key_potential_min:,.2f}",
				days=settings.prediction_horizon_days,
			)
		)
	return out
