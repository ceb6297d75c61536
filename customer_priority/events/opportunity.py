"""Opportunity: the request tier of its party (lead, prospect or customer) at its sales stage."""

import frappe

from customer_priority.engine.tiers import Relationship
from customer_priority.events import requests
from customer_priority.events.customer import protect_computed_fields


def party_facts(doc) -> tuple[Relationship, dict]:
	party_type, party = doc.get("opportunity_from"), doc.get("party_name")
	if party_type == "Customer" and party:
		return Relationship.CURRENT, requests.customer_facts(party)
	if party_type == "Lead" and party:
		customer = frappe.db.get_value("Lead", party, "customer")
		if customer:
			return Relationship.CURRENT, requests.customer_facts(customer)
	return Relationship.PROSPECT, {}


def validate(doc, method=None):
	protect_computed_fields(doc)
	settings = requests.settings()
	relationship, known = party_facts(doc)
	stage = requests.stage_from_sales_stage(doc.get("sales_stage"), settings, bool(doc.get("cp_final_stage")))
	facts = requests.request_facts(doc, settings, stage, relationship, known)
	requests.apply_tier(doc, requests.decide(doc, facts, settings, known))


def on_update(doc, method=None):
	requests.log_tier_change(doc)
