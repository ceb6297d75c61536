"""How likely an open lead or opportunity is to buy, learned from the site's own closed ones.

Every feature is a category (a number falls in one of a few ranges cut at the training data's quantiles; a value
seen fewer than ``MIN_COUNT`` times is "other"), so the model is a table: a starting log-odds plus, per feature, how
much each value raises or lowers it against an average record. Two candidates are fitted with scikit-learn, an
L2-regularised logistic regression over the one-hot values and a naive Bayes over value frequencies (as Odoo scores
leads); the one with the better AUC on the newest quarter of the history (trained on the older three) is kept,
refitted on all of it. Scoring a record is a few dictionary look-ups, so a save needs neither scikit-learn nor
numpy, and each probability's reasons are the table's largest entries for that record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .i18n import Reason, _, reason

MIN_CLOSED = 200
MIN_CONVERTED = 20
"""Below either, there is too little history: no number is shown rather than a guess."""
MIN_COUNT = 5
"""A value seen fewer times than this in training is grouped as "other"."""
HOLDOUT_SHARE = 0.25
RANGES = 4
"""Quantile ranges a numeric feature is cut into."""
OTHER = "(other)"
UNKNOWN = "(unknown)"

FEATURE_LABELS: dict[str, str] = {
	"source": _("Source"),
	"territory": _("Territory"),
	"industry": _("Industry"),
	"company_size": _("Company Size"),
	"request_type": _("Request"),
	"qualification": _("Qualification"),
	"sales_stage": _("Sales Stage"),
	"opportunity_from": _("Opportunity From"),
	"important": _("Important or Urgent to Them"),
	"open_about_details": _("Open About Volume and Details"),
	"could_become_key": _("Could Become a Key Account"),
	"final_stage": _("Final Stage of Negotiation"),
	"last_request": _("Last Request Before Buying"),
	"customer_may_leave": _("Customer May Leave if Not Served"),
	"messages": _("Emails and Calls"),
	"meetings": _("Meetings"),
	"tasks": _("To Do Items"),
	"days_since_touch": _("Days Since Last Contact"),
	"age_days": _("Age in Days"),
	"amount": _("Amount"),
	"stated_probability": _("Probability Set by Hand (%)"),
}
"""Every feature a model may use, with the label its reasons show (translated for the reader)."""
NUMERIC = frozenset(
	("messages", "meetings", "tasks", "days_since_touch", "age_days", "amount", "stated_probability")
)

RAISES = _("{feature} {value}: odds ×{factor}")
LOWERS = _("{feature} {value}: odds ÷{factor}")
REASON_COUNT = 3
MIN_REASON_LOG_ODDS = math.log(1.1)
"""A feature that moves the odds by less than 10% is not worth a reason."""


TOO_LITTLE = _(
	"Too little history to predict: {closed} closed, {converted} of them bought; "
	"at least {min_closed} closed and {min_converted} bought are needed"
)
ALL_ALIKE = _("Too little history to predict: the older or the newer closed records all ended alike")


@dataclass
class ConversionModel:
	"""A fitted table: ``intercept`` plus, per feature, each value's log-odds against an average record."""

	kind: str
	intercept: float
	contributions: dict[str, dict[str, float]]
	edges: dict[str, list[float]] = field(default_factory=dict)
	"""Inner cut points of each numeric feature's ranges."""

	def category(self, feature: str, value: Any) -> str:
		if feature in self.edges:
			return numeric_category(value, self.edges[feature])
		text = "" if value is None else str(value).strip()
		return text or UNKNOWN

	def contribution(self, feature: str, value: Any) -> tuple[str, float]:
		table = self.contributions[feature]
		category = self.category(feature, value)
		if category not in table:
			category = OTHER if OTHER in table else category
		return category, table.get(category, table.get("", 0.0))

	def score(self, record: dict[str, Any]) -> tuple[float, list[Reason]]:
		"""The probability of the record buying, and the few features that moved it most."""
		parts = [(f, *self.contribution(f, record.get(f))) for f in self.contributions]
		log_odds = self.intercept + sum(c for _f, _v, c in parts)
		return _sigmoid(log_odds), reasons_of(parts)

	def score_columns(self, columns: dict[str, list]) -> np.ndarray:
		"""Every record's probability; the columns as ``train`` takes them."""
		n = len(next(iter(columns.values()))) if columns else 0
		log_odds = np.full(n, self.intercept)
		for feature in self.contributions:
			log_odds += np.array([self.contribution(feature, v)[1] for v in columns[feature]], dtype=float)
		return _sigmoid(log_odds)

	def as_dict(self) -> dict:
		return {
			"kind": self.kind,
			"intercept": self.intercept,
			"contributions": self.contributions,
			"edges": self.edges,
		}

	@classmethod
	def from_dict(cls, data: dict) -> ConversionModel:
		return cls(data["kind"], float(data["intercept"]), data["contributions"], data.get("edges") or {})


