"""Frappe CRM beside ERPNext: CRM Lead and CRM Deal tiered by the same rules, with reasons, matched to the ERPNext
Customer behind them, routed, escalated and listed in the Priority Queue (runs on a site with Frappe CRM)."""

import frappe
from frappe.utils import add_to_date

from customer_priority.api.party import set_key_account
from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.customer_priority.report.tier_changes import tier_changes
from customer_priority.requests.escalation import run_escalations
from customer_priority.utils import reasons
from tests.integration.helpers import make_contact, make_customer, make_order, make_user, unique


def key_account() -> tuple[str, str]:
	"""A key account (marked by hand) with a contact at a domain of its own: (customer, that contact's email)."""
	customer = make_customer(unique("CP Key"))
	make_order(customer, 5000)
	set_key_account(customer, 1, "Our largest distributor")
	domain = unique("key").replace(" ", "").lower() + ".example"
	email = f"buyer@{domain}"
	make_contact(customer, email=email)
	return customer, email


def crm_currency() -> str:
	# A deal or organization in CRM's own currency needs no exchange rate (which CRM would fetch online).
	return frappe.db.get_single_value("FCRM Settings", "currency") or "USD"


def crm_lead(**fields):
	return frappe.get_doc({"doctype": "CRM Lead", "first_name": unique("CP Contact"), **fields}).insert(
		ignore_permissions=True
	)


def deal_of(customer: str, status: str = "Qualification"):
	name = frappe.db.get_value("Customer", customer, "customer_name")
	if not frappe.db.exists("CRM Organization", name):
		frappe.get_doc(
			{"doctype": "CRM Organization", "organization_name": name, "currency": crm_currency()}
		).insert(ignore_permissions=True)
	return frappe.get_doc(
		{"doctype": "CRM Deal", "organization": name, "status": status, "currency": crm_currency()}
	).insert(ignore_permissions=True)


def test_a_crm_lead_at_its_final_stage_is_high_with_its_reason_and_respond_by():
	lead = crm_lead(status="Qualified", cp_at_final_stage="Yes", cp_last_request="Yes")
	assert lead.cp_priority_tier == "High"
	assert "Final stage of negotiation and this is their last request" in lead.cp_tier_reason
	assert lead.cp_respond_by and lead.cp_to_qualify == 0
	logged = frappe.get_all(
		"Customer Tier Log",
		filters={"party_type": "CRM Lead", "party": lead.name, "creation": (">=", lead.creation)},
		pluck="new_value",
	)
	assert logged == ["High"]
	persian = reasons.for_reader(lead.cp_tier_reason_data, lead.cp_tier_reason, "fa")
	assert persian and persian != lead.cp_tier_reason


def test_a_crm_lead_from_a_key_accounts_contact_takes_its_tier_and_says_who():
	customer, email = key_account()
	lead = crm_lead(email=email, status="New")
	assert lead.cp_matched_customer == customer
	assert lead.cp_priority_tier == "First"
	name = frappe.db.get_value("Customer", customer, "customer_name")
	assert f"Writes as a contact of {name}" in lead.cp_tier_reason


def test_a_new_unknown_crm_lead_is_to_qualify():
	lead = crm_lead(status="New")
	assert lead.cp_priority_tier == "Medium" and lead.cp_to_qualify == 1
	assert "not yet qualified" in lead.cp_tier_reason


def test_a_deal_takes_the_tier_of_the_customer_behind_its_organization():
	customer, _email = key_account()
	deal = deal_of(customer)
	assert deal.cp_matched_customer == customer and deal.cp_priority_tier == "First"
	assert "Key account" in deal.cp_tier_reason


def test_a_deal_ready_to_close_is_at_its_final_stage():
	deal = frappe.get_doc(
		{"doctype": "CRM Deal", "status": "Ready to Close", "currency": crm_currency()}
	).insert(ignore_permissions=True)
	assert deal.cp_priority_tier == "Medium" and "Final stage of negotiation" in deal.cp_tier_reason
	deal.cp_last_request = "Yes"
	deal.save()
	assert deal.cp_priority_tier == "High"


