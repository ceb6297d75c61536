"""What every party and request form shares: its reason read in the reader's language, and its log on delete."""

import frappe

from customer_priority.utils import reasons


def onload(doc, method=None):
	"""The form shows "why this tier" in the language of whoever opens it, whoever's action stored it."""
	if doc.get("cp_tier_reason") or doc.get("cp_tier_reason_data"):
		doc.cp_tier_reason = reasons.for_reader(doc.get("cp_tier_reason_data"), doc.get("cp_tier_reason"))
	if doc.get("cp_ask_next_data"):  # the questions a request to qualify still needs, the same way
		doc.cp_ask_next = reasons.for_reader(doc.cp_ask_next_data, doc.get("cp_ask_next"))
	if doc.get("cp_conversion_reason_data"):  # and why its chance to buy is what it is
		doc.cp_conversion_reason = reasons.for_reader(
			doc.cp_conversion_reason_data, doc.get("cp_conversion_reason")
		)


def on_trash(doc, method=None):
	"""Deleting a customer or lead takes its tier log with it (the log is in ``ignore_links_on_delete``)."""
	frappe.db.delete("Customer Tier Log", {"party_type": doc.doctype, "party": doc.name})
