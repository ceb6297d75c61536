"""Lead: its request tier (spec section 1), decided on every save; a lead of an existing customer inherits
that customer's standing."""

from customer_priority.engine.tiers import Relationship
from customer_priority.events.guards import protect_computed_fields
from customer_priority.requests import facts, routing


def validate(doc, method=None):
	known = facts.customer_facts(doc.customer) if doc.get("customer") else {}
	new_or_prospect = (
		Relationship.PROSPECT if doc.get("status") in facts.PROSPECT_LEAD_STATUSES else Relationship.NEW
	)
	protect_computed_fields(doc)
	facts.retier_request(doc, facts.lead_stage(doc), new_or_prospect, known)


def before_save(doc, method=None):
	routing.on_request_before_save(doc)


def on_update(doc, method=None):
	facts.log_tier_change(doc)
	routing.on_request_update(doc)
