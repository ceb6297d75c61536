"""Issue: a new issue takes ERPNext's own priority (and so its SLA) from its customer's or lead's tier."""

import frappe

from customer_priority.data.settings import (
	issue_priority_for,
)
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.i18n import reason
from customer_priority.events.guards import protect_computed_fields
from customer_priority.requests import reading, routing
from customer_priority.standing.explain import reason_values
from customer_priority.utils import reasons


def party_standing(doc) -> tuple[str | None, str | None, list]:
	"""The tier of the issue's customer, else of its lead, with that party's own reasons."""
	for doctype, party in (("Customer", doc.get("customer")), ("Lead", doc.get("lead"))):
		if party:
			tier, name, why = standing_of_party(doctype, party)
			if tier:
				return tier, name, why
	return None, None, []


def standing_of_party(doctype: str, party: str) -> tuple[str | None, str | None, list]:
	row = frappe.db.get_value(
		doctype, party, ["cp_priority_tier", "cp_tier_reason", "cp_tier_reason_data"], as_dict=True
	)
	if row and row.cp_priority_tier:
		return row.cp_priority_tier, party, reasons.stored(row.cp_tier_reason_data, row.cp_tier_reason)
	return None, None, []


def take_tier(doc, tier: str | None, matched: list, why: list, leading: list = ()) -> bool:
	"""An issue or a ticket coming in: the tier of the party behind it and why (``leading`` first, then who
	matched); with no tier, only who matched. Whether it took one."""
	if not tier:
		if matched:
			doc.update(reason_values(matched))
		return False
	doc.cp_priority_tier = tier
	doc.update(reason_values([*leading, *matched, *why]))
	return True


def validate(doc, method=None):
	if not doc.is_new():
		protect_computed_fields(doc)  # the tier and its reason stay as they came in


def before_save(doc, method=None):
	routing.on_request_before_save(doc)


def on_update(doc, method=None):
	routing.on_request_update(doc)


def before_insert(doc, method=None):
	tier, party, why = party_standing(doc)
	matched = []
	if not tier and doc.get("raised_by"):
		# An issue by email from someone not linked yet: who is writing (a contact's customer, the mail domain).
		found = reading.match_into(doc, doc.get("raised_by"), None)
		matched = list(found.reasons)
		if found.customer:
			tier, party, why = standing_of_party("Customer", found.customer)
	if not take_tier(
		doc, tier, matched, [reason(mark("Tier of {party} when the issue came in"), party=party), *why]
	):
		return
	if not doc.get("priority"):
		priority = issue_priority_for(tier)
		if priority and frappe.db.exists("Issue Priority", priority):
			doc.priority = priority
