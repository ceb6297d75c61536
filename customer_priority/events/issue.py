"""Issue: a new issue takes ERPNext's own priority (and so its SLA) from its customer's or lead's tier."""

import frappe
from frappe import _

from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	issue_priority_for,
)


def before_insert(doc, method=None):
	tier, source = None, None
	if doc.get("customer"):
		tier, source = frappe.db.get_value("Customer", doc.customer, "cp_priority_tier"), doc.customer
	if not tier and doc.get("lead"):
		tier, source = frappe.db.get_value("Lead", doc.lead, "cp_priority_tier"), doc.lead
	if not tier:
		return
	doc.cp_priority_tier = tier
	doc.cp_tier_reason = _("Tier of {0} when the issue came in").format(source)
	if not doc.get("priority"):
		priority = issue_priority_for(tier)
		if priority and frappe.db.exists("Issue Priority", priority):
			doc.priority = priority
