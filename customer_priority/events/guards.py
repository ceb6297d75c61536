"""What every tiered document's save keeps: the app's computed fields are the app's to write."""

import frappe
from frappe import _

from customer_priority.setup.custom_fields import computed_fieldnames


def protect_computed_fields(doc) -> None:
	"""Keep the app's computed fields as stored: users change a tier through the override, never by editing it.

	Silently keeping the stored value (instead of refusing the save) also protects a form opened before a
	hook updated the customer in the background.
	"""
	if doc.flags.cp_allow_computed:
		return
	fields = computed_fieldnames(doc.doctype)
	if doc.is_new():
		for field in fields:
			doc.set(field, None)
		return
	stored = doc.get_doc_before_save() or {}
	changed = [
		f
		for f in fields
		if (doc.get(f) or None) != (stored.get(f) or None)
		and str(doc.get(f) or "") != str(stored.get(f) or "")
	]
	for field in changed:
		doc.set(field, stored.get(field))
	if changed and frappe.session.user != "Administrator":
		frappe.msgprint(
			_(
				"Priority fields are computed and were left as they are; a Sales Manager can override the tier."
			),
			indicator="orange",
			alert=True,
		)
