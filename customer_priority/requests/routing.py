"""Tiers that act on a request (Lead, Opportunity, Issue): who it goes to, and by when it must be answered.

Routing goes through Frappe's own assignment machinery (``assign_to`` and ToDo, or an Assignment Rule); response
times come from ERPNext's Service Level Agreement where one applies to the document, and otherwise from the
tier's response time counted on the company's holiday list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import frappe
from frappe import _
from frappe.desk.form import assign_to
from frappe.utils import cint, get_datetime, getdate, now_datetime

from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.i18n import reason
from customer_priority.engine.settings import TIERS
from customer_priority.standing.log import write_log

REQUEST_DOCTYPES = ("Lead", "Opportunity", "Issue")
"""ERPNext's requests; Frappe CRM's leads and deals join them where installed (``requests.partners``)."""
ROUTED_AT_ONCE = ("First", "High")
"""Tiers whose requests are routed again when a request is promoted into them after it was created."""


def tier_setting(prefix: str, tier: str):
	return frappe.get_cached_doc(SETTINGS).get(f"{prefix}_{tier.lower()}")


def response_seconds(tier: str | None) -> int:
	return cint(tier_setting("response_time", tier)) if tier in TIERS else 0


# ---------------------------------------------------------------- who gets the request


def user_of_sales_person(sales_person: str | None) -> str | None:
	employee = sales_person and frappe.db.get_value("Sales Person", sales_person, "employee")
	return employee and frappe.db.get_value("Employee", employee, "user_id")


def customer_manager(customer: str | None) -> str | None:
	return customer and frappe.db.get_value("Customer", customer, "account_manager")


def lead_manager(lead: str | None) -> str | None:
	"""A lead's own person: its customer's account manager, else its owner, else its territory's sales person."""
	if not lead:
		return None
	row = frappe.db.get_value("Lead", lead, ["customer", "lead_owner", "territory"], as_dict=True)
	if not row:
		return None
	return (
		customer_manager(row.customer)
		or row.lead_owner
		or user_of_sales_person(
			row.territory and frappe.db.get_value("Territory", row.territory, "territory_manager")
		)
	)


def account_manager(doc) -> str | None:
	"""The person who owns the party behind a request."""
	if doc.doctype == "CRM Lead":
		return customer_manager(doc.get("cp_matched_customer")) or doc.get("lead_owner")
	if doc.doctype == "CRM Deal":
		return customer_manager(doc.get("cp_matched_customer")) or doc.get("deal_owner")
	if doc.doctype == "Lead":
		return lead_manager(doc.name) or doc.get("lead_owner")
	if doc.doctype == "Opportunity":
		if doc.get("opportunity_from") == "Customer":
			return customer_manager(doc.get("party_name")) or doc.get("opportunity_owner")
		if doc.get("opportunity_from") == "Lead":
			return lead_manager(doc.get("party_name")) or doc.get("opportunity_owner")
		return doc.get("opportunity_owner")
	return customer_manager(doc.get("customer")) or lead_manager(doc.get("lead"))


def open_assignees(doc) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": doc.doctype, "reference_name": doc.name, "status": ("!=", "Cancelled")},
		pluck="allocated_to",
	)


def route(doc, promoted: bool = False) -> str | None:
	"""Assign a request as Settings say for its tier; returns the user it went to, if any.

	A new request is routed by its tier; one promoted into First or High later is routed again, to its account
	manager, unless that person already has it."""
	tier = doc.get("cp_priority_tier")
	if tier not in TIERS or (promoted and tier not in ROUTED_AT_ONCE):
		return None
	how = tier_setting("route", tier) or ("Account Manager" if tier in ROUTED_AT_ONCE else "Nobody")
	assigned = open_assignees(doc)
	if how == "Account Manager":
		user = account_manager(doc)
		if not user or user in assigned or not frappe.db.get_value("User", user, "enabled"):
			return None
		assign_to.add(
			{
				"assign_to": [user],
				"doctype": doc.doctype,
				"name": doc.name,
				"description": _("{0} tier request: {1}").format(_(tier), doc.get("cp_tier_reason") or ""),
				"priority": "High" if tier in ROUTED_AT_ONCE else "Medium",
				"date": getdate(doc.get("cp_respond_by")) if doc.get("cp_respond_by") else None,
			},
			ignore_permissions=True,
		)
		log_routing(
			doc,
			user,
			reason(mark("Routed to {user}, who manages this party: {tier} request"), user=user, tier=tier),
		)
		return user
	if how == "Assignment Rule" and not assigned:
		name = frappe.db.get_value(
			"Assignment Rule", {"document_type": doc.doctype, "disabled": 0}, "name", order_by="priority desc"
		)
		if name:
			rule = frappe.get_doc("Assignment Rule", name)
			if rule.do_assignment(doc.as_dict()):
				why = reason(
					mark("Routed to {user} by the Assignment Rule {rule}: {tier} request"),
					user=rule.last_user,
					rule=name,
					tier=tier,
				)
				log_routing(doc, rule.last_user, why)
				return rule.last_user
	return None


def log_routing(doc, user: str, why) -> None:
	write_log(
		[
			{
				"party_type": doc.doctype,
				"party": doc.name,
				"field": "Routing",
				"old_value": "",
				"new_value": user,
				"reasons": [why],
				"source": "Hook",
			}
		]
	)


# ---------------------------------------------------------------- by when


def holidays(company: str | None) -> set:
	holiday_list = company and frappe.get_cached_value("Company", company, "default_holiday_list")
	if not holiday_list:
		return set()
	return {getdate(d) for d in frappe.get_all("Holiday", {"parent": holiday_list}, pluck="holiday_date")}


def respond_by(start: datetime, seconds: int, days_off: set) -> datetime:
	"""``seconds`` after ``start``, counting no time on the days off (the company's holidays)."""
	moment, remaining = get_datetime(start), timedelta(seconds=seconds)
	while True:
		midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time())
		if moment.date() in days_off:
			moment = midnight
			continue
		if moment + remaining <= midnight:
			return moment + remaining
		remaining -= midnight - moment
		moment = midnight


def set_respond_by(doc, since: datetime | None = None) -> None:
	"""The document's Respond By: the Service Level Agreement's when one applies, else the tier's time."""
	if doc.get("response_by"):
		doc.cp_respond_by = doc.response_by
		return
	seconds = response_seconds(doc.get("cp_priority_tier"))
	if seconds:
		start = since or doc.get("creation") or now_datetime()
		doc.cp_respond_by = respond_by(start, seconds, holidays(doc.get("company")))


def tier_rose(doc) -> bool:
	"""The request was promoted: its tier is higher than before this save."""
	before = doc.get_doc_before_save()
	old, new = (before.get("cp_priority_tier") if before else None), doc.get("cp_priority_tier")
	return bool(old and new and old in TIERS and new in TIERS and TIERS.index(new) < TIERS.index(old))


def on_request_before_save(doc) -> None:
	"""Inside the request's own save, after every validation (an SLA's Response By is set by then): Respond By for a new request, and a sooner one for a promoted request."""
	if doc.is_new() or not doc.get("cp_respond_by"):
		set_respond_by(doc)
	elif tier_rose(doc):
		set_respond_by(doc, since=now_datetime())
	elif doc.get("response_by") and get_datetime(doc.response_by) != get_datetime(doc.cp_respond_by):
		doc.cp_respond_by = doc.response_by


def on_request_update(doc) -> None:
	"""After the request is saved: route a new request, and a request promoted into First or High."""
	before = doc.get_doc_before_save()
	if before is None:
		route(doc)
	elif tier_rose(doc):
		route(doc, promoted=True)
