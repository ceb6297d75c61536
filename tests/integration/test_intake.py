"""The tier at intake: a call from a known customer shows its standing, an unknown caller or sender becomes a
tiered Lead, and the intake look-ups refuse what a reader may not see."""

import pytest

import frappe
from frappe.email.receive import InboundMail

from customer_priority.api import calls
from tests.integration.helpers import make_contact, make_customer, make_user, unique


def incoming_call(number: str):
	return frappe.get_doc(
		{
			"doctype": "Call Log",
			"id": unique("call"),
			"from": number,
			"to": "100",
			"type": "Incoming",
			"status": "Ringing",
		}
	).insert(ignore_permissions=True)


def test_a_call_from_a_known_customer_shows_its_tier_and_why():
	customer = make_customer()
	frappe.call(
		"customer_priority.api.party.set_key_account", customer=customer, is_key=1, reason="strategic"
	)
	make_contact(customer, "+989120001234")
	call = incoming_call("+989120001234")
	standing = calls.caller_standing(call.name)
	assert (standing["party_type"], standing["party"], standing["tier"]) == ("Customer", customer, "First")
	assert "by hand" in standing["why"]
	assert not frappe.db.exists("Lead", {"mobile_no": "+989120001234"}), "a known caller makes no lead"


def test_an_unknown_caller_becomes_a_tiered_lead():
	number = "+98915" + frappe.generate_hash(length=7).translate(str.maketrans("abcdef", "123456"))[:7]
	call = incoming_call(number)
	lead = frappe.db.get_value(
		"Lead",
		{"mobile_no": number},
		["name", "cp_priority_tier", "cp_tier_reason", "cp_to_qualify"],
		as_dict=True,
	)
	# Nobody has asked the caller anything yet: to qualify at the Settings' tier, not Low.
	assert lead and lead.cp_priority_tier == "Medium" and lead.cp_to_qualify == 1
	assert "not yet qualified" in lead.cp_tier_reason and "evasive" not in lead.cp_tier_reason
	assert {(link.link_doctype, link.link_name) for link in call.links} == {("Lead", lead.name)}
	standing = calls.caller_standing(call.name)
	assert (standing["party_type"], standing["party"], standing["tier"]) == ("Lead", lead.name, "Medium")


def test_an_email_from_an_unknown_sender_becomes_a_tiered_lead():
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("CP Sales Inbox"),
			"email_id": "cp-sales-inbox@example.com",
			"append_to": "Lead",
			"enable_incoming": 0,
		}
	).insert(ignore_permissions=True)
	sender = f"buyer-{frappe.generate_hash(length=6)}@example.org"
	raw = (
		f"From: New Buyer <{sender}>\r\nTo: cp-sales-inbox@example.com\r\nSubject: Your catalogue and price list\r\n"
		f"Message-ID: <{frappe.generate_hash(length=10)}@example.org>\r\nContent-Type: text/plain\r\n\r\n"
		"Please send your catalogue.\r\n"
	).encode()
	communication = InboundMail(raw, account).process()
	assert communication.reference_doctype == "Lead"
	lead = frappe.get_doc("Lead", communication.reference_name)
	assert lead.email_id == sender and lead.cp_priority_tier == "Medium" and lead.cp_to_qualify == 1
	assert lead.cp_request_type == "Catalogue", "the subject is read: catalogue comes before price list"
	assert 'Read as Catalogue from the email: "catalogue"' in lead.cp_tier_reason
	standing = calls.reference_standing("Lead", lead.name)
	assert standing["tier"] == "Medium" and standing["why"]


def test_intake_look_ups_refuse_what_a_reader_may_not_see():
	customer = make_customer()
	make_contact(customer, "+989120009999")
	call = incoming_call("+989120009999")
	frappe.set_user(make_user("cp-no-calls@example.com", ["Sales User"]))
	with pytest.raises(frappe.PermissionError):
		calls.caller_standing(call.name)
	with pytest.raises(frappe.DoesNotExistError):
		calls.caller_standing("' or 1=1 --")
	with pytest.raises(frappe.DoesNotExistError):
		calls.reference_standing("Customer", "no such customer ✨")
	assert calls.reference_standing("User", "Administrator") is None
