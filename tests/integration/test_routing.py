"""Tiers that act: a key account is key in every rule, requests are routed and escalated by their tier."""

import pytest

import frappe
from frappe.cache_manager import clear_doctype_map
from frappe.desk.query_report import run as run_report
from frappe.utils import add_days, add_to_date, get_datetime, getdate, now_datetime

from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.requests import routing
from customer_priority.requests.escalation import escalate, run_escalations
from customer_priority.standing import recompute
from tests.integration.helpers import (
	customer_row,
	make_customer,
	make_order,
	make_user,
	on_another_connection,
	unique,
)

MANAGER = "cp-account-manager@example.com"
ESCALATION = "cp-escalation-manager@example.com"
WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def settings(**values):
	doc = frappe.get_single("Customer Priority Settings")
	doc.update(values)
	doc.save()


def todos(doctype: str, name: str) -> list[str]:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": doctype, "reference_name": name, "status": "Open"},
		pluck="allocated_to",
	)


def mark_key(customer: str) -> None:
	frappe.call(
		"customer_priority.api.party.set_key_account", customer=customer, is_key=1, reason="strategic for us"
	)


def test_a_customer_marked_key_by_hand_is_first_through_the_hook_and_the_recompute():
	customer = make_customer()
	make_order(customer, 100)
	assert customer_row(customer, "cp_priority_tier").cp_priority_tier == "Medium"
	mark_key(customer)
	row = customer_row(customer, "cp_priority_tier", "cp_key_account_source", "cp_tier_reason")
	assert (row.cp_priority_tier, row.cp_key_account_source) == ("First", "Manual")
	assert "by hand" in row.cp_tier_reason
	frappe.db.commit()
	try:
		recompute.recompute_all(source="Manual")
		row = customer_row(customer, "cp_priority_tier", "cp_key_account", "cp_key_account_source")
		assert (row.cp_priority_tier, row.cp_key_account, row.cp_key_account_source) == ("First", 1, "Manual")
	finally:
		for so in frappe.get_all("Sales Order", {"customer": customer}, pluck="name"):
			order = frappe.get_doc("Sales Order", so)
			order.cancel()
			order.delete()
		frappe.delete_doc("Customer", customer, force=True)
		frappe.db.commit()


def test_a_key_account_that_has_not_bought_yet_comes_first():
	strong = dict.fromkeys(("cp_brand_strength", "cp_production_volume", "cp_purchase_potential"), "5")
	by_potential = make_customer(**strong, cp_sales_network="5", cp_staff_count=800, cp_years_in_business=30)
	row = customer_row(by_potential, "cp_priority_tier", "cp_key_account_source", "cp_lifecycle")
	assert (row.cp_priority_tier, row.cp_key_account_source, row.cp_lifecycle) == (
		"First",
		"Potential",
		"Prospect",
	)
	thin = make_customer()
	assert customer_row(thin, "cp_priority_tier").cp_priority_tier == "Low"
	mark_key(thin)
	assert customer_row(thin, "cp_priority_tier").cp_priority_tier == "First"
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": unique("Key Prospect Lead"),
			"customer": thin,
			"cp_open_about_details": "No",
		}
	).insert(ignore_permissions=True)
	assert lead.cp_priority_tier == "First", "a lead of a key account takes its customer's tier"


def remove_support_agreements() -> None:
	"""The agreement is site-wide, and Frappe may commit mid-test (sending a notification email): remove it
	explicitly, whatever the transaction did."""
	frappe.db.rollback()
	for name in frappe.get_all(
		"Service Level Agreement", {"service_level": ("like", "CP Support%")}, pluck="name"
	):
		frappe.delete_doc("Service Level Agreement", name, force=True, ignore_permissions=True)
	for name in frappe.get_all(
		"Holiday List", {"holiday_list_name": ("like", "CP Support Days%")}, pluck="name"
	):
		frappe.delete_doc("Holiday List", name, force=True, ignore_permissions=True)
	frappe.db.set_single_value("Support Settings", "track_service_level_agreement", 0)
	frappe.db.commit()


@pytest.fixture
def support_agreement():
	"""ERPNext's own Service Level Agreement for Issues: Urgent answered within an hour, every day."""
	remove_support_agreements()
	frappe.db.set_single_value("Support Settings", "track_service_level_agreement", 1)
	holidays = frappe.get_doc(
		{
			"doctype": "Holiday List",
			"holiday_list_name": unique("CP Support Days"),
			"from_date": add_days(getdate(), -30),
			"to_date": add_days(getdate(), 365),
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Service Level Agreement",
			"service_level": unique("CP Support"),
			"document_type": "Issue",
			"default_service_level_agreement": 1,
			"enabled": 1,
			"holiday_list": holidays.name,
			"default_priority": "Medium",
			"priorities": [
				{"priority": "Urgent", "response_time": 3600, "resolution_time": 7200},
				{"priority": "High", "response_time": 14400, "resolution_time": 28800},
				{
					"priority": "Medium",
					"response_time": 86400,
					"resolution_time": 172800,
					"default_priority": 1,
				},
				{"priority": "Low", "response_time": 172800, "resolution_time": 345600},
			],
			"support_and_resolution": [
				{"workday": day, "start_time": "00:00:00", "end_time": "23:59:59"} for day in WEEK
			],
			"sla_fulfilled_on": [{"status": "Resolved"}, {"status": "Closed"}],
		}
	).insert(ignore_permissions=True)
	yield
	remove_support_agreements()


