"""Settings' "Preview Changes": what saving the form as edited would change, without saving it."""

import json

import frappe
from frappe import _
from frappe.utils import getdate

from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.data.settings import (
	engine_settings_from,
	get_engine_settings,
	included_companies,
	value_source,
)
from customer_priority.standing.preview import preview


@frappe.whitelist(methods=["POST"])
@frappe.read_only()  # reads only: on the site's read replica when it has one
def preview_settings(doc=None) -> dict:
	"""The moves between tiers, levels, classes, key accounts, lifecycles and relationship levels the edited (unsaved)
	Settings would make, checked by the Settings' own validation. Only who may change the Settings may ask."""
	if not frappe.has_permission(SETTINGS, "write"):
		frappe.throw(
			_("Only someone who may change the Customer Priority Settings can preview changes to them"),
			frappe.PermissionError,
		)
	edited = edited_settings(doc)
	# The Settings' own checks (a clear message for every bad value, as on save); nothing is saved.
	edited.validate()
	result = preview(engine_settings_from(edited).validate(), get_engine_settings(), getdate())
	result["notes"] = not_previewed(edited)
	return result


def edited_settings(doc):
	"""The Settings document as the form holds it (``frm.doc``), never saved."""
	if isinstance(doc, str):
		try:
			doc = json.loads(doc)
		except ValueError:
			doc = None
	if not isinstance(doc, dict):
		frappe.throw(
			_("The settings to preview must be the Settings form's values"), title=_("Invalid Settings")
		)
	for table in ("levels", "companies"):
		if not isinstance(doc.get(table) or [], list) or not all(
			isinstance(r, dict) for r in doc.get(table) or []
		):
			frappe.throw(
				_("The settings to preview must be the Settings form's values"), title=_("Invalid Settings")
			)
	return frappe.get_doc({**doc, "doctype": SETTINGS, "name": SETTINGS})


def not_previewed(edited) -> list[str]:
	"""Changes whose effect the preview does not show: which documents count and for which companies decide what
	is read, and the preview reads what the saved Settings count."""
	notes = []
	if (edited.value_source or "Sales Order") != value_source():
		notes.append(_("Value Source is not previewed: save and recompute to see what it changes"))
	if sorted(row.company for row in edited.companies) != sorted(included_companies()):
		notes.append(_("Companies are not previewed: save and recompute to see what they change"))
	return notes
