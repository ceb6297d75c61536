from frappe.model.document import Document


class CustomerPriorityCompany(Document):
	pass