def test_a_high_crm_lead_is_routed_to_its_owner_and_escalated_when_unanswered():
	owner = make_user(f"{unique('crmowner').replace(' ', '').lower()}@example.com", ["Sales User"])
	# New: nobody has answered it yet (escalation watches new leads, as ERPNext's "Lead" and "Open").
	lead = crm_lead(status="New", cp_at_final_stage="Yes", cp_last_request="Yes", lead_owner=owner)
	assert lead.cp_priority_tier == "High"
	assert frappe.db.exists(
		"ToDo", {"reference_type": "CRM Lead", "reference_name": lead.name, "allocated_to": owner}
	)
	assert run_escalations(now=add_to_date(lead.cp_respond_by, minutes=5)) >= 1
	assert frappe.db.get_value("CRM Lead", lead.name, "cp_overdue") == 1


def test_the_priority_queue_lists_crm_leads_and_deals():
	customer, _email = key_account()
	deal = deal_of(customer)
	lead = crm_lead(status="Qualified", cp_at_final_stage="Yes", cp_last_request="Yes")
	_columns, rows = priority_queue.execute({})
	shown = {(row["document_type"], row["name"]): row for row in rows}
	assert shown[("CRM Deal", deal.name)]["tier"] == "First"
	assert shown[("CRM Lead", lead.name)]["tier"] == "High"
	positions = [shown[("CRM Deal", deal.name)]["position"], shown[("CRM Lead", lead.name)]["position"]]
	assert positions == sorted(positions), "First before High"


def test_tier_changes_are_filtered_by_a_crm_lead():
	from customer_priority.api.party import set_tier_override

	lead = crm_lead(status="New")
	set_tier_override("CRM Lead", lead.name, "First", "They signed a letter of intent")
	for party_type in ("CRM Lead", None):  # named, or found among the installed party types
		_columns, rows, *_rest = tier_changes.execute({"party_type": party_type, "party": lead.name})
		assert ("CRM Lead", lead.name, "Override") in [
			(r["party_type"], r["party"], r["field"]) for r in rows
		]


def test_computed_fields_stay_the_apps_and_a_manager_overrides():
	from customer_priority.api.party import set_tier_override

	lead = crm_lead(status="New")
	lead.cp_priority_tier = "First"  # typed over the computed field: kept as decided
	lead.save()
	assert frappe.db.get_value("CRM Lead", lead.name, "cp_priority_tier") == "Medium"
	set_tier_override("CRM Lead", lead.name, "First", "They signed a letter of intent")
	assert frappe.db.get_value("CRM Lead", lead.name, "cp_priority_tier") == "First"


def test_an_email_received_on_a_crm_lead_is_read_for_what_it_asks():
	lead = crm_lead(status="New")
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"sender": "someone@example.com",
			"subject": "Quotation please",
			"content": "Please send us a quotation for 200 units, it is urgent.",
			"reference_doctype": "CRM Lead",
			"reference_name": lead.name,
		}
	).insert(ignore_permissions=True)
	lead.reload()
	assert lead.cp_request_type == "Quotation"
	assert 'Read as Quotation from the email: "quotation"' in lead.cp_tier_reason


def test_crm_leads_learn_their_chance_to_buy_from_their_own_closed_history():
	"""Closed CRM leads whose buying depends on their source: a won deal for most referrals, Junk for cold calls."""
	import random

	from customer_priority.requests import conversion

	rng = random.Random(3)
	rates = {"Existing Customer": 0.85, "Campaign": 0.35, "Cold Calling": 0.05}
	for i in range(240):
		source = list(rates)[i % 3]
		lead = crm_lead(status="Contacted", source=source)
		if rng.random() < rates[source]:
			frappe.get_doc(
				{"doctype": "CRM Deal", "lead": lead.name, "status": "Won", "currency": crm_currency()}
			).insert(ignore_permissions=True)
		else:
			frappe.db.set_value("CRM Lead", lead.name, "status", "Junk")
	warm, cold = crm_lead(source="Existing Customer"), crm_lead(source="Cold Calling")
	conversion.clear_model_cache()
	try:
		name = conversion.retrain("CRM Lead", commit=False)
		record = frappe.get_doc(conversion.MODEL_DOCTYPE, name)
		assert record.status == "Ready" and record.applies_to == "CRM Lead" and record.closed >= 240
		chances = {
			n: frappe.db.get_value("CRM Lead", n, "cp_conversion_probability") for n in (warm.name, cold.name)
		}
		assert chances[warm.name] > 50 > chances[cold.name] > 0
		assert "Source Existing Customer" in frappe.db.get_value(
			"CRM Lead", warm.name, "cp_conversion_reason"
		)
		_columns, rows = priority_queue.execute({"document_type": "CRM Lead"})
		assert next(r for r in rows if r["name"] == warm.name)["chance"] == chances[warm.name]
	finally:
		frappe.db.rollback()
		conversion.clear_model_cache()


