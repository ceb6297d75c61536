"""Predictions and Helpdesk: the horizon, the rules' thresholds (each rule off) and the tier-to-ticket-priority
mapping start at their shipped defaults on a site that had the app before them."""

from customer_priority.setup.install import make_default_records


def execute():
	make_default_records()
