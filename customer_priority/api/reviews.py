"""The workspace's count of key-account reviews due."""

import frappe
from frappe import _

from customer_priority.standing.reviews import key_accounts_due
from customer_priority.utils import inputs


@frappe.whitelist()
@frappe.read_only()  # reads only: on the site's read replica when it has one
def reviews_due_count(filters=None) -> int:
	"""The workspace's "Reviews Due" number card: key accounts the reader may see whose review is due. The card
	has no filters; any sent are refused rather than ignored."""
	inputs.no_filters(_("Reviews Due"), filters)
	frappe.has_permission("Customer", "read", throw=True)
	return len(key_accounts_due(only_readable=True))
