"""One range of predicted chance on the newest closed records a model was tested on: how many, predicted, actual."""

from frappe.model.document import Document


class ConversionCalibration(Document):
	pass
