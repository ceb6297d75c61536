"""Bring named customers back in line with their orders: the queued follow-up when an order's hook failed, and
the finishing pass of a full recompute for customers whose orders moved while it ran.

The customers' rows are locked before their orders are read, so a submit committing at the same moment is either
seen here or waits and applies its delta on top of the rebuilt row: no order is lost and none counted twice.
"""

from __future__ import annotations

import frappe
from frappe.utils import add_to_date

from customer_priority.data import purchases
from customer_priority.standing.rebuild import recompute_customers

# How far before its start a recompute looks for orders changed under it: longer than any submit takes.
MARGIN_MINUTES = 2


def rebuild_customers(customers: list[str], source: str = "Hook") -> int:
	"""Background job: rebuild these customers' aggregates from their orders and re-decide them."""
	customers = sorted({c for c in customers or [] if isinstance(c, str)})
	frappe.db.commit()  # a fresh transaction: its snapshot is taken after the locks below
	customer = frappe.qb.DocType("Customer")
	existing = (
		frappe.qb.from_(customer)
		.select(customer.name)
		.where(customer.name.isin(customers or [""]))
		.orderby(customer.name)
		.for_update()
		.run(pluck=True)
	)
	if existing:
		recompute_customers(existing, source)
	frappe.db.commit()
	return len(existing)


def out_of_step_since(started) -> list[str]:
	"""Customers whose orders changed since a recompute started (less the margin) and whose stored totals no
	longer match them; the same for their invoices' gross profit (a part leaves a customer an invoice hook moved
	under it, ``write.WATCHED``)."""
	since, counted = add_to_date(started, minutes=-MARGIN_MINUTES), purchases.current()
	return sorted({*purchases.out_of_step(counted, since), *purchases.profit_out_of_step(counted, since)})
