from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_priority.engine.announcements import announcement_for
from customer_priority.engine.evaluation import (
	QUESTIONS,
	EvaluationError,
	is_review_due,
	next_review_due,
	score_evaluation,
)
from customer_priority.engine.history import Aggregate, Order, is_return_after_lapse
from customer_priority.engine.keyaccount import (
	PotentialProfile,
	decide_key_account,
	decide_relationship_level,
	potential_score,
)
from customer_priority.engine.ranking import Ranked
from customer_priority.engine.reference import aggregate_orders, reborn_on_from_dates
from customer_priority.engine.roles import buying_role_play, decide_lifecycle
from customer_priority.engine.settings import Settings

S = Settings()
TODAY = date(2026, 6, 30)


def agg(count, first, last, reborn=None):
	return Aggregate(
		"c",
		lifetime_value=100.0 * count,
		order_count=count,
		window_value=100.0,
		window_order_count=1,
		first_order=first,
		last_order=last,
		reborn_on=reborn,
	)


def test_lifecycle_roles():
	assert decide_lifecycle(Aggregate("c"), TODAY, S).role == "Prospect"
	assert decide_lifecycle(agg(1, TODAY, TODAY), TODAY, S).role == "New"
	assert decide_lifecycle(agg(5, date(2026, 1, 1), date(2026, 6, 1)), TODAY, S).role == "Repeat"
	assert decide_lifecycle(agg(1, date(2024, 1, 1), date(2024, 1, 1)), TODAY, S).role == "Lapsed"
	assert (
		decide_lifecycle(agg(4, date(2023, 1, 1), date(2026, 6, 1), date(2026, 6, 1)), TODAY, S).role
		== "Reborn"
	)
	assert (
		decide_lifecycle(agg(4, date(2023, 1, 1), date(2026, 6, 1)), TODAY, S, is_internal=True).role
		== "Internal"
	)


def test_lapse_by_own_interval():
	# ordered every 10 days for 100 days, silent for 70: lapsed by 3x interval (30) floored at 60 days
	history = agg(11, date(2026, 1, 1), date(2026, 4, 11))
	assert decide_lifecycle(history, date(2026, 6, 20), S).role == "Lapsed"
	assert decide_lifecycle(history, date(2026, 6, 5), S).role == "Repeat"
	no_interval_rule = S.replace(lapse_interval_multiplier=0)
	assert decide_lifecycle(history, date(2026, 6, 20), no_interval_rule).role == "Repeat"


def test_reborn_window_expires():
	back = agg(4, date(2023, 1, 1), date(2026, 6, 1), date(2025, 6, 1))
	assert decide_lifecycle(back, TODAY, S).role == "Repeat"


@given(st.lists(st.integers(min_value=0, max_value=2000), min_size=1, max_size=30))
def test_incremental_reborn_agrees_with_history(offsets):
	"""Adding orders one by one in date order gives the same Reborn date as the whole-history rule."""
	days = sorted(date(2020, 1, 1) + timedelta(days=o) for o in offsets)
	reborn, last = None, None
	for day in days:
		if is_return_after_lapse(last, day, S):
			reborn = day
		last = day if last is None or day > last else last
	assert reborn == reborn_on_from_dates(days, S)
	whole = aggregate_orders([Order("c", d, 1.0) for d in days], TODAY, S)["c"]
	assert whole.reborn_on == reborn


def test_buying_roles():
	assert "budget" in buying_role_play("Wallet")
	assert "veto" in buying_role_play("Ally")
	assert "Wallet" in buying_role_play("Airbag")
	assert buying_role_play("nonsense") == buying_role_play("Unknown")


def test_potential_score():
	assert potential_score(PotentialProfile(), S) == 0
	full = PotentialProfile(5, 5, 5, 100_000, 100, 5)
	assert potential_score(full, S) == 100
	only_purchase = PotentialProfile(purchase_potential=5)
	only_brand = PotentialProfile(brand_strength=5)
	assert potential_score(only_purchase, S) == 3 * potential_score(only_brand, S)
	assert potential_score(PotentialProfile(brand_strength=99), S) == potential_score(only_brand, S)


