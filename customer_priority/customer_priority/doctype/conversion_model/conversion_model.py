"""What a training of the conversion model found: kept for an admin to read, made only by the training job."""

import frappe
from frappe import _
from frappe.model.document import Document

from customer_priority.utils import reasons


class ConversionModel(Document):
	def onload(self):
		if self.message_data:
			self.message = reasons.for_reader(self.message_data, self.message)

	def validate(self):
		if not self.is_new():
			frappe.throw(_("A conversion model is a record of one training: it cannot be changed"))
