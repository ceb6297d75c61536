from frappe.model.document import Document


class CustomerPriorityLevel(Document):
	pass
