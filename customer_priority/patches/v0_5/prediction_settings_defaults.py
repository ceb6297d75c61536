"""Predictions: the horizon and the rules' thresholds start at their shipped defaults (each rule off) on a site that
had the app before them."""

from customer_priority.setup.install import make_default_records


def execute():
	make_default_records()
