"""Sales Order (or Sales Invoice) submit and cancel: move one customer's aggregates by one order, retier it.

A Sales Invoice (a return too) also moves the customer's gross profit, whatever counts as a purchase.

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
	record(doc, +1)


def on_cancel(doc, method=None):
	record(doc, -1)


def record(doc, sign: int) -> None:
	"""A purchase moves its customer's value, any Sales Invoice (returns too) its gross profit; the customer is
	re-decided once."""
	counted = purchases.current()
	is_purchase = counted.counts(doc)
	has_profit = purchases.counts_for_profit(doc, counted.companies)
	if not (is_purchase or has_profit):
		return
	settings = get_engine_settings()
	row = frappe.db.get_value("Customer", doc.customer, AGGREGATE_FIELDS, as_dict=True, for_update=True)
	if row is None:
		return
	values = {}
	if is_purchase:
		day, amount = getdate(doc.get(counted.date_field)), flt(doc.base_net_total)
		values.update(apply_delta(row, counted, doc.customer, day, amount, sign, settings))
	if has_profit:
		values.update(profit_delta(row, doc, sign, settings))
	frappe.db.set_value("Customer", doc.customer, values, update_modified=False)
	retier_customer(doc.customer, "Hook", doc, settings=settings)


def profit_delta(row, doc, sign: int, settings: Settings) -> dict:
	"""The invoice's gross profit (its item rows as stored, the same expression the recompute sums) added or
	taken back."""
	today = getdate()
	net, profit = purchases.invoice_profit(doc.name)
	in_window = window_start(today, settings) <= getdate(doc.posting_date) <= today
	return {
		"cp_lifetime_profit": flt(row.cp_lifetime_profit) + sign * profit,
		"cp_window_profit": flt(row.cp_window_profit) + (sign * profit if in_window else 0),
		"cp_window_invoiced": flt(row.cp_window_invoiced) + (sign * net if in_window else 0),
	}


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
