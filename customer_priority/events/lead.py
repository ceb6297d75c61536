"""Lead: its request tier (spec section 1), decided on every save; a lead of an existing customer inherits
that customer's standing."""

from customer_priority.engine.tiers import Relationship
from customer_priority.events import requests
from customer_priority.events.customer import protect_computed_fields


def validate(doc, method=None):
	protect_computed_fields(doc)
	settings = requests.settings()
	known = requests.customer_facts(doc.customer) if doc.get("customer") else {}
	relationship = (
		Relationship.PROSPECT if doc.get("status") in requests.PROSPECT_LEAD_STATUSES else Relationship.NEW
	)
	facts = requests.request_facts(doc, settings, requests.lead_stage(doc, settings), relationship, known)
	requests.apply_tier(doc, requests.decide(doc, facts, settings, known))


def on_update(doc, method=None):
	requests.log_tier_change(doc)
