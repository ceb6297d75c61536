"""One home for each rule: the margin, the average order, the thin-margin test, the Pareto line and the facts a
customer's standing gives a request are each computed in one function, which every path (per customer, over
arrays, in the report and the CLI) calls. Each works on a number and on arrays alike; these properties hold the
two readings to each other."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority import cli
from customer_priority.engine.history import Aggregate, average_order_value, margin_percent
from customer_priority.engine.pipeline import Standing, _request_key, customer_request_facts
from customer_priority.engine.ranking import is_thin_margin, pareto_head
from customer_priority.engine.settings import Settings
from customer_priority.engine.tiers import RequestFacts

money = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
amounts = st.lists(st.tuples(money, st.one_of(st.just(0.0), money)), max_size=60)


@given(amounts, st.sampled_from([0.0, 5.0, 10.0, 37.5, 100.0]))
def test_the_margin_and_thin_margin_of_arrays_are_those_of_each_number(rows, threshold):
	s = Settings(thin_margin_percent=threshold)
	profit = np.array([p for p, _i in rows], dtype=float)
	invoiced = np.array([i for _p, i in rows], dtype=float)
	margins, thin = margin_percent(profit, invoiced), is_thin_margin(invoiced, profit, s)
	for row, (p, i) in enumerate(rows):
		one = margin_percent(p, i)
		assert (one is None) == bool(np.isnan(margins[row]))
		assert one is None or one == margins[row]
		assert is_thin_margin(i, p, s) == bool(thin[row])
		assert Aggregate("c", window_profit=p, window_invoiced=i).window_margin == one


def test_nothing_invoiced_has_no_margin_and_is_never_thin():
	assert margin_percent(50.0, 0.0) is None
	assert not is_thin_margin(0.0, -50.0, Settings(thin_margin_percent=50))
	assert margin_percent(5.0, 100.0) == 5.0 and is_thin_margin(100.0, 5.0, Settings(thin_margin_percent=10))
	assert not is_thin_margin(100.0, 5.0, Settings(thin_margin_percent=0)), "a threshold of 0 turns it off"


@given(st.lists(st.tuples(money, st.integers(0, 10_000)), max_size=60))
def test_the_average_order_of_arrays_is_that_of_each_number(rows):
	value = np.array([v for v, _n in rows], dtype=float)
	orders = np.array([n for _v, n in rows], dtype=np.int64)
	averages = average_order_value(value, orders)
	for row, (v, n) in enumerate(rows):
		assert average_order_value(v, n) == averages[row]
		assert Aggregate("c", lifetime_value=v, order_count=n).average_order_value == averages[row]
	assert average_order_value(100.0, 0) == 0.0


@settings(max_examples=50)
@given(
	st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=30),
	st.floats(1, 99, allow_nan=False),
)
def test_the_pareto_line_follows_the_class_a_cut_off(shares, cutoff):
	cumulative = np.cumsum(shares) / max(sum(shares), 1e-9) * 100
	top, percent = pareto_head(cumulative.tolist(), Settings(abc_a_cutoff=cutoff, abc_b_cutoff=99.5))
	assert cumulative[top - 1] >= cutoff - 1e-9 or top == len(shares)
	assert top == 1 or cumulative[top - 2] < cutoff - 1e-9
	assert percent == 100.0 * top / len(shares)


def test_the_clis_line_names_the_cut_off_the_report_uses(capsys, tmp_path):
	path = tmp_path / "settings.json"
	path.write_text('{"abc_a_cutoff": 70, "abc_b_cutoff": 95}')
	assert cli.main(["demo", "--settings", str(path)]) == 0
	out = capsys.readouterr().out
	assert "bring 70% of it" in out and "bring 80%" not in out


segments = st.sampled_from(["Champions", "At Risk", "Cannot Lose", "Hibernating", "", None])
lifecycles = st.sampled_from(["Prospect", "New", "Repeat", "Lapsed", "Reborn", None])


@given(
	lifecycles,
	st.booleans(),
	segments,
	st.booleans(),
	st.sampled_from(["A", "B", "C", "", None]),
	st.floats(0, 1e6),
	st.floats(0, 100),
)
def test_a_standings_request_key_is_the_customer_request_facts(life, key, segment, risk, abc, value, score):
	s = Settings()
	facts = customer_request_facts(life, key, segment, risk, abc, value, score, s)
	assert isinstance(facts, RequestFacts)
	standing = Standing(
		"c",
		Aggregate("c", window_value=value),
		lifecycle=life,
		is_key=key,
		segment=segment or "",
		at_risk=risk,
		abc=abc,
		potential_score=score,
	)
	assert RequestFacts(*_request_key(standing, s)) == facts
	assert facts.churn_risk == (segment in ("At Risk", "Cannot Lose") or risk), "at risk reads as may leave"


def test_an_at_risk_key_account_may_leave_in_every_reading():
	facts = customer_request_facts("Repeat", True, "Champions", True, "A", 1000.0, 0.0, Settings())
	assert facts.churn_risk and facts.is_key_account and facts.important
