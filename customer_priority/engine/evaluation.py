"""The periodic seven-question scorecard (spec section 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .i18n import Reason, _, reason
from .settings import Settings

QUESTIONS: tuple[tuple[str, str], ...] = (
	("q1", _("How close are the customer's needs to what we can do?")),
	("q2", _("How well can we serve them compared with our main competitors?")),
	("q3", _("How healthy is the customer's industry, and its outlook?")),
	("q4", _("How healthy is the customer, and its outlook for growth?")),
	("q5", _("What is the outlook for the customer's growth with us?")),
	("q6", _("Can we learn from this customer?")),
	("q7", _("Can this customer help us win other customers?")),
)


class EvaluationError(ValueError):
	def __init__(self, reasons: list[Reason]):
		self.reasons = reasons
		super().__init__("; ".join(str(r) for r in reasons))


@dataclass(frozen=True)
class EvaluationResult:
	total: float
	"""0-100: weighted average of the 1-5 scores, rescaled."""
	band: str
	reasons: list[Reason] = field(default_factory=list)


def score_evaluation(scores: dict[str, int], settings: Settings) -> EvaluationResult:
	problems = []
	for key, _text in QUESTIONS:
		value = scores.get(key)
		if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
			problems.append(
				reason(
					_("Question {number} needs a score from 1 to 5 (got {value!r})"),
					number=key[1:],
					value=value,
				)
			)
	if problems:
		raise EvaluationError(problems)
	weights = settings.evaluation_weights
	total_weight = sum(weights[k] for k, _t in QUESTIONS)
	total = round(100.0 * sum(weights[k] * (scores[k] - 1) for k, _t in QUESTIONS) / (4.0 * total_weight), 2)
	band = next(name for name, minimum in settings.evaluation_bands if total >= minimum)
	weakest = min(QUESTIONS, key=lambda q: (scores[q[0]], q[0]))
	return EvaluationResult(
		total,
		band,
		[
			reason(_("Scorecard {total:.0f}/100: {band}"), total=total, band=band),
			reason(
				_("Weakest answer: question {number} ({score}/5)"),
				number=weakest[0][1:],
				score=scores[weakest[0]],
			),
		],
	)


def next_review_due(evaluated_on: date, settings: Settings, is_key_account: bool = False) -> date:
	days = settings.key_account_review_interval_days if is_key_account else settings.review_interval_days
	return evaluated_on + timedelta(days=days)


def is_review_due(next_due: date | None, today: date) -> bool:
	"""A review is due on its date and after it; an account never reviewed is due at once."""
	return next_due is None or next_due <= today
