"""Routing, response times and escalation start at their defaults on a site that had the app before them."""

from customer_priority.setup.install import make_default_records


def execute():
	make_default_records()
