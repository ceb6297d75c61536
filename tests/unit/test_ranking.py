import itertools
import random
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from customer_priority.engine.history import Aggregate, Order
from customer_priority.engine.ranking import (
	RfmCutoffs,
	pareto_summary,
	quintile_cutoffs,
	rank,
	rfm_cutoffs,
	score_higher_better,
	score_lower_better,
	score_rfm,
	segment_for,
)
from customer_priority.engine.reference import aggregate_orders
from customer_priority.engine.settings import Settings

S = Settings()
AS_OF = date(2026, 6, 30)

values_strategy = st.dictionaries(
	st.text(alphabet="abcdefgh", min_size=1, max_size=4),
	st.tuples(st.floats(min_value=0, max_value=1e7, allow_nan=False), st.floats(min_value=0, max_value=1e8)),
	min_size=1,
	max_size=60,
)


def test_aggregate_counts_only_submitted_orders_and_splits_the_window():
	orders = [
		Order("A", date(2026, 6, 1), 100.0),
		Order("A", date(2024, 1, 1), 50.0),
		Order("A", date(2026, 6, 2), 999.0, docstatus=0),
		Order("A", date(2026, 6, 3), 999.0, docstatus=2),
		Order("B", date(2026, 6, 30), 10.0),
	]
	aggs = aggregate_orders(orders, AS_OF, S)
	a = aggs["A"]
	assert (a.lifetime_value, a.order_count, a.window_value, a.window_order_count) == (150.0, 2, 100.0, 1)
	assert (a.first_order, a.last_order) == (date(2024, 1, 1), date(2026, 6, 1))
	assert a.average_order_value == 75.0
	assert aggs["B"].window_value == 10.0


def test_window_edges_are_inclusive():
	first_day = AS_OF - timedelta(days=S.lookback_days - 1)
	aggs = aggregate_orders(
		[Order("A", first_day, 1.0), Order("A", first_day - timedelta(days=1), 2.0)], AS_OF, S
	)
	assert aggs["A"].window_value == 1.0


@given(values_strategy, st.randoms())
def test_ranking_is_invariant_to_input_order(values, rnd):
	items = list(values.items())
	rnd.shuffle(items)
	assert [(r.customer, r.rank, r.abc) for r in rank(dict(items), S)] == [
		(r.customer, r.rank, r.abc) for r in rank(values, S)
	]


@given(values_strategy)
def test_shares_sum_to_100_and_cumulative_share_is_monotonic(values):
	ranked = rank(values, S)
	total = sum(v[0] for v in values.values())
	if total > 0:
		assert abs(sum(r.share for r in ranked) - 100.0) < 1e-6
		assert abs(ranked[-1].cumulative_share - 100.0) < 1e-6
	cumulative = [r.cumulative_share for r in ranked]
	assert cumulative == sorted(cumulative)
	assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
	order = {"A": 0, "B": 1, "C": 2}
	classes = [order[r.abc] for r in ranked]
	assert classes == sorted(classes), "classes never go back from C to A down the ranking"


@given(values_strategy)
def test_class_a_holds_at_least_the_a_cutoff_share(values):
	ranked = rank(values, S)
	if sum(v[0] for v in values.values()) > 0:
		a_share = sum(r.share for r in ranked if r.abc == "A")
		assert a_share >= S.abc_a_cutoff - 1e-6
		without_last_a = a_share - ([r for r in ranked if r.abc == "A"][-1].share)
		assert without_last_a < S.abc_a_cutoff + 1e-6, "A is the smallest head that reaches the cut-off"


def test_pareto_example():
	values = {f"c{i}": (v, v) for i, v in enumerate([500, 300, 100, 50, 30, 10, 5, 3, 1, 1])}
	ranked = rank(values, S)
	assert [r.abc for r in ranked] == ["A", "A", "B", "B", "C", "C", "C", "C", "C", "C"]
	assert pareto_summary(ranked, S) == (2, 20.0)
	assert ranked[0].percentile == 100.0
	assert ranked[-1].percentile == ranked[-2].percentile, "ties share a percentile"


def test_zero_value_customers_are_class_c():
	ranked = rank({"a": (0.0, 0.0), "b": (0.0, 10.0)}, S)
	assert {r.abc for r in ranked} == {"C"}
	assert ranked[0].customer == "b", "lifetime value breaks ties"


def test_quintile_cutoffs_and_scores():
	values = [float(v) for v in range(1, 11)]
	assert quintile_cutoffs(values) == (2.0, 4.0, 6.0, 8.0)
	assert [score_higher_better(v, (2.0, 4.0, 6.0, 8.0)) for v in values] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
	assert [score_lower_better(v, (2.0, 4.0, 6.0, 8.0)) for v in values] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
	assert score_higher_better(5.0, ()) == 3


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=100))
def test_equal_values_score_alike_and_scores_are_monotonic(values):
	cuts = quintile_cutoffs(values)
	scored = sorted((v, score_higher_better(v, cuts)) for v in values)
	assert all(a[1] <= b[1] for a, b in itertools.pairwise(scored))
	assert all(1 <= s <= 5 for _v, s in scored)


def test_rfm_segments():
	assert segment_for(5, 5, 5) == "Champions"
	assert segment_for(1, 5, 5) == "Cannot Lose"
	assert segment_for(2, 3, 1) == "At Risk"
	assert segment_for(1, 1, 1) == "Lost"
	assert segment_for(5, 1, 1) == "New"
	assert segment_for(3, 2, 2) == "Need Attention"
	assert score_rfm(Aggregate("x"), RfmCutoffs(), AS_OF).segment == "No Orders"


def test_rfm_on_a_population():
	rng = random.Random(3)
	orders = [
		Order(f"c{rng.randrange(40)}", AS_OF - timedelta(days=rng.randrange(700)), rng.uniform(1, 1000))
		for _ in range(600)
	]
	aggs = aggregate_orders(orders, AS_OF, S)
	cuts = rfm_cutoffs(aggs.values(), AS_OF)
	assert RfmCutoffs.from_dict(cuts.to_dict()) == cuts
	scores = [score_rfm(a, cuts, AS_OF) for a in aggs.values()]
	assert {s.recency for s in scores} <= {1, 2, 3, 4, 5}
	assert len({s.monetary for s in scores}) == 5
