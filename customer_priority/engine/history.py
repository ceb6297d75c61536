"""A customer's purchase history and its aggregate: the facts every other rule starts from.

Order histories come from a CSV (the CLI) or from SQL (the app); both reduce to one ``Aggregate`` per customer,
and both use the Reborn rule below, so the hooks, the recompute and the CLI agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import compress
from operator import sub
from typing import NamedTuple

import numpy as np

from .settings import Settings


@dataclass(slots=True)
class Aggregate:
	"""One customer's purchase history, summed over submitted orders (amounts in company currency)."""

	customer: str
	lifetime_value: float = 0.0
	order_count: int = 0
	window_value: float = 0.0
	window_order_count: int = 0
	first_order: date | None = None
	last_order: date | None = None
	reborn_on: date | None = None
	"""Date of the latest order that came after a gap longer than the lapse period (see roles)."""
	lifetime_profit: float = 0.0
	"""Gross profit of submitted Sales Invoices (net amount less cost, returns subtracted), whatever counts as
	a purchase: ERPNext's Gross Profit report by customer."""
	window_profit: float = 0.0
	window_invoiced: float = 0.0
	"""Net amount of the same invoice items in the window (the report's revenue): what the margin is taken of."""

	@property
	def window_margin(self) -> float | None:
		"""Gross profit as a percentage of what was invoiced in the window; None without it."""
		return margin_percent(self.window_profit, self.window_invoiced)

	def ranking_values(self, settings: Settings) -> tuple[float, float]:
		"""What ranks this customer under the settings: (window, lifetime) revenue or gross profit."""
		if settings.rank_by == "Gross Profit":
			return self.window_profit, self.lifetime_profit
		return self.window_value, self.lifetime_value

	@property
	def average_order_value(self) -> float:
		return average_order_value(self.lifetime_value, self.order_count)

	@property
	def usual_interval_days(self) -> float | None:
		"""Average days between orders, once there are two."""
		if self.order_count < 2 or not self.first_order or not self.last_order:
			return None
		return (self.last_order - self.first_order).days / (self.order_count - 1)


def margin_percent(profit, invoiced):
	"""Gross profit as a percentage of what it was made on: the one rule for the stored margin, the report's, the
	CLI's and the thin-margin test. For a number, None where nothing was invoiced; for arrays, NaN there."""
	profit, invoiced = np.asarray(profit, dtype=float), np.asarray(invoiced, dtype=float)
	invoiced_rows = invoiced > 0
	with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
		margin = np.where(invoiced_rows, 100.0 * profit / np.where(invoiced_rows, invoiced, 1.0), np.nan)
	if margin.ndim:
		return margin
	return float(margin) if invoiced_rows else None


def average_order_value(value, orders):
	"""Value per order, 0 without orders; numbers or arrays alike."""
	value, orders = np.asarray(value, dtype=float), np.asarray(orders)
	average = np.where(orders > 0, value / np.maximum(orders, 1), 0.0)
	return average if average.ndim else float(average)


class Order(NamedTuple):
	customer: str
	day: date
	amount: float
	docstatus: int = 1


def window_start(as_of: date, settings: Settings) -> date:
	"""First day inside the look-back window (inclusive); the window ends at ``as_of``."""
	return as_of - timedelta(days=settings.lookback_days - 1)


def crossed_days(before: tuple[date, date], now: tuple[date, date]) -> list[tuple[date, date]]:
	"""Day ranges (both ends included) that cover every day in one of two windows and not the other: where the
	starts differ and where the ends differ. When the windows do not overlap this covers more than needed, never
	less."""
	crossed = []
	for a, b, after in ((before[0], now[0], False), (before[1], now[1], True)):
		if a != b:
			low, high = min(a, b), max(a, b)
			# Starts: the days from the earlier start up to the day before the later one; ends: from the day after
			# the earlier end up to the later one.
			crossed.append((low + timedelta(days=1), high) if after else (low, high - timedelta(days=1)))
	return crossed


OrderHistory = tuple[list[float], list[int]]
"""One customer's submitted orders: amounts (company currency) and days (``date.toordinal()``), in file order."""


class Profit(NamedTuple):
	customer: str
	day: date
	net: float
	"""Net amount of one invoice in company currency (negative for a return)."""
	amount: float
	"""Its gross profit: the net amount less the cost of what left stock."""


def add_profits(
	aggregates: dict[str, Aggregate], profits: Iterable[Profit | tuple], as_of: date, settings: Settings
) -> dict[str, Aggregate]:
	"""Each customer's lifetime and window gross profit from per-invoice profits; a customer who has profit
	but no counted purchase (a return only, or purchases counted from orders) gets an aggregate of its own."""
	start, end = window_start(as_of, settings), as_of
	for customer, day, net, amount in profits:
		agg = aggregates.get(customer)
		if agg is None:
			agg = aggregates[customer] = Aggregate(customer)
		agg.lifetime_profit += amount
		if start <= day <= end:
			agg.window_profit += amount
			agg.window_invoiced += net
	return aggregates


def is_return_after_lapse(previous_last: date | None, new_order: date, settings: Settings) -> bool:
	"""An order placed more than ``lapse_days`` after the customer's previous latest order."""
	return previous_last is not None and (new_order - previous_last).days > settings.lapse_days


def reborn_day(days: list[int], gap: int) -> int | None:
	"""The latest order day (an ordinal) that came more than ``gap`` days after the one before it, if any."""
	distinct = sorted(set(days))
	later = distinct[1:]
	returns = list(compress(later, map(gap.__lt__, map(sub, later, distinct))))
	return returns[-1] if returns else None
