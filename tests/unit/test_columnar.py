"""Order rows as columns: aggregated as the reference aggregates histories, decided and explained as the reference
decides and explains each customer."""

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority.engine.bulk import Population, decide_population
from customer_priority.engine.columnar import ProfitColumns, population_from_orders, standings, tier_reasons
from customer_priority.engine.history import Aggregate, add_profits
from customer_priority.engine.i18n import reason, render_reasons
from customer_priority.engine.keyaccount import PotentialProfile, potential_score
from customer_priority.engine.predicted import LEAVING_BY_PREDICTION, POTENTIAL_BY_PREDICTION
from customer_priority.engine.reference import aggregate_histories, collect_orders, compute_all
from customer_priority.engine.settings import Settings

AS_OF = date(2026, 6, 30)
NAMES = [f"C{i:02d}" for i in range(12)]
SETTINGS = (
	Settings(),
	Settings(lookback_days=30, lapse_days=20, reborn_window_days=40),
	Settings(key_account_min_window_value=2000, major_buyer_min_window_value=1500, abc_a_cutoff=60),
	Settings(
		lapse_interval_multiplier=0, key_account_top_percent=0, loyal_min_orders=2, potential_threshold=30
	),
	# The purchase models' predictions read by the rules: "may leave" and key potential.
	Settings(
		p_alive_may_leave=True,
		p_alive_may_leave_percent=50,
		expected_value_key_potential=True,
		expected_value_key_potential_min=1000,
	),
)
POPULATION_FIELDS = (
	"window_value",
	"lifetime_value",
	"order_count",
	"window_order_count",
	"first_order",
	"last_order",
	"reborn_on",
	"window_profit",
	"lifetime_profit",
	"window_invoiced",
)

orders = st.lists(
	st.tuples(
		st.sampled_from(NAMES[:2] * 8 + NAMES),  # skewed: a few customers hold many orders
		st.integers(-800, 60),  # days from AS_OF: some after it, as with an earlier --as-of
		# cents, so most totals are inexact in binary and the order of additions shows in the last digit
		st.one_of(
			st.integers(0, 500_000).map(lambda c: c / 100), st.sampled_from([0.1, 0.2, 0.3, -5.5, 1e9])
		),
	),
	max_size=60,
)
# Customers buying alike (same days, amounts in proportion): what makes reasons shared, or wrongly shared.
twins = st.tuples(
	st.lists(
		st.tuples(st.integers(-800, 60), st.integers(1, 500_000).map(lambda c: c / 100)),
		min_size=1,
		max_size=6,
	),
	st.lists(st.sampled_from([1.0, 1.001, 1.002, 1.003, 2.0]), min_size=2, max_size=12),
).map(lambda t: [(NAMES[i], day, amount * f) for i, f in enumerate(t[1]) for day, amount in t[0]])
any_orders = st.one_of(orders, twins)
profiles = st.dictionaries(
	st.sampled_from([*NAMES, "Quiet Ltd", "Own Co"]),
	st.builds(
		PotentialProfile,
		st.integers(0, 5),
		st.integers(0, 5),
		st.integers(0, 5),
		st.sampled_from([0, 60, 800]),
		st.sampled_from([0, 12, 40]),
		st.integers(0, 5),
	),
	max_size=4,
)


# Gross profit per invoice: (customer, days from AS_OF, net amount, gross profit); some thin, some returns, and a
# customer with profit and no order.
invoices = st.lists(
	st.tuples(
		st.sampled_from([*NAMES[:2] * 4, *NAMES[:6], "Profit Only"]),
		st.integers(-800, 60),
		st.sampled_from([0.1, 0.3, 100.0, 2500.0, -40.0, 0.0]),
		st.sampled_from([0.0, 0.05, 0.1, 0.3, -0.2]),
	).map(lambda t: (t[0], t[1], t[2], t[2] * t[3])),
	max_size=30,
)
rank_by = st.sampled_from(["Revenue", "Gross Profit"])
risks = st.dictionaries(
	st.sampled_from(NAMES[:4]),
	st.lists(
		st.sampled_from(
			[reason("Lost an opportunity to {who}", who="Rival"), reason("Quarter fell {p}%", p=40)]
		),
		min_size=1,
		max_size=2,
	),
	max_size=3,
)


def profit_columns(invoices, names):
	return ProfitColumns(
		np.array([names.index(n) for n, _d, _net, _p in invoices], dtype=np.intp),
		np.array([(AS_OF + timedelta(days=d)).toordinal() for _n, d, _net, _p in invoices], dtype=np.int64),
		np.array([net for _n, _d, net, _p in invoices], dtype=float),
		np.array([p for _n, _d, _net, p in invoices], dtype=float),
	)


