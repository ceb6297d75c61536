"""Sales Order (or Sales Invoice) submit and cancel: move one customer's aggregates by one order, retier it.

O(1) per order: the customer's row is locked (so concurrent submits for one customer queue up instead of
losing an update), changed by the order's delta, and re-decided. Only a cancel of the customer's first or last
order, or an order dated before the customer's latest one, asks the index for the dates it cannot derive.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import cint, flt, getdate

from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
	included_companies,
	value_source,
)
from customer_priority.engine.ranking import window_start
from customer_priority.engine.roles import is_return_after_lapse
from customer_priority.engine.settings import Settings
from customer_priority.standing import AGGREGATE_FIELDS, retier_customer

DATE_FIELD = {"Sales Order": "transaction_date", "Sales Invoice": "posting_date"}


def counts(doc) -> bool:
	"""Whether this document is a purchase the settings count."""
	if doc.doctype != value_source() or not doc.get("customer"):
		return False
	if doc.doctype == "Sales Invoice" and cint(doc.get("is_return")):
		return False
	companies = included_companies()
	return not companies or doc.company in companies


def on_submit(doc, method=None):
	if counts(doc):
		record_order(doc, +1)


def on_cancel(doc, method=None):
	if counts(doc):
		record_order(doc, -1)


def record_order(doc, sign: int) -> None:
	customer = doc.customer
	day = getdate(doc.get(DATE_FIELD[doc.doctype]))
	amount = flt(doc.base_net_total)
	settings = get_engine_settings()
	row = frappe.db.get_value("Customer", customer, AGGREGATE_FIELDS, as_dict=True, for_update=True)
	if row is None:
		return
	values = apply_delta(row, doc.doctype, customer, day, amount, sign, settings)
	frappe.db.set_value("Customer", customer, values, update_modified=False)
	retier_customer(customer, "Hook", doc, settings=settings)


def apply_delta(
	row, doctype: str, customer: str, day: date, amount: float, sign: int, settings: Settings
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
			reborn = reborn_on_from_orders(doctype, customer, settings)  # a back-dated order can close a gap
		elif is_return_after_lapse(last, day, settings):
			reborn = day
		first = day if first is None or day < first else first
		last = day if last is None or day > last else last
	elif day in (first, last, reborn):
		first, last = order_date_bounds(doctype, customer)
		reborn = reborn_on_from_orders(doctype, customer, settings)
	return {
		"cp_lifetime_value": flt(row.cp_lifetime_value) + sign * amount if count else 0,
		"cp_order_count": count,
		"cp_window_value": flt(row.cp_window_value) + (sign * amount if in_window else 0) if count else 0,
		"cp_window_order_count": max(cint(row.cp_window_order_count) + (sign if in_window else 0), 0),
		"cp_first_order_date": first,
		"cp_last_order_date": last,
		"cp_reborn_on": reborn,
	}


def order_date_bounds(doctype: str, customer: str) -> tuple[date | None, date | None]:
	"""First and last submitted order dates: two seeks on the (docstatus, customer, date) index."""
	field = DATE_FIELD[doctype]
	first, last = frappe.db.sql(
		f"""select min(`{field}`), max(`{field}`) from `tab{doctype}`
		where docstatus = 1 and customer = %s{company_condition(doctype)}""",
		(customer,),
	)[0]
	return (getdate(first) if first else None, getdate(last) if last else None)


def reborn_on_from_orders(doctype: str, customer: str, settings: Settings) -> date | None:
	"""The engine's Reborn rule over one customer's order dates, in SQL (the same rule as ``reborn_on_from_dates``)."""
	field = DATE_FIELD[doctype]
	result = frappe.db.sql(
		f"""select max(d) from (
			select `{field}` d, lag(`{field}`) over (order by `{field}`) prev from `tab{doctype}`
			where docstatus = 1 and customer = %s{company_condition(doctype)}
		) t where datediff(d, prev) > %s""",
		(customer, settings.lapse_days),
	)[0][0]
	return getdate(result) if result else None


def company_condition(doctype: str) -> str:
	companies = included_companies()
	if not companies:
		return ""
	return " and company in ({})".format(", ".join(frappe.db.escape(c) for c in companies))
