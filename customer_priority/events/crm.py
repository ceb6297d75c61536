"""Frappe CRM's CRM Lead and CRM Deal: the same tier rules, routing, Respond By and log as ERPNext's Lead and
Opportunity, decided on every save. Registered in hooks.py; they only fire where Frappe CRM is installed."""

from customer_priority.engine.tiers import Relationship, recorded
from customer_priority.events.guards import protect_computed_fields
from customer_priority.requests import conversion, facts, partners, qualify, reading, routing


def lead_validate(doc, method=None):
	if not partners.has_tiers(doc.doctype):
		return
	protect_computed_fields(doc)
	# Who is writing: a Contact's customer, a customer of the same mail domain, an open lead of it.
	matched = reading.match_into(doc, doc.get("email"), doc.get("mobile_no"))
	known = facts.customer_facts(matched.customer) if matched.customer else {}
	conversion.score_into(doc)  # before the tier, which may read it
	talking = doc.get("status") in partners.CRM_LEAD_PROSPECT or matched.lead
	relationship = Relationship.PROSPECT if talking else Relationship.NEW
	stage = partners.crm_lead_stage(doc, bool(recorded(doc.get("cp_at_final_stage"))))
	facts.retier_request(doc, stage, relationship, known)


def deal_validate(doc, method=None):
	if not partners.has_tiers(doc.doctype):
		return
	protect_computed_fields(doc)
	customer = partners.deal_customer(doc)
	if doc.meta.has_field("cp_matched_customer"):
		doc.cp_matched_customer = customer
	known = facts.customer_facts(customer) if customer else {}
	conversion.score_into(doc)
	relationship = Relationship.CURRENT if customer else Relationship.PROSPECT
	stage = partners.deal_stage(doc, bool(recorded(doc.get("cp_at_final_stage"))))
	facts.retier_request(doc, stage, relationship, known)


def before_save(doc, method=None):
	if partners.has_tiers(doc.doctype):
		routing.on_request_before_save(doc)


def on_update(doc, method=None):
	if partners.has_tiers(doc.doctype):
		facts.log_tier_change(doc)
		routing.on_request_update(doc)
		qualify.on_request_update(doc)
