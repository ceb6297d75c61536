"""The tier at intake: when a request arrives by phone or email, whoever takes it sees at once who this is, how
urgent, and why; an unknown caller becomes a Lead, tiered by the rules like any other.

ERPNext links an incoming Call Log to the Contact or Lead with the caller's number and shows its call popup to
the agents; an Email Account that appends to Lead makes a Lead of an unknown sender. The app adds the party's
standing to both: the popup and the Communication form ask ``caller_standing`` / ``reference_standing``.
"""

from __future__ import annotations

import frappe
from frappe import _

from customer_priority.utils import reasons

STANDING_DOCTYPES = ("Customer", "Lead", "Opportunity", "Issue")
TITLE_FIELDS = {"Customer": "customer_name", "Lead": "lead_name", "Opportunity": "title", "Issue": "subject"}


def standing_of(doctype: str, name: str) -> dict | None:
	"""A party's tier and its reason, in the reader's language."""
	if doctype not in STANDING_DOCTYPES or not name:
		return None
	row = frappe.db.get_value(
		doctype,
		name,
		[TITLE_FIELDS[doctype], "cp_priority_tier", "cp_tier_reason", "cp_tier_reason_data"],
		as_dict=True,
	)
	if not row or not frappe.has_permission(doctype, "read", doc=name):
		return None
	return {
		"party_type": doctype,
		"party": name,
		"title": row.get(TITLE_FIELDS[doctype]) or name,
		"tier": row.cp_priority_tier,
		"why": reasons.for_reader(row.cp_tier_reason_data, row.cp_tier_reason),
	}


def party_of_call(call_log) -> tuple[str, str] | tuple[None, None]:
	"""Who is calling: the Call Log's customer, a linked customer, a linked contact's customer, else a linked lead
	(or its customer)."""
	if call_log.get("customer"):
		return "Customer", call_log.customer
	links = {(link.link_doctype, link.link_name) for link in call_log.get("links") or []}
	for doctype, name in sorted(links):
		if doctype == "Customer":
			return "Customer", name
	for doctype, name in sorted(links):
		if doctype == "Contact":
			customer = frappe.db.get_value(
				"Dynamic Link",
				{"parenttype": "Contact", "parent": name, "link_doctype": "Customer"},
				"link_name",
			)
			if customer:
				return "Customer", customer
	for doctype, name in sorted(links):
		if doctype == "Lead":
			customer = frappe.db.get_value("Lead", name, "customer")
			return ("Customer", customer) if customer else ("Lead", name)
	return None, None


def lead_for_unknown_caller(doc, method=None) -> None:
	"""Call Log before_insert (after ERPNext linked the caller's Contact or Lead): an incoming call from a number
	nobody has becomes a Lead, tiered by the rules, and the call is linked to it."""
	if doc.get("type") != "Incoming" or doc.get("customer") or not doc.get("from"):
		return
	if any(link.link_doctype in ("Contact", "Lead", "Customer") for link in doc.get("links") or []):
		return
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": _("Caller {0}").format(doc.get("from")),
			"mobile_no": doc.get("from"),
			"source": "Cold Calling" if frappe.db.exists("Lead Source", "Cold Calling") else None,
		}
	).insert(ignore_permissions=True)
	doc.append("links", {"link_doctype": "Lead", "link_name": lead.name})
