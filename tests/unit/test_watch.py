"""Key accounts watched: when a key account is at risk of being lost, why, and what to offer it."""

from datetime import date

from customer_priority.engine.history import Aggregate
from customer_priority.engine.pipeline import standing_for
from customer_priority.engine.ranking import Ranked, RfmCutoffs
from customer_priority.engine.settings import Settings
from customer_priority.engine.watch import WatchFacts, decide_watch, quarter_to_date, what_to_offer

S = Settings()


def test_two_opportunities_lost_to_competitors_put_a_key_account_at_risk():
	one = decide_watch(WatchFacts(lost_to_competitors=1, competitors=("Rival Co",)), S)
	assert not one.at_risk
	two = decide_watch(WatchFacts(2, ("Rival Co",), ("Price",)), S)
	assert two.at_risk
	assert (
		str(two.reasons[0])
		== "Lost 2 opportunities to competitors (Rival Co) in the last 365 days; why: Price"
	)
	assert not decide_watch(WatchFacts(5, ("Rival Co",)), S.replace(at_risk_lost_opportunities=0)).at_risk


def test_a_falling_quarter_and_a_falling_share_of_the_group_put_it_at_risk():
	falling = decide_watch(WatchFacts(quarter_value=600, last_year_value=1000), S)
	assert [str(r) for r in falling.reasons] == [
		"Bought 600 this quarter against 1,000 in the same days last year (-40%)"
	]
	assert not decide_watch(WatchFacts(quarter_value=800, last_year_value=1000), S).at_risk
	assert not decide_watch(WatchFacts(quarter_value=0, last_year_value=0), S).at_risk, "nothing to compare"
	share = decide_watch(
		WatchFacts(quarter_value=900, last_year_value=1000, group_share=10, last_year_group_share=20), S
	)
	assert share.at_risk and "fell from 20.0% to 10.0%" in str(share.reasons[-1])


def test_the_quarter_so_far_and_the_same_days_last_year():
	assert quarter_to_date(date(2026, 11, 24)) == (
		(date(2026, 10, 1), date(2026, 11, 24)),
		(date(2025, 10, 1), date(2025, 11, 24)),
	)
	assert quarter_to_date(date(2028, 2, 29))[1] == (date(2027, 1, 1), date(2027, 2, 28))


def test_what_to_offer_is_what_most_peers_buy_and_it_does_not():
	peers = {"Consumable": 2, "Products": 3, "Raw Material": 1, "Services": 0}
	assert what_to_offer({"Products"}, peers) == [("Consumable", 2), ("Raw Material", 1)]
	assert what_to_offer(set(), peers, limit=1) == [("Products", 3)]


def test_a_key_account_at_risk_may_leave_for_the_tier_rules_and_says_why():
	today = date(2026, 6, 30)
	agg = Aggregate("K", 5000, 6, 5000, 6, date(2025, 8, 1), today)
	ranked = Ranked("K", 5000, 1, 100, 100, 100, "A")
	why = decide_watch(WatchFacts(2, ("Rival Co",), ("Price",)), S).reasons
	at_risk = standing_for(agg, ranked, RfmCutoffs(), today, S, marked_key=True, risk=why)
	assert at_risk.at_risk and at_risk.why("risk") == why
	assert why[0] in at_risk.why("tier")
	plain = standing_for(Aggregate("C", 50, 1, 50, 1, today, today), None, RfmCutoffs(), today, S, risk=why)
	assert not plain.at_risk, "only key accounts are watched"
