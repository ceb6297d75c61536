"""Frappe CRM (CRM Lead, CRM Deal) and Helpdesk (HD Ticket) as requests, beside ERPNext's Lead, Opportunity and
Issue: which of them this site has, who owns each, its stage, and the ERPNext Customer behind it.

Neither app is required: everything here asks first whether the doctype is there with the app's fields on it
(``setup.install.sync_partner_fields``), so a site without them never queries their tables.
"""

from __future__ import annotations

import frappe

from customer_priority.engine.tiers import Stage

CRM_DOCTYPES = ("CRM Lead", "CRM Deal")
HELPDESK_DOCTYPES = ("HD Ticket",)
OWNER_FIELD = {
	"Lead": "lead_owner",
	"Opportunity": "opportunity_owner",
	"CRM Lead": "lead_owner",
	"CRM Deal": "deal_owner",
}
CRM_LEAD_PROSPECT = ("Contacted", "Nurture", "Qualified")
"""CRM Lead statuses of someone we are already talking to."""
CRM_LEAD_CLOSED = ("Junk", "Unqualified")
DEAL_FINAL_PROBABILITY = 90
"""A deal whose status (CRM Deal Status) gives it this probability or more is at its final stage: "Ready to Close"
by CRM's own defaults; an ongoing one before it is negotiating."""


def has_tiers(doctype: str) -> bool:
	"""Whether the doctype exists on this site and carries the app's fields (once per request)."""
	cache = getattr(frappe.local, "cp_has_tiers", None)
	if cache is None:
		cache = frappe.local.cp_has_tiers = {}
	if doctype not in cache:
		cache[doctype] = bool(
			frappe.db.exists("DocType", doctype) and frappe.get_meta(doctype).has_field("cp_priority_tier")
		)
	return cache[doctype]


def present(doctypes: tuple[str, ...]) -> tuple[str, ...]:
	return tuple(d for d in doctypes if has_tiers(d))


def crm_lead_stage(doc, final: bool) -> Stage:
	if final:
		return Stage.FINAL
	return Stage.NEGOTIATING if doc.get("status") == "Qualified" else Stage.NONE


def deal_stage(doc, final: bool) -> Stage:
	"""A deal's stage from CRM's own status records: their probability and type."""
	if final:
		return Stage.FINAL
	status = doc.get("status") and frappe.db.get_value(
		"CRM Deal Status", doc.status, ["type", "probability"], as_dict=True
	)
	if not status:
		return Stage.NONE
	if (status.probability or 0) >= DEAL_FINAL_PROBABILITY and status.type == "Ongoing":
		return Stage.FINAL
	return Stage.NEGOTIATING if status.type == "Ongoing" else Stage.NONE


def deal_customer(doc) -> str | None:
	"""The ERPNext Customer behind a deal: the one CRM's ERPNext integration made from it (Customer.crm_deal),
	else the customer named as the deal's organization."""
	if frappe.get_meta("Customer").has_field("crm_deal"):
		made = frappe.db.get_value("Customer", {"crm_deal": doc.name}, "name")
		if made:
			return made
	organization = doc.get("organization")
	if organization:
		return frappe.db.get_value("Customer", {"customer_name": organization}, "name") or (
			organization if frappe.db.exists("Customer", organization) else None
		)
	return None


def ticket_customer(doc) -> str | None:
	"""The ERPNext Customer named as the ticket's Helpdesk customer (HD Customer has no link to ERPNext's)."""
	name = doc.get("customer")
	if not name:
		return None
	return (
		name
		if frappe.db.exists("Customer", name)
		else frappe.db.get_value("Customer", {"customer_name": name})
	)
