import itertools
from dataclasses import replace

import pytest

from customer_priority.engine.settings import TIERS, Settings
from customer_priority.engine.tiers import (
	ASK_DETAILS,
	ASK_LAST_REQUEST,
	ASK_POTENTIAL,
	LastRequest,
	Relationship,
	RequestFacts,
	Stage,
	decide_request_tier,
	higher_tier,
	stage_from_sales_stage,
)

S = Settings()

# The seed article's own cases, one per row of its table.
SEED_CASES = [
	(
		"key customer, important request",
		RequestFacts(Relationship.CURRENT, is_key_account=True, important=True),
		"First",
	),
	(
		"final stage, said yes to last request",
		RequestFacts(Relationship.PROSPECT, stage=Stage.FINAL, last_request=LastRequest.YES),
		"High",
	),
	(
		"current customer who may leave, could become key",
		RequestFacts(Relationship.CURRENT, churn_risk=True, key_potential=True),
		"High",
	),
	(
		"in negotiation, wants another meeting",
		RequestFacts(Relationship.PROSPECT, stage=Stage.NEGOTIATING),
		"Medium",
	),
	(
		"final stage, answered no",
		RequestFacts(Relationship.PROSPECT, stage=Stage.FINAL, last_request=LastRequest.NO),
		"Medium",
	),
	(
		"final stage, vague answer",
		RequestFacts(Relationship.PROSPECT, stage=Stage.FINAL, last_request=LastRequest.UNCLEAR),
		"Medium",
	),
	("current customer, non-urgent question", RequestFacts(Relationship.CURRENT), "Medium"),
	(
		"unknown contact asking for a catalogue, evasive",
		RequestFacts(Relationship.NEW, gave_details=False, request_type="Catalogue"),
		"Low",
	),
	(
		"unknown contact asking for a sample, evasive",
		RequestFacts(Relationship.NEW, gave_details=False, request_type="Sample"),
		"Low",
	),
]


@pytest.mark.parametrize(("case", "facts", "tier"), SEED_CASES, ids=[c[0] for c in SEED_CASES])
def test_seed_cases(case, facts, tier):
	decision = decide_request_tier(facts, S)
	assert decision.tier == tier, case
	assert decision.reasons, "every decision carries its reasons"


ANSWERS = (None, False, True)
"""A fact a person records: not asked, no, yes."""


def all_facts():
	for rel, key, stage, last, important, churn, potential, details in itertools.product(
		Relationship,
		(False, True),
		Stage,
		LastRequest,
		ANSWERS,
		(False, True),
		ANSWERS,
		ANSWERS,
	):
		yield RequestFacts(rel, key, stage, last, important, churn, potential, details)


def test_every_combination_has_one_defined_answer():
	seen_rules = set()
	count = 0
	for facts in all_facts():
		decision = decide_request_tier(facts, S)
		assert decision.tier in TIERS
		assert decision.reasons and all(str(r) for r in decision.reasons)
		seen_rules.add(decision.rule)
		count += 1
	assert count == 4 * 2 * 3 * 4 * 3 * 2 * 3 * 3
	assert seen_rules == set(range(1, 13)), "every rule of the table is reachable"


def test_a_key_account_is_key_in_every_rule():
	"""Buying or not buying yet: its important requests come first, and it is never Low."""
	for facts in all_facts():
		if facts.is_key_account:
			tier = decide_request_tier(facts, S).tier
			assert tier == ("First" if facts.important else S.key_account_routine_tier), facts
			assert tier != "Low"


def test_first_tier_only_for_key_accounts():
	for facts in all_facts():
		if decide_request_tier(facts, S).tier == "First":
			assert facts.is_key_account


def test_settings_refuse_a_low_tier_for_key_accounts():
	assert "key_account_routine_tier" in {f for f, _r in S.replace(key_account_routine_tier="Low").problems()}


def test_important_request_never_lowers_the_tier():
	for facts in all_facts():
		if facts.important:
			continue
		plain = decide_request_tier(facts, S).tier
		urgent = decide_request_tier(RequestFacts(**{**facts.__dict__, "important": True}), S).tier
		assert TIERS.index(urgent) <= TIERS.index(plain), facts


