"""Helpdesk beside ERPNext: a ticket from a key account's contact takes the customer's tier, the tier's priority
and so Helpdesk's own SLA Response By; the ticket says why (runs on a site with Helpdesk)."""

import frappe
from frappe.utils import get_datetime

from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.data.settings import CACHE_KEY
from customer_priority.data.settings import DOCTYPE as SETTINGS
from tests.integration.helpers import make_customer, unique
from tests.integration.partners.test_crm import key_account


def ticket(raised_by: str, **fields):
	return frappe.get_doc(
		{
			"doctype": "HD Ticket",
			"subject": unique("CP Ticket"),
			"raised_by": raised_by,
			"description": "Our line has stopped",
			**fields,
		}
	).insert(ignore_permissions=True)


def test_a_key_accounts_ticket_gets_the_tiers_priority_and_the_slas_respond_by():
	customer, email = key_account()
	urgent = ticket(email)
	plain = ticket(f"someone@{unique('nobody').replace(' ', '').lower()}.example")
	assert urgent.cp_priority_tier == "First" and urgent.cp_matched_customer == customer
	assert urgent.priority == "Urgent"
	name = frappe.db.get_value("Customer", customer, "customer_name")
	assert "Priority Urgent from the customer's tier" in urgent.cp_tier_reason
	assert (
		f"Tier of {customer} when the ticket came in" in urgent.cp_tier_reason
		or name in urgent.cp_tier_reason
	)
	# Helpdesk's own SLA set both Response By times: the tier's priority answers sooner than the default.
	assert not plain.cp_priority_tier and plain.priority != "Urgent"
	assert urgent.sla and urgent.response_by
	assert get_datetime(urgent.response_by) < get_datetime(plain.response_by)


def test_the_tier_to_priority_mapping_comes_from_settings():
	settings = frappe.get_single(SETTINGS)
	settings.ticket_priority_first = "High"
	settings.save()
	frappe.cache.delete_value(CACHE_KEY)
	_customer, email = key_account()
	assert ticket(email).priority == "High"


def test_a_ticket_named_for_an_erpnext_customer_takes_its_tier():
	customer, _email = key_account()
	hd_customer = frappe.db.get_value("Customer", customer, "customer_name")
	if not frappe.db.exists("HD Customer", hd_customer):
		frappe.get_doc({"doctype": "HD Customer", "customer_name": hd_customer}).insert(
			ignore_permissions=True
		)
	doc = ticket("reception@unrelated.example", customer=hd_customer)
	assert doc.cp_priority_tier == "First" and doc.priority == "Urgent"


def test_a_ticket_keeps_its_tier_and_an_agent_may_change_its_priority():
	_customer, email = key_account()
	doc = ticket(email)
	doc.reload()
	doc.cp_priority_tier = "Low"
	doc.priority = "Low"
	doc.save()
	assert (doc.cp_priority_tier, doc.priority) == ("First", "Low")


def test_the_priority_queue_lists_open_tickets_with_their_tier():
	_customer, email = key_account()
	doc = ticket(email)
	_columns, rows = priority_queue.execute({"document_type": "HD Ticket"})
	row = next(r for r in rows if r["name"] == doc.name)
	assert row["tier"] == "First" and row["respond_by"] == doc.response_by


def test_an_ordinary_customers_ticket_takes_its_lower_tier():
	customer = make_customer()
	frappe.db.set_value("Customer", customer, "cp_priority_tier", "Low")
	hd = frappe.db.get_value("Customer", customer, "customer_name")
	frappe.get_doc({"doctype": "HD Customer", "customer_name": hd}).insert(ignore_permissions=True)
	doc = ticket("desk@unrelated.example", customer=hd)
	assert doc.cp_priority_tier == "Low" and doc.priority == "Low"
