"""Call Log: after ERPNext linked the caller's Contact or Lead, a number nobody has becomes a tiered Lead."""

from customer_priority.requests.intake import lead_for_unknown_caller


def before_insert(doc, method=None):
	lead_for_unknown_caller(doc)