def _sigmoid(x):
	return 1.0 / (1.0 + np.exp(-x)) if isinstance(x, np.ndarray) else 1.0 / (1.0 + math.exp(-x))


def reasons_of(parts: list[tuple[str, str, float]]) -> list[Reason]:
	strongest = sorted((p for p in parts if abs(p[2]) >= MIN_REASON_LOG_ODDS), key=lambda p: -abs(p[2]))
	out = []
	for feature, value, log_odds in strongest[:REASON_COUNT]:
		template = RAISES if log_odds > 0 else LOWERS
		out.append(
			reason(
				template,
				feature=FEATURE_LABELS[feature],
				value=value,
				factor=f"{math.exp(abs(log_odds)):.1f}",
			)
		)
	return out


def numeric_category(value: Any, edges: list[float]) -> str:
	try:
		number = float(value)
	except (TypeError, ValueError):
		return UNKNOWN
	if math.isnan(number):
		return UNKNOWN
	position = int(np.searchsorted(edges, number, side="right"))
	if position == 0:
		return f"< {edges[0]:g}" if edges else "all"
	if position == len(edges):
		return f"≥ {edges[-1]:g}"
	return f"{edges[position - 1]:g}–{edges[position]:g}"


@dataclass
class Training:
	"""What a training run found: the model (None with too little history) and how well it did."""

	closed: int
	converted: int
	model: ConversionModel | None = None
	message: Reason | None = None
	"""Why there is no model, when there is none."""
	holdout: int = 0
	metrics: dict[str, dict[str, float]] = field(default_factory=dict)
	"""Per candidate and baseline: holdout AUC and Brier score."""
	calibration: list[dict[str, float]] = field(default_factory=list)
	"""The chosen model on the holdout: per range of predicted probability, records, mean predicted, actual rate."""


def train(
	columns: dict[str, list],
	outcome: np.ndarray,
	closed_day: np.ndarray,
	stage_feature: str | None = None,
	min_closed: int = MIN_CLOSED,
	min_converted: int = MIN_CONVERTED,
) -> Training:
	"""Fit on closed records: ``columns`` maps each feature of ``FEATURE_LABELS`` to its values (one per record),
	``outcome`` is 1 for bought, 0 for not, ``closed_day`` orders them in time. ``stage_feature`` names the
	feature of the stage-only baseline."""
	outcome = np.asarray(outcome, dtype=int)
	closed, converted = len(outcome), int(outcome.sum())
	result = Training(closed, converted)
	if closed < min_closed or converted < min_converted or converted == closed:
		result.message = reason(
			TOO_LITTLE,
			closed=closed,
			converted=converted,
			min_closed=min_closed,
			min_converted=min_converted,
		)
		return result
	order = np.argsort(np.asarray(closed_day), kind="stable")
	cut = int(round(closed * (1 - HOLDOUT_SHARE)))
	older, newer = order[:cut], order[cut:]
	if len(set(outcome[older].tolist())) < 2 or len(set(outcome[newer].tolist())) < 2:
		result.message = reason(ALL_ALIKE)
		return result
	from sklearn.metrics import brier_score_loss, roc_auc_score

	def measured(probability: np.ndarray) -> dict[str, float]:
		truth = outcome[newer]
		return {
			"auc": float(roc_auc_score(truth, probability)),
			"brier": float(brier_score_loss(truth, probability)),
		}

	train_columns = _rows(columns, older)
	test_columns = _rows(columns, newer)
	candidates = {}
	for kind in ("logistic", "naive_bayes"):
		model = fit(kind, train_columns, outcome[older])
		candidates[kind] = (model, model.score_columns(test_columns))
		result.metrics[kind] = measured(candidates[kind][1])
	rate = float(outcome[older].mean())
	result.metrics["overall_rate"] = measured(np.full(len(newer), rate))
	if stage_feature:
		stage_only = fit("naive_bayes", {stage_feature: train_columns[stage_feature]}, outcome[older])
		result.metrics["stage_only"] = measured(
			stage_only.score_columns({stage_feature: test_columns[stage_feature]})
		)
	best = max(candidates, key=lambda k: (result.metrics[k]["auc"], -result.metrics[k]["brier"]))
	result.calibration = calibration_table(outcome[newer], candidates[best][1])
	result.holdout = len(newer)
	result.model = fit(best, columns, outcome)
	return result


