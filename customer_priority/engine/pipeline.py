"""One customer's full standing, and the whole population's, from aggregates.

``standing_for`` is the per-customer reference: the order hooks and the override actions decide one customer
through it, and the recompute asks it for the reasons and log of the customers that changed. The whole
population (the recompute, Customer Ranking, the CLI) is decided by ``bulk.decide_population`` over arrays, which
the property tests prove equal to it field by field; ``reference.compute_all`` runs it over a population, for
those tests and the benchmarks' baselines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .history import Aggregate
from .i18n import Reason, _, reason
from .keyaccount import (
	KeyDecision,
	PotentialProfile,
	decide_key_account,
	decide_relationship_level,
	has_key_potential,
	potential_score,
)
from .levels import LevelDecision, decide_level, points_from_rfm
from .predicted import prediction_flags, prediction_reasons
from .ranking import Ranked, RfmCutoffs, is_thin_margin, margin_reason, score_rfm
from .roles import decide_lifecycle
from .settings import Settings
from .tiers import (
	LastRequest,
	Relationship,
	RequestFacts,
	Stage,
	TierDecision,
	decide_request_tier,
	relationship_from_lifecycle,
)

CHURN_SEGMENTS = ("At Risk", "Cannot Lose")


@dataclass(slots=True)
class Standing:
	customer: str
	aggregate: Aggregate
	rank: int | None = None
	percentile: float = 0.0
	share: float = 0.0
	cumulative_share: float = 0.0
	abc: str = "C"
	rfm_code: str = ""
	segment: str = "No Orders"
	points: float = 0.0
	level: str = ""
	level_change: str | None = None
	lifecycle: str = "Prospect"
	is_key: bool = False
	key_source: str | None = None
	relationship_level: str = "Lead"
	potential_score: float = 0.0
	tier: str = "Low"
	at_risk: bool = False
	"""A key account the watch found at risk of being lost (``engine.watch``): the tier rules read "may leave"."""
	p_alive: float | None = None
	"""The purchase models' probability the customer is still buying (``engine.clv``); None when not predicted."""
	expected_value: float | None = None
	predicted_leaving: bool = False
	predicted_potential: bool = False
	"""What the predictions told the tier rules (``engine.predicted``), when Settings switch them on."""
	reasons: dict[str, list[Reason]] = field(default_factory=dict)
	"""Reasons per decision: "tier", "level", "rank", "lifecycle", "key", "relationship", "risk"."""

	def why(self, topic: str = "tier") -> list[Reason]:
		return self.reasons.get(topic, [])


def customer_request_facts(
	lifecycle: str | None,
	is_key: bool,
	segment: str | None,
	at_risk: bool,
	abc: str | None,
	window_value: float,
	potential_score: float,
	settings: Settings,
	predicted_leaving: bool = False,
	predicted_potential: bool = False,
) -> RequestFacts:
	"""What a customer's standing says about an ordinary request from it: the one rule read by the standing's own
	tier (here and, once per distinct set of facts, by ``bulk``) and by a lead's or opportunity's request from
	that customer (``requests.facts``). A key account's requests count as important; "may leave" is an RFM churn
	segment, the watch's at-risk flag or, when Settings say so, the purchase models (``engine.predicted``), which
	may also give it key-account potential."""
	relationship = relationship_from_lifecycle(lifecycle)
	return RequestFacts(
		relationship=relationship,
		is_key_account=is_key,
		stage=Stage.NONE,
		last_request=LastRequest.NOT_ASKED,
		important=is_key,
		churn_risk=segment in CHURN_SEGMENTS or at_risk or predicted_leaving,
		key_potential=has_key_potential(abc, window_value, potential_score, settings) or predicted_potential,
		# A customer record with no order and no potential profile is as unknown as a first contact.
		gave_details=relationship is not Relationship.PROSPECT or potential_score > 0,
	)


def _request_key(standing: Standing, settings: Settings) -> tuple:
	"""``customer_request_facts`` of this standing as a plain tuple of the ``RequestFacts`` fields in order (cheap
	to look up in the run's memo)."""
	facts = customer_request_facts(
		standing.lifecycle,
		standing.is_key,
		standing.segment,
		standing.at_risk,
		standing.abc,
		standing.aggregate.window_value,
		standing.potential_score,
		settings,
		standing.predicted_leaving,
		standing.predicted_potential,
	)
	return (
		facts.relationship,
		facts.is_key_account,
		facts.stage,
		facts.last_request,
		facts.important,
		facts.churn_risk,
		facts.key_potential,
		facts.gave_details,
	)