def test_request_type_from_settings_makes_it_important():
	facts = RequestFacts(Relationship.CURRENT, is_key_account=True, request_type="Complaint")
	assert decide_request_tier(facts, S).tier == "First"
	relaxed = S.replace(important_request_types=["Order"])
	assert decide_request_tier(facts, relaxed).tier == "High"


def test_configurable_tiers_are_used():
	facts = RequestFacts(Relationship.CURRENT, is_key_account=True)
	assert decide_request_tier(facts, S.replace(key_account_routine_tier="First")).tier == "First"
	churn = RequestFacts(Relationship.CURRENT, churn_risk=True)
	assert decide_request_tier(churn, S).tier == "Medium"
	assert decide_request_tier(churn, S.replace(churn_without_potential_tier="High")).tier == "High"


def test_sales_stage_mapping():
	assert stage_from_sales_stage("Negotiation/Review", S) is Stage.FINAL
	assert stage_from_sales_stage("Proposal/Price Quote", S) is Stage.NEGOTIATING
	assert stage_from_sales_stage("Prospecting", S) is Stage.NONE
	assert stage_from_sales_stage(None, S) is Stage.NONE
	assert stage_from_sales_stage("Prospecting", S, final_flag=True) is Stage.FINAL


def test_higher_tier():
	assert higher_tier("Low", "High") == "High"
	assert higher_tier("First", "Medium") == "First"


RECORDED_FACT_WORDS = {
	"gave_details": ("evasive", "open about volume"),
	"important": ("important or urgent request", "important request"),
	"key_potential": ("with the potential to become key", "without key-account potential"),
}


def test_a_reason_never_cites_a_fact_nobody_recorded():
	for facts in all_facts():
		decision = decide_request_tier(facts, S)
		text = " ".join(str(r) for r in decision.reasons)
		for field, words in RECORDED_FACT_WORDS.items():
			if getattr(facts, field) is None and not (field == "important" and facts.request_type):
				assert not any(word in text for word in words), (facts, text)


def test_an_unknown_fact_that_would_change_the_tier_makes_the_request_to_qualify():
	for facts in all_facts():
		decision = decide_request_tier(facts, S)
		for field in ("important", "key_potential", "gave_details"):
			if getattr(facts, field) is not None:
				continue
			answers = {decide_request_tier(replace(facts, **{field: a}), S).tier for a in (True, False)}
			if answers != {decision.tier}:
				assert decision.to_qualify, (facts, field)


def test_a_first_contact_nobody_asked_is_to_qualify_at_the_settings_tier_not_low():
	facts = RequestFacts(Relationship.NEW, important=None, key_potential=None, gave_details=None)
	decision = decide_request_tier(facts, S)
	assert (decision.tier, decision.rule) == ("Medium", 12)
	assert decision.ask == (ASK_DETAILS, ASK_POTENTIAL)
	assert decide_request_tier(facts, Settings(unqualified_tier="High")).tier == "High"
	recorded = decide_request_tier(replace(facts, gave_details=False), S)
	assert recorded.tier == "Low" and "evasive" in str(recorded.reasons[0]), "a recorded evasion is still Low"


def test_the_final_stage_asks_the_last_request_question_when_nobody_asked():
	facts = RequestFacts(Relationship.PROSPECT, stage=Stage.FINAL, last_request=LastRequest.NOT_ASKED)
	decision = decide_request_tier(facts, S)
	assert decision.tier == "Medium" and decision.ask == (ASK_LAST_REQUEST,)
	assert "was" not in str(decision.reasons[0]), "no answer is cited"
	answered = decide_request_tier(replace(facts, last_request=LastRequest.YES), S)
	assert (answered.tier, answered.to_qualify) == ("High", False)


def test_an_important_request_type_needs_no_question():
	facts = RequestFacts(Relationship.CURRENT, important=None, request_type="Urgent Problem")
	decision = decide_request_tier(facts, S)
	assert decision.tier == S.urgent_current_tier and not decision.to_qualify
