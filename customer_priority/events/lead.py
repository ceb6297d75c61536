"""Lead: its request tier (spec section 1), decided on every save; a lead of an existing customer inherits
that customer's standing."""

from customer_priority.engine.tiers import Relationship
from customer_priority.events.guards import protect_computed_fields
from customer_priority.requests import conversion, facts, qualify, reading, routing


def validate(doc, method=None):
	protect_computed_fields(doc)
	# Who is writing: a Contact's customer, a customer of the same mail domain, an open lead of it.
	matched = reading.match_into(doc, doc.get("email_id"), doc.get("mobile_no") or doc.get("phone"))
	# What the lead's notes say (a web form's message, a call taken down) is read like an email.
	notes = notes_text(doc)
	before = doc.get_doc_before_save()
	if notes.strip() and (before is None or notes != notes_text(before)):
		reading.read_into(doc, "", notes, "notes", message="notes")
	# The chance to buy before the tier: when Settings say so, a likely buyer counts as in its final stage.
	conversion.score_into(doc)
	customer = doc.get("customer") or matched.customer
	known = facts.customer_facts(customer) if customer else {}
	known_prospect = doc.get("status") in facts.PROSPECT_LEAD_STATUSES or matched.lead
	new_or_prospect = Relationship.PROSPECT if known_prospect else Relationship.NEW
	facts.retier_request(doc, facts.lead_stage(doc), new_or_prospect, known)


def notes_text(doc) -> str:
	return "\n".join(row.get("note") or "" for row in doc.get("notes") or [])


def before_save(doc, method=None):
	routing.on_request_before_save(doc)


def on_update(doc, method=None):
	facts.log_tier_change(doc)
	routing.on_request_update(doc)
	qualify.on_request_update(doc)
