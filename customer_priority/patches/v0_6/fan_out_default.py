"""Fanning a recompute out over the long queue's workers: "Fan Out Above (Customers)" starts at its shipped
default on a site that had the app before it."""

from customer_priority.setup.install import make_default_records


def execute():
	make_default_records()