def columns(rows):
	"""The rows as the CLI's reader gives them: customers in order of first order, each order's row in them."""
	names = list(dict.fromkeys(name for name, _day, _amount in rows))
	customer = np.array([names.index(name) for name, _day, _amount in rows], dtype=np.intp)
	amount = np.array([amount for _name, _day, amount in rows], dtype=float)
	day = np.array([(AS_OF + timedelta(days=d)).toordinal() for _name, d, _amount in rows], dtype=np.int64)
	return names, customer, amount, day


@settings(max_examples=300, deadline=None)
@given(any_orders, st.sampled_from(SETTINGS), st.sampled_from([0, -30, -400]), invoices)
def test_order_columns_aggregate_as_the_reference_aggregates_histories(rows, config, shift, profits):
	as_of = AS_OF + timedelta(days=shift)
	names, customer, amount, day = columns(rows)
	extra = [n for n in dict.fromkeys(n for n, *_rest in profits) if n not in names] + ["No Orders Yet"]
	got = population_from_orders(
		names + extra,
		customer,
		amount,
		day,
		as_of,
		config,
		profits=profit_columns(profits, names + extra),
	)
	histories = collect_orders((name, AS_OF + timedelta(days=d), a, 1) for name, d, a in rows)
	aggregates = aggregate_histories(histories, as_of, config)
	add_profits(
		aggregates, [(n, AS_OF + timedelta(days=d), net, p) for n, d, net, p in profits], as_of, config
	)
	expected = Population.from_aggregates([aggregates.get(n) or Aggregate(n) for n in names + extra])
	assert got.names == expected.names
	for field in POPULATION_FIELDS:
		a, b = getattr(got, field), getattr(expected, field)
		assert a.dtype == b.dtype and a.tolist() == b.tolist(), field  # to the last digit


predictions = st.dictionaries(
	st.sampled_from(NAMES),
	st.tuples(st.sampled_from([0.0, 0.2, 0.5, 0.9, 1.0]), st.sampled_from([0.0, 999.99, 1000.0, 5e6])),
)
"""The purchase models' (P(alive), expected value) of some customers (the others were not predicted)."""


def decided_population(rows, config, profiles, internal, profits=(), risks=None, predicted=None):
	risks = risks or {}
	names, customer, amount, day = columns(rows)
	# and customers with profit and no order, customers without orders
	names = list(dict.fromkeys([*names, *(n for n, *_rest in profits), *profiles, *sorted(internal)]))
	pop = population_from_orders(
		names,
		customer,
		amount,
		day,
		AS_OF,
		config,
		internal=[n in internal for n in names],
		potential=[potential_score(profiles[n], config) if n in profiles else np.nan for n in names],
		profits=profit_columns(profits, names),
	)
	pop.at_risk = np.array([n in risks for n in names], dtype=bool)
	predicted = predicted or {}
	pop.p_alive = np.array([predicted.get(n, (np.nan, np.nan))[0] for n in names], dtype=float)
	pop.expected_value = np.array([predicted.get(n, (np.nan, np.nan))[1] for n in names], dtype=float)
	aggregates = aggregate_histories(
		collect_orders((n, AS_OF + timedelta(days=d), a, 1) for n, d, a in rows), AS_OF, config
	)
	add_profits(
		aggregates, [(n, AS_OF + timedelta(days=d), net, p) for n, d, net, p in profits], AS_OF, config
	)
	reference, _cutoffs = compute_all(
		aggregates,
		AS_OF,
		config,
		customers=names,
		profiles=profiles,
		internal=internal,
		risks=risks,
		predictions=predicted,
	)
	return pop, decide_population(pop, AS_OF, config), reference


internals = st.sets(st.sampled_from(["Own Co", "C00", "C01"]), max_size=2)
any_population = given(
	any_orders,
	st.sampled_from(SETTINGS),
	profiles.map(lambda p: {n: v for n, v in p.items() if not v.is_empty}),
	internals,
	invoices,
	rank_by,
	risks,
	predictions,
)
"""A random population with every kind of fact a reason is made of."""


def rows_shown_of(pop, reference) -> list[int]:
	"""The rows of the population the reference decided (the rows a report or the CLI shows)."""
	row_of = {name: row for row, name in enumerate(pop.names)}
	return [row_of[s.customer] for s in reference]


