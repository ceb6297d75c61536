import itertools

import pytest

from customer_priority.engine.settings import TIERS, Settings
from customer_priority.engine.tiers import (
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


def all_facts():
	for rel, key, stage, last, important, churn, potential, details in itertools.product(
		Relationship,
		(False, True),
		Stage,
		LastRequest,
		(False, True),
		(False, True),
		(False, True),
		(False, True),
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
	assert count == 4 * 2 * 3 * 4 * 2 * 2 * 2 * 2
	assert seen_rules == set(range(1, 12)), "every rule of the table is reachable"


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
