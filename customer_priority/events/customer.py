"""Customer: computed fields are the app's to write, and merges bring their orders' aggregates along."""

import frappe
from frappe import _

from customer_priority.custom_fields import computed_fieldnames
from customer_priority.recompute import recompute_customers
from customer_priority.standing import PROFILE_FIELDS, retier_customer


def validate(doc, method=None):
	protect_computed_fields(doc)


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


def on_update(doc, method=None):
	"""A changed potential profile can make (or unmake) a key account at once, before it buys anything."""
	before = doc.get_doc_before_save()
	if before is None or any(str(before.get(f) or "") != str(doc.get(f) or "") for f in PROFILE_FIELDS):
		retier_customer(doc.name, "Hook", reference=doc)
		doc.update(
			frappe.db.get_value(doc.doctype, doc.name, list(computed_fieldnames(doc.doctype)), as_dict=True)
		)


def after_rename(doc, method=None, old=None, new=None, merge=False):
	"""After a merge the surviving customer owns both histories: rebuild its aggregates from its orders."""
	if merge:
		recompute_customers([new])