def calibration_table(truth: np.ndarray, probability: np.ndarray, ranges: int = 5) -> list[dict[str, float]]:
	"""Records in ranges of equal count by predicted probability: how many, mean predicted, actual rate."""
	order = np.argsort(probability, kind="stable")
	out = []
	for part in np.array_split(order, ranges):
		if len(part):
			out.append(
				{
					"records": int(len(part)),
					"predicted": float(probability[part].mean()),
					"actual": float(truth[part].mean()),
				}
			)
	return out


def _rows(columns: dict[str, list], rows: np.ndarray) -> dict[str, list]:
	return {f: [values[i] for i in rows.tolist()] for f, values in columns.items()}


def fit(kind: str, columns: dict[str, list], outcome: np.ndarray) -> ConversionModel:
	"""One candidate fitted on all the given records, as a table of centred log-odds."""
	edges = {f: quantile_edges(values) for f, values in columns.items() if f in NUMERIC}
	shell = ConversionModel(kind, 0.0, {f: {} for f in columns}, edges)
	categories = {f: [shell.category(f, v) for v in values] for f, values in columns.items()}
	for f, values in categories.items():  # rare values are one "other" value
		counts: dict[str, int] = {}
		for v in values:
			counts[v] = counts.get(v, 0) + 1
		categories[f] = [v if counts[v] >= MIN_COUNT else OTHER for v in values]
	features = list(categories)
	matrix = np.array([categories[f] for f in features], dtype=object).T
	y = np.asarray(outcome, dtype=int)
	if kind == "logistic":
		raw, intercept = _logistic(matrix, y, features)
	else:
		raw, intercept = _naive_bayes(matrix, y, features)
	# Centre each feature on its training average, so a value's number says how it moves an average record.
	contributions = {}
	for j, f in enumerate(features):
		values, counts = np.unique(matrix[:, j].astype(str), return_counts=True)
		average = float(
			sum(raw[f][v] * c for v, c in zip(values.tolist(), counts.tolist(), strict=True)) / len(y)
		)
		contributions[f] = {v: w - average for v, w in raw[f].items()}
		contributions[f].setdefault(OTHER, -average)  # a value never seen: as the one-hot's zero
		intercept += average
	return ConversionModel(kind, float(intercept), contributions, edges)


def _logistic(matrix, y, features):
	from sklearn.linear_model import LogisticRegression
	from sklearn.preprocessing import OneHotEncoder

	encoder = OneHotEncoder(handle_unknown="ignore")
	encoded = encoder.fit_transform(matrix.astype(str))
	model = LogisticRegression(C=1.0, max_iter=2000).fit(encoded, y)
	weights = model.coef_[0]
	raw, start = {}, 0
	for f, cats in zip(features, encoder.categories_, strict=True):
		raw[f] = {str(c): float(w) for c, w in zip(cats, weights[start : start + len(cats)], strict=True)}
		start += len(cats)
	return raw, float(model.intercept_[0])


def _naive_bayes(matrix, y, features):
	from sklearn.naive_bayes import CategoricalNB
	from sklearn.preprocessing import OrdinalEncoder

	encoder = OrdinalEncoder()
	encoded = encoder.fit_transform(matrix.astype(str)).astype(int)
	model = CategoricalNB(alpha=1.0, min_categories=[len(c) for c in encoder.categories_]).fit(encoded, y)
	raw = {}
	for j, (f, cats) in enumerate(zip(features, encoder.categories_, strict=True)):
		log_prob = model.feature_log_prob_[j]  # classes x categories
		raw[f] = {str(c): float(log_prob[1][i] - log_prob[0][i]) for i, c in enumerate(cats)}
	prior = model.class_log_prior_
	return raw, float(prior[1] - prior[0])


def quantile_edges(values: list) -> list[float]:
	numbers = np.array([float(v) for v in values if _is_number(v)], dtype=float)
	if not len(numbers):
		return []
	inner = np.quantile(numbers, np.linspace(0, 1, RANGES + 1)[1:-1])
	return [float(e) for e in np.unique(np.round(inner, 2))]


def _is_number(value) -> bool:
	try:
		return not math.isnan(float(value))
	except (TypeError, ValueError):
		return False
