"""A request to qualify: its owner gets one ToDo to ask the questions it still needs, due within its tier's
response time; the ToDo is closed once nothing is left to ask."""

import frappe
from frappe import _
from frappe.utils import getdate

from customer_priority.engine.settings import TIERS
from customer_priority.requests.partners import OWNER_FIELD
from customer_priority.requests.routing import account_manager, open_assignees
from customer_priority.standing.announcements import language
from customer_priority.utils import reasons

MARKER = "[customer-priority-qualify]"


def owner_of(doc) -> str | None:
	"""Who qualifies a request: its owner, else whoever the request went to."""
	owner = doc.get(OWNER_FIELD.get(doc.doctype, "owner"))
	owner = owner or account_manager(doc) or next(iter(open_assignees(doc)), None)
	return owner if owner and owner not in ("Administrator", "Guest") else None


def open_qualify_todos(doc) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={
			"reference_type": doc.doctype,
			"reference_name": doc.name,
			"status": "Open",
			"description": ("like", f"%{MARKER}%"),
		},
		pluck="name",
	)


def on_request_update(doc) -> None:
	"""After a lead's or opportunity's save: a ToDo to qualify it while it is to qualify, closed when it is not."""
	todos = open_qualify_todos(doc)
	if not doc.get("cp_to_qualify"):
		for name in todos:
			frappe.db.set_value("ToDo", name, "status", "Closed")
		return
	owner = owner_of(doc)
	if todos or not owner or doc.get("cp_priority_tier") in (None, "", TIERS[-1]):
		return  # a Low request (the article's: not worth the effort yet) gets no ToDo
	lang = language(owner)
	ask = reasons.for_reader(doc.get("cp_ask_next_data"), doc.get("cp_ask_next"), lang)
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": owner,
			"reference_type": doc.doctype,
			"reference_name": doc.name,
			"date": getdate(doc.get("cp_respond_by")) if doc.get("cp_respond_by") else getdate(),
			"priority": "High" if doc.get("cp_priority_tier") in ("First", "High") else "Medium",
			"description": _("Qualify {0} {1}: {2}", lang=lang).format(
				_(doc.doctype, lang=lang), doc.name, ask
			)
			+ f" {MARKER}",
		}
	).insert(ignore_permissions=True)