def test_a_key_accounts_deal_goes_through_crms_assignment_rule_and_is_escalated():
	"""Settings send First requests to an Assignment Rule: a key account's new deal is assigned by the CRM Deal rule
	(round robin over its users, as CRM's own assignment screens make them), logged, and escalated when unanswered."""
	from frappe.cache_manager import clear_doctype_map

	from tests.integration.test_routing import WEEK, settings, todos

	first, second = (
		make_user("cp-deal-robin-1@example.com", ["Sales User"]),
		make_user("cp-deal-robin-2@example.com", ["Sales User"]),
	)
	rule = unique("CP First Deals")
	frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"name": rule,
			"document_type": "CRM Deal",
			"priority": 99,
			"description": "First-tier deal",
			"assign_condition": "False",  # applied only when the app routes a tier to it
			"rule": "Round Robin",
			"users": [{"user": first}, {"user": second}],
			"assignment_days": [{"day": day} for day in WEEK],
		}
	).insert(ignore_permissions=True)
	try:
		settings(route_first="Assignment Rule")
		customer, _email = key_account()
		deals = [deal_of(customer) for _ in range(2)]
		assert [deal.cp_priority_tier for deal in deals] == ["First", "First"]
		assigned = todos("CRM Deal", deals[0].name) + todos("CRM Deal", deals[1].name)
		assert sorted(assigned) == sorted([first, second])
		logged = frappe.get_all(
			"Customer Tier Log",
			filters={"party_type": "CRM Deal", "party": deals[0].name, "field": "Routing"},
			pluck="reason",
		)
		assert len(logged) == 1 and f"by the Assignment Rule {rule}" in logged[0]
		assert run_escalations(now=add_to_date(deals[0].cp_respond_by, minutes=5)) >= 1
		assert frappe.db.get_value("CRM Deal", deals[0].name, "cp_overdue") == 1
	finally:
		frappe.db.rollback()
		frappe.delete_doc("Assignment Rule", rule, force=True, ignore_permissions=True)
		frappe.db.set_single_value("Customer Priority Settings", "route_first", "Account Manager")
		frappe.db.commit()
		clear_doctype_map("Assignment Rule", "CRM Deal")


def test_crms_pages_offer_managers_the_override_and_nobody_else():
	"""The CRM Form Script on lead and deal pages shows "Set Tier by Hand" only to whom the setting would accept."""
	from customer_priority.api.party import may_override
	from customer_priority.setup.partner_screens import FORM_SCRIPT, form_script_source

	for doctype in ("CRM Lead", "CRM Deal"):
		script = frappe.db.get_value(
			"CRM Form Script", FORM_SCRIPT.format(doctype), ["dt", "view", "enabled", "script"], as_dict=True
		)
		assert (script.dt, script.view, script.enabled) == (doctype, "Form", 1)
		assert script.script == form_script_source() and "set_tier_override" in script.script
	lead = crm_lead(status="New")
	manager = make_user("cp-crm-manager@example.com", ["Sales Manager"])
	seller = make_user("cp-crm-seller@example.com", ["Sales User"])
	try:
		frappe.set_user(manager)
		offered = may_override("CRM Lead", lead.name)
		assert offered["may"] and [t["value"] for t in offered["tiers"]] == ["First", "High", "Medium", "Low"]
		assert offered["overridden"] is False
		frappe.set_user(seller)
		assert may_override("CRM Lead", lead.name) == {"may": False, "tiers": [], "overridden": False}
		assert may_override("CRM Lead", "no such lead")["may"] is False
	finally:
		frappe.set_user("Administrator")
