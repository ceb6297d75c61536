"""The columnar bulk path decides exactly what the per-customer reference decides, field by field."""

from dataclasses import fields
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority.engine.bulk import (
	Population,
	_distinct_rows,
	decide_population,
	rank_columns,
	rank_population,
	reborn_days,
)
from customer_priority.engine.history import Aggregate, reborn_day
from customer_priority.engine.i18n import reason
from customer_priority.engine.keyaccount import PotentialProfile, potential_score
from customer_priority.engine.ranking import rank
from customer_priority.engine.reference import compute_all
from customer_priority.engine.settings import Settings

AS_OF = date(2026, 6, 30)
LEVELS = ("Bronze", "Silver", "Gold", "Platinum")
SETTINGS = (
	Settings(),
	Settings(key_account_min_window_value=2000, major_buyer_min_window_value=1500, abc_a_cutoff=60),
	Settings(lapse_interval_multiplier=0, key_account_top_percent=0, loyal_min_orders=2, hysteresis_margin=0),
	Settings(rank_by="Gross Profit"),
	Settings(
		rank_by="Gross Profit", key_account_min_window_value=2000, abc_a_cutoff=60, thin_margin_percent=0
	),
)
FIELDS = (
	"rank",
	"percentile",
	"share",
	"cumulative_share",
	"abc",
	"rfm_code",
	"segment",
	"points",
	"level",
	"level_change",
	"lifecycle",
	"is_key",
	"key_source",
	"relationship_level",
	"potential_score",
	"tier",
	"at_risk",
)


@st.composite
def customers(draw):
	"""A customer: its aggregate (ties likely: values come from a short list), flags and profile."""
	orders = draw(st.integers(0, 6))
	if orders:
		last = AS_OF - timedelta(days=draw(st.sampled_from([0, 3, 40, 200, 364, 365, 400, 800])))
		first = last - timedelta(days=draw(st.sampled_from([0, 1, 30, 300, 1000])))
		window_orders = draw(st.integers(0, orders))
		window_value = (
			draw(st.sampled_from([0.0, 10.0, 250.5, 1000.0, 1000.0, 5000.0])) if window_orders else 0.0
		)
		lifetime = window_value + draw(st.sampled_from([0.0, 0.0, 99.5, 3000.0]))
		reborn = draw(st.sampled_from([None, last, first]))
	else:
		first = last = reborn = None
		window_orders, window_value, lifetime = 0, 0.0, 0.0
	# Gross profit comes from invoices, returns included: it may be negative, or there without an order.
	window_profit = draw(st.sampled_from([0.0, -50.0, 10.0, 100.0, 100.0, 900.0]))
	lifetime_profit = window_profit + draw(st.sampled_from([0.0, 0.0, 30.0, -20.0]))
	profile = draw(
		st.one_of(
			st.none(),
			st.builds(
				PotentialProfile,
				st.integers(0, 5),
				st.integers(0, 5),
				st.integers(0, 5),
				st.sampled_from([0, 5, 60, 800]),
				st.sampled_from([0, 1.5, 12, 40]),
				st.integers(0, 5),
			),
		)
	)
	return {
		"aggregate": (
			lifetime,
			orders,
			window_value,
			window_orders,
			first,
			last,
			reborn,
			lifetime_profit,
			window_profit,
		),
		"internal": draw(st.booleans()) and draw(st.booleans()),
		"previous": draw(st.sampled_from([None, *LEVELS])),
		"profile": profile if profile is not None and not profile.is_empty else None,
		"marked": draw(st.booleans()) and draw(st.booleans()),
		"risky": draw(st.booleans()),
	}


def population(rows: dict, config: Settings) -> Population:
	names = list(rows)
	return Population.from_aggregates(
		[Aggregate(n, *rows[n]["aggregate"]) for n in names],
		internal=[rows[n]["internal"] for n in names],
		previous_level=[rows[n]["previous"] for n in names],
		potential=[
			potential_score(rows[n]["profile"], config) if rows[n]["profile"] else np.nan for n in names
		],
		marked_key=[rows[n]["marked"] for n in names],
		at_risk=[rows[n]["risky"] for n in names],
	)


@settings(max_examples=300, deadline=None)
@given(
	st.dictionaries(st.sampled_from([f"C{i:02d}" for i in range(40)]), customers(), max_size=30),
	st.sampled_from(SETTINGS),
)
def test_the_bulk_path_decides_as_the_reference(rows, config):
	aggregates = {
		n: Aggregate(n, *r["aggregate"]) for n, r in rows.items() if r["aggregate"][1] or r["aggregate"][7]
	}
	standings, cutoffs = compute_all(
		aggregates,
		AS_OF,
		config,
		customers=rows.keys(),
		previous_levels={n: r["previous"] for n, r in rows.items() if r["previous"]},
		profiles={n: r["profile"] for n, r in rows.items() if r["profile"]},
		internal={n for n, r in rows.items() if r["internal"]},
		marked_keys={n for n, r in rows.items() if r["marked"]},
		risks={n: [reason("Lost 2 opportunities to competitors")] for n, r in rows.items() if r["risky"]},
	)
	pop = population(rows, config)
	decided = decide_population(pop, AS_OF, config)
	assert decided.cutoffs == cutoffs
	by_row = {name: row for row, name in enumerate(pop.names)}
	for standing in standings:
		row = by_row[standing.customer]
		for field in FIELDS:
			expected = getattr(standing, field)
			if field == "rank":
				expected = expected or 0
			got = getattr(decided, field)[row]
			got = got.item() if hasattr(got, "item") else got
			assert got == expected, (standing.customer, field, got, expected)


