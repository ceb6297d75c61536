from frappe.model.document import Document


class CustomerEvaluationReviewer(Document):
	pass
