"""Deleting a customer or lead takes its tier log with it (the log is listed in ``ignore_links_on_delete``)."""

import frappe


def on_trash(doc, method=None):
	frappe.db.delete("Customer Tier Log", {"party_type": doc.doctype, "party": doc.name})