def test_the_customer_at_the_cut_off_is_classed_as_the_reference_classes_it():
	rows = {
		"big": {
			"aggregate": (80.0, 1, 80.0, 1, AS_OF, AS_OF, None, 0.0, 0.0),
			"internal": False,
			"previous": None,
			"profile": None,
			"marked": False,
			"risky": False,
		},
		"small": {
			"aggregate": (20.0, 1, 20.0, 1, AS_OF, AS_OF, None, 0.0, 0.0),
			"internal": False,
			"previous": None,
			"profile": None,
			"marked": False,
			"risky": False,
		},
	}
	decided = decide_population(population(rows, SETTINGS[0]), AS_OF, SETTINGS[0])
	assert list(decided.abc) == ["A", "B"], "80% of value is above 'small': it is not in A"


@settings(max_examples=150, deadline=None)
@given(
	values=st.dictionaries(
		st.text("abcé' ", min_size=1, max_size=4),
		st.sampled_from([-50.0, 0.0, 10.0, 10.0, 333.3, 1000.0, 1e9]),
		max_size=40,
	),
	which=st.sampled_from(range(len(SETTINGS))),
)
def test_rank_columns_rank_a_period_as_the_reference_does(values, which):
	"""The Customer Ranking report of any period ranks with ``rank_columns`` (value doubling as its own tie-break)."""
	chosen = SETTINGS[which]
	names = list(values)
	value = np.array([values[n] for n in names])
	got = rank_columns(names, value, value, chosen)
	for r in rank({n: (v, v) for n, v in values.items()}, chosen):
		row = names.index(r.customer)
		assert got[0][row] == r.rank and got[1][row] == r.percentile and got[4][row] == r.abc
		assert np.isclose(got[2][row], r.share) and np.isclose(got[3][row], r.cumulative_share)


@settings(max_examples=200, deadline=None)
@given(
	histories=st.lists(st.lists(st.integers(738000, 739200), max_size=12), max_size=15),
	gap=st.sampled_from([0, 1, 30, 180, 365]),
)
def test_reborn_days_are_the_reference_reborn_day_of_each_customer(histories, gap):
	"""The recompute finds Reborn days for the whole population with ``reborn_days``."""
	days = np.array([d for history in histories for d in sorted(history)], dtype=np.int64)
	counts = np.array([len(h) for h in histories], dtype=np.int64)
	got = reborn_days(days, counts, gap).tolist()
	assert got == [reborn_day(h, gap) or 0 if h else 0 for h in histories]


@given(
	st.integers(min_value=1, max_value=80).flatmap(
		lambda n: st.lists(
			st.lists(st.sampled_from([0.0, 1.0, 2.0, 12.5, 70.0, -3.0]), min_size=n, max_size=n),
			min_size=1,
			max_size=9,
		)
	)
)
def test_distinct_rows_are_numpys_distinct_rows(columns):
	rows, inverse = _distinct_rows([np.array(c) for c in columns])
	expected, expected_inverse = np.unique(
		np.column_stack(columns).astype(float), axis=0, return_inverse=True
	)
	assert np.array_equal(rows, expected)
	assert np.array_equal(inverse, expected_inverse.reshape(-1))


def part_of(pop: Population, start: int, end: int) -> Population:
	"""Rows ``start`` to ``end`` of a population, as a population of their own."""
	columns = {}
	for field in fields(Population):
		value = getattr(pop, field.name)
		columns[field.name] = value[start:end]
	return Population(**columns)


@settings(max_examples=200, deadline=None)
@given(
	st.dictionaries(st.sampled_from([f"C{i:02d}" for i in range(40)]), customers(), max_size=30),
	st.sampled_from(SETTINGS),
	st.integers(1, 7),
)
def test_parts_decided_against_the_population_ranking_decide_as_everyone_at_once(rows, config, size):
	"""The recompute decides a part at a time against ``rank_population`` of everyone (the names may sort as
	bytes): every row's decisions, and the rank count its reasons name, equal deciding everyone at once."""
	pop = population(dict(sorted(rows.items())), config)
	whole = decide_population(pop, AS_OF, config)
	keyed = Population(**{**{f.name: getattr(pop, f.name) for f in fields(Population)}})
	keyed.names = np.array([name.encode() for name in pop.names]) if len(pop) else pop.names
	ranking = rank_population(keyed, AS_OF, config)
	assert ranking.count == whole.ranked_count
	for start in range(0, len(pop), size):
		end = min(start + size, len(pop))
		part = decide_population(part_of(pop, start, end), AS_OF, config, ranking.part(start, end))
		assert part.ranked_count == whole.ranked_count
		assert part.cutoffs == whole.cutoffs
		for field in FIELDS:
			assert list(getattr(part, field)) == list(getattr(whole, field)[start:end]), field
