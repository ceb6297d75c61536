"""Opportunity: the request tier of its party (lead, prospect or customer) at its sales stage."""

import frappe

from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.tiers import Relationship, recorded, stage_from_sales_stage
from customer_priority.events.guards import protect_computed_fields
from customer_priority.requests import conversion, facts, qualify, routing
from customer_priority.standing import watch


def party_facts(doc) -> tuple[Relationship, dict]:
	party_type, party = doc.get("opportunity_from"), doc.get("party_name")
	if party_type == "Customer" and party:
		return Relationship.CURRENT, facts.customer_facts(party)
	if party_type == "Lead" and party:
		# The lead's customer, or the one its sender matched (``requests.senders``).
		customer = frappe.db.get_value("Lead", party, "customer") or frappe.db.get_value(
			"Lead", party, "cp_matched_customer"
		)
		if customer:
			return Relationship.CURRENT, facts.customer_facts(customer)
	return Relationship.PROSPECT, {}


def validate(doc, method=None):
	relationship, known = party_facts(doc)
	final = bool(recorded(doc.get("cp_at_final_stage")))
	stage = stage_from_sales_stage(doc.get("sales_stage"), get_engine_settings(), final)
	protect_computed_fields(doc)
	conversion.score_into(doc)  # before the tier, which may read it
	facts.retier_request(doc, stage, relationship, known)


def before_save(doc, method=None):
	routing.on_request_before_save(doc)


def on_update(doc, method=None):
	facts.log_tier_change(doc)
	routing.on_request_update(doc)
	qualify.on_request_update(doc)
	if (
		doc.get("opportunity_from") == "Customer"
		and doc.get("party_name")
		and doc.has_value_changed("status")
	):
		# An opportunity lost (or reopened) moves its customer's watch at once.
		watch.rewatch_customer(doc.party_name, doc)