def notifications(user: str, doctype: str, name: str) -> int:
	return frappe.db.count(
		"Notification Log",
		{"for_user": user, "document_type": doctype, "document_name": name, "type": "Alert"},
	)


def test_an_important_issue_of_a_key_account_is_routed_timed_and_escalated_once(support_agreement):
	make_user(MANAGER, ["Sales User", "Support Team"])
	make_user(ESCALATION, ["Sales Manager"])
	settings(escalate_to_user=ESCALATION, escalate_to_role="")
	customer = make_customer(account_manager=MANAGER)
	mark_key(customer)
	issue = frappe.get_doc(
		{"doctype": "Issue", "subject": unique("Line stopped: late delivery"), "customer": customer}
	).insert(ignore_permissions=True)
	issue.reload()
	assert (issue.cp_priority_tier, issue.priority) == ("First", "Urgent")
	assert todos("Issue", issue.name) == [MANAGER]
	assert issue.response_by and get_datetime(issue.cp_respond_by) == get_datetime(issue.response_by)
	assert get_datetime(issue.response_by) <= add_to_date(now_datetime(), hours=1, seconds=5)

	assert run_escalations(now=add_to_date(issue.response_by, minutes=-1)) == 0
	later = add_to_date(issue.response_by, minutes=5)
	assert run_escalations(now=later) >= 1
	row = frappe.db.get_value("Issue", issue.name, ["cp_overdue", "cp_escalation_level"], as_dict=True)
	assert (row.cp_overdue, row.cp_escalation_level) == (1, 1)
	assert notifications(ESCALATION, "Issue", issue.name) == 1
	assert notifications(MANAGER, "Issue", issue.name) == 1, "the assignee hears of it too"
	assert frappe.db.exists(
		"Customer Tier Log", {"party": issue.name, "field": "Escalation", "new_value": "1"}
	)
	run_escalations(now=later)
	assert notifications(ESCALATION, "Issue", issue.name) == 1, "a second run sends nothing new"
	assert frappe.db.count("Customer Tier Log", {"party": issue.name, "field": "Escalation"}) == 1

	_c, queue = priority_queue.execute({"document_type": "Issue", "overdue_only": 1})
	row = next(r for r in queue if r.name == issue.name)
	assert (row.overdue, row.assigned_to) == (1, MANAGER)
	_c, everything = priority_queue.execute({"document_type": "Issue"})
	overdue = [r.position for r in everything if r.overdue]
	assert overdue == list(
		range(1, len(overdue) + 1)
	), "overdue requests come first, whatever else the site holds"
	frappe.set_user(MANAGER)
	# As the desk runs it (Frappe filters the rows by the reader's permissions on every linked column).
	mine = run_report("Priority Queue", filters={"document_type": "Issue", "mine": 1})["result"]
	assert issue.name in {r["name"] for r in mine}, "Only Mine includes what is assigned to me"


def high_lead_escalating_to_a_manager(first_name: str):
	"""A High lead (at its final stage, the last request) with a Respond By; escalations go to ESCALATION."""
	make_user(ESCALATION, ["Sales Manager"])
	settings(escalate_to_user=ESCALATION, escalate_to_role="")
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": unique(first_name),
			"status": "Quotation",
			"cp_at_final_stage": "Yes",
			"cp_last_request": "Yes",
		}
	).insert(ignore_permissions=True)
	assert lead.cp_priority_tier == "High" and lead.cp_respond_by
	return lead


def test_an_answered_request_is_not_escalated():
	lead = high_lead_escalating_to_a_manager("Answered Lead")
	frappe.db.set_value("Lead", lead.name, "status", "Replied")
	run_escalations(now=add_days(lead.cp_respond_by, 3))
	row = frappe.db.get_value("Lead", lead.name, ["cp_overdue", "cp_escalation_level"], as_dict=True)
	assert (row.cp_overdue, row.cp_escalation_level) == (0, 0)
	frappe.db.set_value("Lead", lead.name, "status", "Lead")  # not answered after all: escalated
	run_escalations(now=add_days(lead.cp_respond_by, 3))
	assert frappe.db.get_value("Lead", lead.name, "cp_escalation_level") == 2


