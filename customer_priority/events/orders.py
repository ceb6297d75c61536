"""Sales Order (or Sales Invoice) submit and cancel: move one customer's aggregates by one order, retier it.

O(1) per order: the customer's row is locked (so concurrent submits for one customer queue up instead of
losing an update), changed by the order's delta, and re-decided. Only a cancel of the customer's first or last
order, or an order dated before the customer's latest one, asks the index for the dates it cannot derive.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import cint, flt, getdate

from customer_priority import purchases
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
)
from customer_priority.engine.history import is_return_after_lapse, window_start
from customer_priority.engine.settings import Settings
from customer_priority.standing import AGGREGATE_FIELDS, retier_customer


def on_submit(doc, method=None):
	counted = purchases.current()
	if counted.counts(doc):
		record_order(doc, counted, +1)


def on_cancel(doc, method=None):
	counted = purchases.current()
	if counted.counts(doc):
		record_order(doc, counted, -1)


def record_order(doc, counted: purchases.Purchases, sign: int) -> None:
	customer = doc.customer
	day = getdate(doc.get(counted.date_field))
	amount = flt(doc.base_net_total)
	settings = get_engine_settings()
	row = frappe.db.get_value("Customer", customer, AGGREGATE_FIELDS, as_dict=True, for_update=True)
	if row is None:
		return
	values = apply_delta(row, counted, customer, day, amount, sign, settings)
	frappe.db.set_value("Customer", customer, values, update_modified=False)
	retier_customer(customer, "Hook", doc, settings=settings)


def apply_delta(
	row, counted: purchases.Purchases, customer: str, day: date, amount: float, sign: int, settings: Settings
) -> dict:
	today = getdate()
	in_window = window_start(today, settings) <= day <= today
	count = max(cint(row.cp_order_count) + sign, 0)
	first = getdate(row.cp_first_order_date) if row.cp_first_order_date else None
	last = getdate(row.cp_last_order_date) if row.cp_last_order_date else None
	reborn = getdate(row.cp_reborn_on) if row.cp_reborn_on else None
	if count == 0:
		first = last = reborn = None
	elif sign > 0:
		if last is not None and day < last:
			reborn = reborn_on(counted, customer, settings)  # a back-dated order can close a gap
		elif is_return_after_lapse(last, day, settings):
			reborn = day
		first = day if first is None or day < first else first
		last = day if last is None or day > last else last
	elif day in (first, last, reborn):
		first, last = purchases.date_bounds(counted, customer)
		reborn = reborn_on(counted, customer, settings)
	return {
		"cp_lifetime_value": flt(row.cp_lifetime_value) + sign * amount if count else 0,
		"cp_order_count": count,
		"cp_window_value": flt(row.cp_window_value) + (sign * amount if in_window else 0) if count else 0,
		"cp_window_order_count": max(cint(row.cp_window_order_count) + (sign if in_window else 0), 0),
		"cp_first_order_date": first,
		"cp_last_order_date": last,
		"cp_reborn_on": reborn,
	}


def reborn_on(counted: purchases.Purchases, customer: str, settings: Settings) -> date | None:
	return purchases.reborn_dates(counted, settings.lapse_days, [customer]).get(customer)
