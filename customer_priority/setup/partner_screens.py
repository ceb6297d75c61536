"""The tier in Frappe CRM's and Helpdesk's own screens, through their own extension points (their pages do not run
desk form scripts): a "Priority" section on the side panel of CRM's lead and deal pages (CRM Fields Layout), and
the tier with its reason beside the priority in Helpdesk's agent ticket view (the Default HD Ticket Template's
fields); the manual override for managers on CRM's pages (a CRM Form Script). Added when both apps are
installed, taken off again when either goes; a site's own layout is kept."""

from __future__ import annotations

import json
from pathlib import Path

import frappe

SECTION = "cp_priority_section"
CRM_PANEL_FIELDS = [
	"cp_priority_tier",
	"cp_tier_reason",
	"cp_respond_by",
	"cp_overdue",
	"cp_matched_customer",
	"cp_ask_next",
	"cp_request_type",
	"cp_important_to_them",
	"cp_open_about_details",
	"cp_could_become_key",
	"cp_at_final_stage",
	"cp_last_request",
]
TICKET_FIELDS = ("cp_priority_tier", "cp_tier_reason")
DEFAULT_TICKET_TEMPLATE = "Default"


def side_panel(doctype: str):
	name = frappe.db.get_value("CRM Fields Layout", {"dt": doctype, "type": "Side Panel"}, "name")
	return frappe.get_doc("CRM Fields Layout", name) if name else None


VIEWS = {"CRM Lead": "Leads by Priority", "CRM Deal": "Deals by Priority"}
"""A public list view of each, with the tier, its reason and Respond By, soonest first (crm#792: sortable)."""
VIEW_COLUMNS = {
	"CRM Lead": [
		("lead_name", "Name", "Data"),
		("organization", "Organization", "Link"),
		("status", "Status", "Select"),
	],
	"CRM Deal": [
		("organization", "Organization", "Link"),
		("status", "Status", "Select"),
		("deal_value", "Value", "Currency"),
	],
}
TIER_COLUMNS = [
	("cp_priority_tier", "Priority Tier", "Select"),
	("cp_respond_by", "Respond By", "Datetime"),
	("cp_tier_reason", "Why This Tier", "Small Text"),
]


def add_crm_views() -> None:
	for doctype, label in VIEWS.items():
		if frappe.db.exists("CRM View Settings", {"label": label, "dt": doctype}):
			continue
		columns = [*TIER_COLUMNS, *VIEW_COLUMNS[doctype]]
		frappe.get_doc(
			{
				"doctype": "CRM View Settings",
				"label": label,
				"dt": doctype,
				"type": "list",
				"public": 1,
				"route_name": "Leads" if doctype == "CRM Lead" else "Deals",
				"order_by": "cp_respond_by asc",
				"columns": json.dumps(
					[
						{"key": key, "label": label_, "type": kind, "width": "12rem"}
						for key, label_, kind in columns
					]
				),
				"rows": json.dumps(["name", *(key for key, _label, _kind in columns)]),
			}
		).insert(ignore_permissions=True)
	# Public: CRM lists the views whose user is empty, not NULL (as its own "make public" leaves them).
	frappe.db.sql(
		"update `tabCRM View Settings` set user = '' where label in %(labels)s",
		{"labels": tuple(VIEWS.values())},
	)


FORM_SCRIPT = "{0}: Tier by Hand"
"""A CRM Form Script per doctype: the manual override in CRM's own lead and deal pages (crm#792)."""


def form_script_source() -> str:
	return (
		Path(frappe.get_app_path("customer_priority")) / "public" / "js" / "crm_form_script.js"
	).read_text()


def add_crm_form_scripts() -> None:
	source = form_script_source()
	for doctype in VIEWS:
		name = FORM_SCRIPT.format(doctype)
		if frappe.db.exists("CRM Form Script", name):
			# A migrate brings a changed script; an unchanged one is left untouched (a second migrate changes nothing).
			if frappe.db.get_value("CRM Form Script", name, "script") != source:
				frappe.db.set_value("CRM Form Script", name, "script", source)
			continue
		frappe.get_doc(
			{
				"doctype": "CRM Form Script",
				"__newname": name,
				"dt": doctype,
				"view": "Form",
				"enabled": 1,
				"script": source,
			}
		).insert(ignore_permissions=True)


def add_crm_sections() -> None:
	add_crm_views()
	add_crm_form_scripts()
	for doctype in ("CRM Lead", "CRM Deal"):
		layout = side_panel(doctype)
		if layout is None:
			continue
		sections = [s for s in json.loads(layout.layout or "[]") if s.get("name") != SECTION]
		priority = {
			"label": "Priority",
			"name": SECTION,
			"opened": True,
			"columns": [{"name": "cp_priority_column", "fields": CRM_PANEL_FIELDS}],
		}
		layout.layout = json.dumps([priority, *sections])
		layout.save(ignore_permissions=True)


def remove_crm_sections() -> None:
	if not frappe.db.exists("DocType", "CRM Fields Layout"):
		return
	for doctype, label in VIEWS.items():
		frappe.db.delete("CRM View Settings", {"label": label, "dt": doctype})
		frappe.db.delete("CRM Form Script", {"name": FORM_SCRIPT.format(doctype)})
	for doctype in ("CRM Lead", "CRM Deal"):
		layout = side_panel(doctype)
		if layout is None:
			continue
		sections = json.loads(layout.layout or "[]")
		kept = [s for s in sections if s.get("name") != SECTION]
		if kept != sections:
			layout.layout = json.dumps(kept)
			layout.save(ignore_permissions=True)


def add_ticket_fields() -> None:
	if not frappe.db.exists("HD Ticket Template", DEFAULT_TICKET_TEMPLATE):
		return
	template = frappe.get_doc("HD Ticket Template", DEFAULT_TICKET_TEMPLATE)
	have = {row.fieldname for row in template.fields}
	for fieldname in TICKET_FIELDS:
		if fieldname not in have:
			template.append("fields", {"fieldname": fieldname, "hide_from_customer": 1})
	template.save(ignore_permissions=True)


def remove_ticket_fields() -> None:
	if frappe.db.exists("DocType", "HD Ticket Template Field"):
		frappe.db.delete("HD Ticket Template Field", {"fieldname": ("in", TICKET_FIELDS)})


SCREENS = {
	"crm": (add_crm_sections, remove_crm_sections),
	"helpdesk": (add_ticket_fields, remove_ticket_fields),
}