class DecisionMemo:
	"""Decisions that depend on a few discrete inputs, made once per run and shared (they are immutable).

	A population of 100,000 customers has a few hundred distinct (points, previous level) pairs and a few dozen
	request situations, so the ranking job decides each once instead of once per customer.
	"""

	def __init__(self, settings: Settings):
		self.settings = settings
		self.levels: dict[tuple[float, str | None], LevelDecision] = {}
		self.tiers: dict[tuple, TierDecision] = {}

	def level(self, points: float, previous: str | None) -> LevelDecision:
		key = (points, previous)
		decision = self.levels.get(key)
		if decision is None:
			decision = self.levels[key] = decide_level(points, previous, self.settings)
		return decision

	def tier(self, facts_key: tuple) -> TierDecision:
		decision = self.tiers.get(facts_key)
		if decision is None:
			decision = self.tiers[facts_key] = decide_request_tier(RequestFacts(*facts_key), self.settings)
		return decision


def key_account_of(
	ranked: Ranked | None,
	potential: float | None,
	settings: Settings,
	is_internal: bool = False,
	marked_key: bool = False,
	bought: float | None = None,
) -> KeyDecision:
	"""A customer's key-account decision as its standing makes it: our own company is neither ranked nor marked.
	``potential`` is the score of its profile, None without one; ``bought`` its revenue in the window."""
	return decide_key_account(
		None if is_internal else ranked,
		potential,
		settings,
		marked_by_hand=marked_key and not is_internal,
		bought=bought,
	)


def standing_for(
	agg: Aggregate,
	ranked: Ranked | None,
	cutoffs: RfmCutoffs,
	as_of: date,
	settings: Settings,
	previous_level: str | None = None,
	profile: PotentialProfile | None = None,
	is_internal: bool = False,
	memo: DecisionMemo | None = None,
	marked_key: bool = False,
	risk: list[Reason] | None = None,
	prediction: tuple[float, float] | None = None,
) -> Standing:
	"""``risk``: why the watch found the customer at risk of being lost (it counts only for a key account).
	``prediction``: the purchase models' (P(alive), expected value), NaN or None where nothing was predicted."""
	memo = memo or DecisionMemo(settings)
	st = Standing(agg.customer, agg)
	if ranked is not None:
		st.rank, st.percentile, st.share = ranked.rank, ranked.percentile, ranked.share
		st.cumulative_share, st.abc = ranked.cumulative_share, ranked.abc
		st.reasons["rank"] = ranked.reasons
	margin = margin_reason(agg, settings)
	if margin is not None:
		st.reasons["rank"] = [*st.reasons.get("rank", []), margin]
	rfm = score_rfm(agg, cutoffs, as_of)
	st.rfm_code, st.segment = (rfm.code if rfm.recency else ""), rfm.segment
	st.points = points_from_rfm(rfm, settings)
	level = memo.level(st.points, previous_level)
	st.level, st.level_change, st.reasons["level"] = level.level, level.change, level.reasons
	life = decide_lifecycle(agg, as_of, settings, is_internal=is_internal)
	st.lifecycle, st.reasons["lifecycle"] = life.role, life.reasons
	st.potential_score = potential_score(profile, settings) if profile and not profile.is_empty else 0.0
	key = key_account_of(
		ranked,
		st.potential_score if profile else None,
		settings,
		is_internal,
		marked_key,
		bought=agg.window_value,
	)
	st.is_key, st.key_source, st.reasons["key"] = key.is_key, key.source, key.reasons
	st.at_risk = st.is_key and bool(risk)
	st.reasons["risk"] = list(risk) if st.at_risk else []
	st.relationship_level, st.reasons["relationship"] = decide_relationship_level(
		agg, ranked, st.lifecycle, settings
	)
	if prediction is not None:
		st.p_alive, st.expected_value = (None if v is None or v != v else float(v) for v in prediction)
		leaving, potential = prediction_flags(st.is_key, st.abc, *prediction, settings)
		st.predicted_leaving, st.predicted_potential = bool(leaving), bool(potential)
	tier = memo.tier(_request_key(st, settings))
	st.tier = tier.tier
	if st.is_key and tier.rule == 1:
		# The request rule speaks of "an important request"; on the account itself say what it means.
		st.reasons["tier"] = [reason(_("Key account: its requests come first")), *key.reasons]
	elif rfm.recency:
		st.reasons["tier"] = [
			*tier.reasons,
			reason(_("RFM {code}: {segment}"), code=st.rfm_code, segment=st.segment),
		]
	else:
		st.reasons["tier"] = tier.reasons
	if st.at_risk:
		st.reasons["tier"] = [*st.reasons["tier"], *st.reasons["risk"]]
	if st.predicted_leaving or st.predicted_potential:
		st.reasons["tier"] = [
			*st.reasons["tier"],
			*prediction_reasons(st.predicted_leaving, st.predicted_potential, settings),
		]
	if margin is not None and is_thin_margin(agg.window_invoiced, agg.window_profit, settings):
		# Revenue that leaves little profit must show wherever the customer's "why" is read.
		st.reasons["tier"] = [*st.reasons["tier"], margin]
	return st
