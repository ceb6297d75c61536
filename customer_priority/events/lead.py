"""Lead: its request tier (spec section 1), decided on every save; a lead of an existing customer inherits
that customer's standing."""

from customer_priority import routing
from customer_priority.engine.tiers import Relationship
from customer_priority.events import requests


def validate(doc, method=None):
	known = requests.customer_facts(doc.customer) if doc.get("customer") else {}
	new_or_prospect = (
		Relationship.PROSPECT if doc.get("status") in requests.PROSPECT_LEAD_STATUSES else Relationship.NEW
	)
	requests.retier_request(doc, requests.lead_stage(doc), new_or_prospect, known)


def before_save(doc, method=None):
	routing.on_request_before_save(doc)


def on_update(doc, method=None):
	requests.log_tier_change(doc)
	routing.on_request_update(doc)
