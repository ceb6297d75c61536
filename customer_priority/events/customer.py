"""Customer: computed fields are the app's to write, and merges bring their orders' aggregates along."""

import frappe

from customer_priority.events.guards import protect_computed_fields
from customer_priority.setup.custom_fields import computed_fieldnames
from customer_priority.standing.rebuild import recompute_customers, retier_customer
from customer_priority.standing.stored import PROFILE_FIELDS


def validate(doc, method=None):
	protect_computed_fields(doc)


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
