"""Daily: a ToDo for the account manager of every key account whose periodic review is due (spec section 3)."""

import frappe
from frappe import _
from frappe.utils import getdate

MARKER = "[customer-priority-review]"


def create_review_todos() -> int:
	today = getdate()
	due = frappe.db.sql(
		"""select name, customer_name, account_manager, cp_next_review_date from `tabCustomer`
		where cp_key_account = 1 and disabled = 0 and ifnull(account_manager, '') != ''
		and (cp_next_review_date is null or cp_next_review_date <= %s)""",
		today,
		as_dict=True,
	)
	created = 0
	for row in due:
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
