"""Periodic reviews of key accounts (spec section 3): which are due, a daily ToDo for each one's account manager,
and the workspace's count. Whether a review is due is the engine's rule (``is_review_due``)."""

import frappe
from frappe import _
from frappe.utils import getdate

from customer_priority.engine.evaluation import is_review_due
from customer_priority.utils.permissions import readable

MARKER = "[customer-priority-review]"


def key_accounts_due(today=None, only_readable: bool = False) -> list:
	"""Enabled key accounts whose review is due (never reviewed counts as due)."""
	today = getdate(today)
	condition = readable("Customer", "name") if only_readable else ""
	rows = frappe.db.sql(
		f"""select name, customer_name, account_manager, cp_next_review_date from `tabCustomer`
		where cp_key_account = 1 and disabled = 0 {"and " + condition if condition else ""}""",
		as_dict=True,
	)
	return [
		r
		for r in rows
		if is_review_due(getdate(r.cp_next_review_date) if r.cp_next_review_date else None, today)
	]


def create_review_todos() -> int:
	today = getdate()
	created = 0
	for row in key_accounts_due(today):
		if not row.account_manager:
			continue
		if frappe.db.exists(
			"ToDo",
			{
				"reference_type": "Customer",
				"reference_name": row.name,
				"status": "Open",
				"allocated_to": row.account_manager,
				"description": ("like", f"%{MARKER}%"),
			},
		):
			continue
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": row.account_manager,
				"reference_type": "Customer",
				"reference_name": row.name,
				"date": row.cp_next_review_date or today,
				"priority": "High",
				"description": _(
					"Periodic review of key account {0} is due: fill in a Customer Evaluation"
				).format(row.customer_name)
				+ f" {MARKER}",
			}
		).insert(ignore_permissions=True)
		created += 1
	return created
