"""Append-only history of every change of tier, level, key account, relationship level or lifecycle."""

import frappe
from frappe import _
from frappe.model.document import Document

from customer_priority.utils import reasons


class CustomerTierLog(Document):
	def onload(self):
		self.reason = reasons.for_reader(self.reason_data, self.reason)

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("The tier log is a history: its entries cannot be changed"), frappe.PermissionError
			)

	def on_trash(self):
		if "System Manager" not in frappe.get_roles():
			frappe.throw(_("Only a System Manager can delete tier log entries"), frappe.PermissionError)
