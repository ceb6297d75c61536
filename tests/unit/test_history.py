"""Per-customer aggregates of order histories (the reference the columnar aggregation is proved against)."""

from datetime import date

from customer_priority.engine.history import Order, aggregate_orders, total
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
