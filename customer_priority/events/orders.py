"""Sales Order (or Sales Invoice) submit and cancel: move one customer's aggregates by one order, retier it.

A Sales Invoice (a return too) also moves the customer's gross profit, whatever counts as a purchase.

O(1) per order: the customer's row is locked (so concurrent submits for one customer queue up instead of
losing an update), changed by the order's delta, and re-decided. Only a cancel of the customer's first or last
order, or an order dated before the customer's latest one, asks the index for the dates it cannot derive.

A sale never waits on the ranking: if this work fails, everything it wrote is rolled back to a savepoint, the
submit (or cancel) goes on, an Error Log entry names the order, the user sees a short notice, and the customer is
queued for a rebuild from its orders (``repair.rebuild_customers``). Only a deadlock or a lock wait timeout
(``transaction_lost``), after which no savepoint is left to return to, still stop the submit, as they would without
this app: the database has undone all of it, and the submit can be made again.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from customer_priority.data import purchases
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.history import is_return_after_lapse, window_start
from customer_priority.engine.settings import Settings
from customer_priority.standing import announcements
from customer_priority.standing.rebuild import retier_customer
from customer_priority.standing.stored import AGGREGATE_FIELDS
from customer_priority.utils.transactions import transaction_lost

SAVEPOINT = "customer_priority_order"
ANNOUNCING = "customer_priority_announcing"


def on_submit(doc, method=None):
	kept_apart(record, doc, +1)


def on_cancel(doc, method=None):
	kept_apart(record, doc, -1)


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
		day, amount = getdate(doc.get(counted.date_field)), counted.value(doc)
		values.update(apply_delta(row, counted, doc.customer, day, amount, sign, settings))
	if has_profit:
		values.update(profit_delta(row, doc, sign, settings, counted.rate_of(doc.company)))
	frappe.db.set_value("Customer", doc.customer, values, update_modified=False)
	retier_customer(doc.customer, "Hook", doc, settings=settings)


def kept_apart(work, doc, *args) -> None:
	"""Run the ranking work for one order so that its failure never half-applies and never stops the sale."""
	frappe.db.savepoint(SAVEPOINT)
	try:
		# Announcing sends on commit what cannot be rolled back to the savepoint: it waits until the work held.
		with announcements.held() as held:
			work(doc, *args)
	except Exception as exc:
		if transaction_lost(exc):
			raise  # the database rolled the whole transaction back: nothing of the submit is left to keep
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title=_("Customer Priority could not count {0} {1}").format(_(doc.doctype), doc.name),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)
		frappe.enqueue(
			"customer_priority.standing.repair.rebuild_customers",
			queue="long",
			enqueue_after_commit=True,
			customers=[doc.customer],
		)
		frappe.msgprint(
			_("{0} is saved; the priority of {1} will be brought up to date in the background.").format(
				doc.name, doc.customer
			),
			alert=True,
			indicator="orange",
		)
	else:
		frappe.db.release_savepoint(SAVEPOINT)
		announce_kept(held, doc)


def announce_kept(held, doc) -> None:
	"""Announce what the order's work wrote and kept. An announcement that fails is undone and logged; the sale and
	the customer's new standing stay."""
	frappe.db.savepoint(ANNOUNCING)
	try:
		held.announce()
	except Exception as exc:
		if transaction_lost(exc):
			raise
		frappe.db.rollback(save_point=ANNOUNCING)
		frappe.log_error(
			title=_("Customer Priority could not announce a change from {0} {1}").format(
				_(doc.doctype), doc.name
			),
			reference_doctype=doc.doctype,
			reference_name=doc.name,
		)
	else:
		frappe.db.release_savepoint(ANNOUNCING)


def profit_delta(row, doc, sign: int, settings: Settings, rate: float = 1.0) -> dict:
	"""The invoice's gross profit (its item rows as stored, the same expression the recompute sums) added or
	taken back, in the value currency (``rate``: its company's factor into it)."""
	today = getdate()
	net, profit = (rate * figure for figure in purchases.invoice_profit(doc.name))
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