def ranked(percentile, value=1000.0, abc="A"):
	return Ranked("c", value, 1, percentile, 10.0, 10.0, abc)


def test_key_account_by_value_and_by_potential():
	assert decide_key_account(ranked(99), None, S).source == "Value"
	assert not decide_key_account(ranked(90), None, S).is_key
	by_min = S.replace(key_account_min_window_value=500)
	assert decide_key_account(ranked(50), None, by_min).is_key
	assert decide_key_account(ranked(50), 80.0, S).source == "Potential"
	assert not decide_key_account(ranked(50), 69.0, S).is_key
	assert not decide_key_account(ranked(99, value=0.0), None, S).is_key
	assert not decide_key_account(ranked(99), None, S.replace(key_account_top_percent=0)).is_key


def test_relationship_levels():
	assert decide_relationship_level(None, None, "Prospect", S)[0] == "Lead"
	small = agg(2, date(2026, 1, 1), date(2026, 6, 1))
	assert decide_relationship_level(small, ranked(50, abc="B"), "Repeat", S)[0] == "Small Buyer"
	assert decide_relationship_level(small, ranked(99), "Repeat", S)[0] == "Major Buyer (Not Loyal)"
	loyal = agg(8, date(2025, 1, 1), date(2026, 6, 1))
	assert decide_relationship_level(loyal, ranked(99), "Repeat", S)[0] == "Loyal Major Buyer"
	assert decide_relationship_level(loyal, ranked(99), "Lapsed", S)[0] == "Major Buyer (Not Loyal)"


def test_evaluation_scorecard():
	assert len(QUESTIONS) == 7
	top = score_evaluation(dict.fromkeys((q for q, _t in QUESTIONS), 5), S)
	assert (top.total, top.band) == (100.0, "Strategic")
	low = score_evaluation(dict.fromkeys((q for q, _t in QUESTIONS), 1), S)
	assert (low.total, low.band) == (0.0, "Weak")
	mixed = score_evaluation({"q1": 5, "q2": 4, "q3": 3, "q4": 3, "q5": 3, "q6": 2, "q7": 1}, S)
	assert mixed.total == 50.0 and mixed.band == "Fair"
	assert "question 7" in str(mixed.reasons[1])
	weighted = S.replace(evaluation_weights={**S.evaluation_weights, "q1": 6.0})
	assert (
		score_evaluation({"q1": 5, "q2": 1, "q3": 1, "q4": 1, "q5": 1, "q6": 1, "q7": 1}, weighted).total
		== 50.0
	)


@pytest.mark.parametrize("bad", [{}, {"q1": 0}, {"q1": 6}, {"q1": 2.5}, {"q1": "5"}, {"q1": True}])
def test_evaluation_refuses_bad_scores(bad):
	scores = {**dict.fromkeys((q for q, _t in QUESTIONS), 3), **bad} if bad else {}
	with pytest.raises(EvaluationError):
		score_evaluation(scores, S)


def test_review_schedule():
	assert next_review_due(TODAY, S) == TODAY + timedelta(days=90)
	assert next_review_due(TODAY, S, is_key_account=True) == TODAY + timedelta(days=30)
	assert is_review_due(TODAY, TODAY)
	assert is_review_due(None, TODAY), "never reviewed: due at once"
	assert not is_review_due(TODAY + timedelta(days=1), TODAY)


def test_announcements_are_for_changes_of_an_existing_standing():
	assert announcement_for("Key Account", "0", "1", True, True) == "became_key"
	assert announcement_for("Key Account", "0", "1", True, False) is None, "a first decision is not news"
	assert announcement_for("Tier", "High", "First", True, True) == "promoted_first"
	assert announcement_for("Tier", "First", "High", True, True) is None
	assert announcement_for("Lifecycle", "Repeat", "Lapsed", True, True) == "key_lapsed"
	assert announcement_for("Lifecycle", "Repeat", "Lapsed", False, True) is None
	assert announcement_for("Level", "Silver", "Gold", False, True) == "level_moved"
	assert announcement_for("Level", "", "Gold", False, True) is None
