"""Ranking by gross profit: "Rank Customers By" (Revenue) and "Thin Margin Below" start at their defaults on a site
that had the app before them, so existing sites keep ranking as they did."""

from customer_priority.setup.install import make_default_records


def execute():
	make_default_records()