def test_a_lead_promoted_to_high_goes_to_its_owner_and_a_low_lead_to_nobody():
	owner = make_user("cp-lead-owner@example.com", ["Sales User"])
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": unique("Routed Lead"),
			"lead_owner": owner,
			"cp_open_about_details": "No",
		}
	).insert(ignore_permissions=True)
	assert lead.cp_priority_tier == "Low" and todos("Lead", lead.name) == []
	first_respond_by = get_datetime(lead.cp_respond_by)
	lead.status, lead.cp_at_final_stage, lead.cp_last_request = "Quotation", "Yes", "Yes"
	lead.save()
	assert lead.cp_priority_tier == "High"
	assert todos("Lead", lead.name) == [owner]
	assert get_datetime(lead.cp_respond_by) < first_respond_by, "a promoted request must be answered sooner"
	assert frappe.db.exists("Customer Tier Log", {"party": lead.name, "field": "Routing", "new_value": owner})


def test_a_low_lead_goes_through_an_assignment_rule_when_settings_ask():
	first, second = (
		make_user("cp-round-robin-1@example.com", ["Sales User"]),
		make_user("cp-round-robin-2@example.com", ["Sales User"]),
	)
	frappe.get_doc(
		{
			"doctype": "Assignment Rule",
			"name": unique("CP Low Leads"),
			"document_type": "Lead",
			"priority": 99,
			"description": "Low-tier lead",
			"assign_condition": "False",  # applied only when the app routes a tier to it
			"rule": "Round Robin",
			"users": [{"user": first}, {"user": second}],
			"assignment_days": [{"day": day} for day in WEEK],
		}
	).insert(ignore_permissions=True)
	try:
		settings(route_low="Assignment Rule")
		leads = [
			frappe.get_doc(
				{"doctype": "Lead", "first_name": unique("Low Lead"), "cp_open_about_details": "No"}
			).insert(ignore_permissions=True)
			for _ in range(2)
		]
		assert [lead.cp_priority_tier for lead in leads] == ["Low", "Low"]
		assert sorted(todos("Lead", leads[0].name) + todos("Lead", leads[1].name)) == sorted([first, second])
	finally:
		# The rule is site-wide, Frappe caches the rules of a doctype outside the transaction and may commit
		# mid-test: delete it (which clears that cache) and put the routing back, whatever the transaction did.
		frappe.db.rollback()
		for name in frappe.get_all("Assignment Rule", {"name": ("like", "CP Low Leads%")}, pluck="name"):
			frappe.delete_doc("Assignment Rule", name, force=True, ignore_permissions=True)
		frappe.db.set_single_value("Customer Priority Settings", "route_low", "Nobody")
		frappe.db.commit()
		clear_doctype_map("Assignment Rule", "Lead")  # the rolled-back rule may still be in Frappe's cache


def test_respond_by_skips_the_company_holidays():
	start = get_datetime("2026-03-19 10:00:00")  # a Thursday
	friday = getdate("2026-03-20")
	assert routing.respond_by(start, 3600, set()) == get_datetime("2026-03-19 11:00:00")
	assert routing.respond_by(start, 86400, {friday}) == get_datetime("2026-03-21 10:00:00")


def test_two_escalation_runs_at_once_escalate_a_request_once():
	"""The scheduler's run and one by hand (or workers on two hosts) both read an overdue lead at level 0; the one
	that comes second escalates nothing, notifies no one and logs nothing."""
	lead = high_lead_escalating_to_a_manager("Overdue Lead")
	frappe.db.set_value("Lead", lead.name, "status", "Lead")  # still waiting for a first answer
	frappe.db.commit()
	try:
		later = add_to_date(lead.cp_respond_by, minutes=5)
		# What this run read before the other one committed.
		read = frappe._dict(name=lead.name, tier="High", respond_by=lead.cp_respond_by, level=0)
		on_another_connection(lambda: run_escalations(now=later))
		assert frappe.db.get_value("Lead", lead.name, "cp_escalation_level") == 1
		second = escalate("Lead", read, 1)
		frappe.db.commit()
		assert notifications(ESCALATION, "Lead", lead.name) == 1
		moves = frappe.get_all(
			"Customer Tier Log", {"party": lead.name, "field": "Escalation"}, ["old_value", "new_value"]
		)
		assert [(m.old_value, m.new_value) for m in moves] == [("", "1")]
		assert second is False
		# Later, the same stale read due a level higher: the move logged starts where the lead really was.
		assert escalate("Lead", read, 2) is True
		assert (
			frappe.db.get_value(
				"Customer Tier Log",
				{"party": lead.name, "field": "Escalation", "new_value": "2"},
				"old_value",
			)
			== "1"
		)
	finally:
		frappe.db.rollback()
		frappe.db.delete("Customer Tier Log", {"party": lead.name})
		frappe.db.delete("Notification Log", {"document_name": lead.name})
		frappe.delete_doc("Lead", lead.name, force=True)
		frappe.db.commit()
