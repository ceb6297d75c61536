"""Communication: an email received on a lead or an opportunity is read for what it asks (its type, urgency),
and the request is decided again with what was read. Reading never stops ERPNext's email pull: a failure is
rolled back to a savepoint and logged, and the message is kept as ERPNext received it."""

import frappe
from frappe import _

from customer_priority.requests import partners, reading
from customer_priority.utils.transactions import transaction_lost

READ_DOCTYPES = ("Lead", "Opportunity", *partners.CRM_DOCTYPES)
"""ERPNext's leads and opportunities, and Frappe CRM's leads and deals where it is installed."""
SAVEPOINT = "customer_priority_reading"


def on_update(doc, method=None):
	"""ERPNext inserts a pulled email first and saves its body after (with its inline images): read it once the
	words are there, on whichever save brings them."""
	if doc.get("communication_type") != "Communication" or doc.get("sent_or_received") != "Received":
		return
	if not (doc.get("content") or "").strip() and not (doc.get("subject") or "").strip():
		return
	if not (doc.has_value_changed("content") or doc.has_value_changed("subject")):
		return  # saved again for another reason (seen, linked): its words were read already
	if doc.get("reference_doctype") not in READ_DOCTYPES or not doc.get("reference_name"):
		return
	if not partners.has_tiers(doc.reference_doctype):
		return
	frappe.db.savepoint(SAVEPOINT)
	try:
		request = frappe.get_doc(doc.reference_doctype, doc.reference_name)
		source = "email" if doc.get("communication_medium") == "Email" else "web form"
		if reading.read_into(request, doc.get("subject"), doc.get("content"), source, message=doc.name):
			request.flags.ignore_permissions = True
			request.flags.cp_allow_computed = True  # what was read is the app's to write
			request.flags.ignore_mandatory = True  # an emailed lead may lack what a form would ask for
			request.save()
		else:
			request.db_set("cp_intake_data", request.cp_intake_data, update_modified=False)
	except Exception as exc:
		if transaction_lost(exc):
			raise
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(
			title=_("Customer Priority could not read {0}").format(doc.name),
			reference_doctype="Communication",
			reference_name=doc.name,
		)
	else:
		frappe.db.release_savepoint(SAVEPOINT)
