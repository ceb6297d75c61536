from customer_priority.install import sync_custom_fields


def execute():
	"""Keep the app's fields on ERPNext's doctypes current on every migrate."""
	sync_custom_fields()
