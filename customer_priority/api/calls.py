"""Who is on the line: the standing shown in ERPNext's call popup and on a Communication's form."""

from __future__ import annotations

import frappe

from customer_priority.requests.intake import STANDING_DOCTYPES, party_of_call, standing_of
from customer_priority.utils import inputs


@frappe.whitelist()
@frappe.read_only()  # reads only: on the site's read replica when it has one
def caller_standing(call_log: str | None = None) -> dict | None:
	"""For the call popup: the caller's party, its tier and why."""
	inputs.existing("Call Log", "Call Log", call_log)
	frappe.has_permission("Call Log", "read", doc=call_log, throw=True)
	doctype, name = party_of_call(frappe.get_doc("Call Log", call_log))
	return standing_of(doctype, name) if doctype else None


@frappe.whitelist()
@frappe.read_only()  # reads only: on the site's read replica when it has one
def reference_standing(doctype: str | None = None, name: str | None = None) -> dict | None:
	"""For a Communication: the standing of the document it is about (none for a document that has none)."""
	inputs.required("Document Type", doctype)
	inputs.name("Document Type", doctype)
	if not frappe.db.exists("DocType", doctype):
		inputs.existing("Document Type", "DocType", doctype)
	if doctype not in STANDING_DOCTYPES:
		return None
	inputs.existing("Name", doctype, name)
	frappe.has_permission(doctype, "read", doc=name, throw=True)
	return standing_of(doctype, name)
