"""Helpdesk's HD Ticket: a ticket from a customer takes that customer's tier, and the tier sets the ticket's
priority (a mapping in Settings), so Helpdesk's own Service Level Agreement gives it the tier's response time.
Registered in hooks.py; it only fires where Helpdesk is installed."""

import frappe

from customer_priority.data.settings import ticket_priority_for
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.i18n import reason
from customer_priority.events.guards import protect_computed_fields
from customer_priority.events.issue import standing_of_party, take_tier
from customer_priority.requests import partners, reading


def validate(doc, method=None):
	"""Runs after Helpdesk's own before_validate (its default priority and SLA) and before its before_save, which
	computes Response By from the priority set here."""
	if not partners.has_tiers(doc.doctype):
		return
	if not doc.is_new():
		protect_computed_fields(doc)  # the tier and its reason stay as the ticket came in
		return
	customer = partners.ticket_customer(doc)
	matched = []
	if not customer and doc.get("raised_by"):
		found = reading.match_into(doc, doc.get("raised_by"), None)
		matched, customer = list(found.reasons), found.customer
	tier, party, why = standing_of_party("Customer", customer) if customer else (None, None, [])
	if doc.meta.has_field("cp_matched_customer"):
		doc.cp_matched_customer = customer
	priority = ticket_priority_for(tier) if tier else None
	if not (priority and frappe.db.exists("HD Ticket Priority", priority)):
		priority = None
	why = [reason(mark("Tier of {party} when the ticket came in"), party=party), *why]
	given = (
		[reason(mark("Priority {priority} from the customer's tier"), priority=priority)] if priority else []
	)
	if take_tier(doc, tier, matched, why, leading=given) and priority:
		doc.priority = priority