@settings(max_examples=150, deadline=None)
@any_population
def test_the_rows_shown_get_the_reference_standing_with_every_reason(
	rows, config, profiles, internal, profits, measure, risks, predicted
):
	config = replace(config, rank_by=measure)
	pop, decided, reference = decided_population(rows, config, profiles, internal, profits, risks, predicted)
	rows_shown = rows_shown_of(pop, reference)
	got = standings(pop, decided, rows_shown, AS_OF, config, profiles, risks=risks)
	assert got == reference  # every field, every reason of every decision
	assert decided.tier[rows_shown].tolist() == [s.tier for s in reference]  # the arrays' own tier too


@settings(max_examples=500, deadline=None)
@any_population
def test_each_tier_reason_asked_once_per_distinct_facts_is_the_reference_reason(
	rows, config, profiles, internal, profits, measure, risks, predicted
):
	config = replace(config, rank_by=measure)
	pop, decided, reference = decided_population(rows, config, profiles, internal, profits, risks, predicted)
	rows_shown = np.array(rows_shown_of(pop, reference), dtype=np.intp)
	reasons, which = tier_reasons(pop, decided, rows_shown, AS_OF, config, profiles, risks)
	assert [reasons[i] for i in which] == [s.why("tier") for s in reference]
	assert len(reasons) <= len(reference)


def test_customers_alike_share_one_reason_and_key_accounts_get_their_own():
	config = Settings(key_account_min_window_value=1000)
	rows = [(f"small {i}", -10, 10.0) for i in range(20)] + [("big", -5, 5000.0), ("bigger", -5, 7000.0)]
	pop, decided, reference = decided_population(rows, config, {}, set())
	reasons, which = tier_reasons(pop, decided, np.arange(len(pop)), AS_OF, config)
	assert len(set(which[:20].tolist())) == 1, "twenty alike small customers: one reason, asked once"
	assert len(reasons) == 3
	by_name = {s.customer: s.why("tier") for s in reference}
	assert reasons[which[20]] == by_name["big"] and reasons[which[21]] == by_name["bigger"]
	assert "Bought 5,000 in the look-back window" in render_reasons(reasons[which[20]])


def test_key_accounts_made_key_by_the_same_rule_share_one_reason():
	rows = [(f"c{i:02d}", -10, 1000.0 * (i + 1)) for i in range(40)]
	pop, decided, reference = decided_population(rows, Settings(), {}, set())
	keys = [pop.names.index(s.customer) for s in reference if s.is_key]
	reasons, which = tier_reasons(pop, decided, np.array(keys), AS_OF, Settings())
	assert len(keys) == 2 and len(reasons) == 1, "both in the top 5%, for the same reason"
	assert "In the top 5% of customers by value" in render_reasons(reasons[0])


def test_predictions_count_in_the_tier_only_when_settings_say_so():
	rows = [(f"C{i:02d}", -d, 100.0 * (i + 1)) for i in range(10) for d in (10, 200)]
	# Not key (no share or value makes one), so its requests fall to the "may leave" rule.
	plain = Settings(key_account_top_percent=0, key_account_min_window_value=1e12)
	on = replace(plain, p_alive_may_leave=True, p_alive_may_leave_percent=40)
	leaving = {"C09": (0.1, 50.0)}  # the biggest buyer (class A), predicted to have stopped
	for config, expect_reason in ((plain, False), (on, True)):
		pop, decided, reference = decided_population(rows, config, {}, set(), predicted=leaving)
		row = pop.names.index("C09")
		assert bool(decided.predicted_leaving[row]) is expect_reason
		standing = next(s for s in reference if s.customer == "C09")
		assert standing.p_alive == 0.1
		why = [r.template for r in standing.why("tier")]
		assert (LEAVING_BY_PREDICTION in why) is expect_reason
		if expect_reason:
			assert any("may leave" in t for t in why)
	# A small customer (class C, not key) is not "valuable": its low P(alive) changes nothing.
	pop, decided, _reference = decided_population(rows, on, {}, set(), predicted={"C00": (0.01, 1.0)})
	assert not decided.predicted_leaving[pop.names.index("C00")]
	potential = Settings(expected_value_key_potential=True, expected_value_key_potential_min=500)
	pop, decided, reference = decided_population(rows, potential, {}, set(), predicted={"C00": (0.9, 800.0)})
	assert decided.predicted_potential[pop.names.index("C00")]
	standing = next(s for s in reference if s.customer == "C00")
	assert POTENTIAL_BY_PREDICTION in [r.template for r in standing.why("tier")]
