"""Per-customer aggregates of order histories (the reference the columnar aggregation is proved against)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from customer_priority.engine.history import Order, crossed_days
from customer_priority.engine.reference import aggregate_orders, total
from customer_priority.engine.settings import Settings


def test_a_window_without_orders_between_orders_before_and_after_it_is_a_float_zero():
	s = Settings(lookback_days=30)
	orders = [Order("c", date(2026, 1, 1), 10.0), Order("c", date(2026, 9, 1), 20.0)]
	agg = aggregate_orders(orders, date(2026, 6, 30), s)["c"]
	assert (agg.window_value, agg.window_order_count, agg.lifetime_value) == (0.0, 0, 30.0)
	assert isinstance(agg.window_value, float), "printed as 0.0 like every other value, not as 0"


def test_totals_add_in_the_order_given():
	amounts = [1e16, 1.0, -1e16, 1.0]
	assert total(amounts) == ((1e16 + 1.0) - 1e16) + 1.0 == 1.0
	assert total(reversed(amounts)) == ((1.0 - 1e16) + 1.0) + 1e16 == 0.0
	assert total([]) == 0.0 and isinstance(total([]), float)


def days(window: tuple[date, date]) -> set[date]:
	return {window[0] + timedelta(days=i) for i in range((window[1] - window[0]).days + 1)}


windows = st.tuples(st.integers(0, 60), st.integers(0, 40)).map(
	lambda start_length: (
		date(2026, 1, 1) + timedelta(days=start_length[0]),
		date(2026, 1, 1) + timedelta(days=start_length[0] + start_length[1]),
	)
)


@given(windows, windows)
def test_crossed_days_cover_every_day_in_one_window_and_not_the_other(before, now):
	covered = set().union(*(days(r) for r in crossed_days(before, now)))
	assert days(before) ^ days(now) <= covered
	assert covered <= days(before) | days(now) | days((min(before[0], now[0]), max(before[1], now[1])))
	if days(before) & days(now):  # overlapping windows: exactly the days that crossed, nothing more
		assert covered == days(before) ^ days(now)
	assert all(start <= end for start, end in crossed_days(before, now))
