"""Automatic retiering on a real site: orders, cancels, amends, leads, opportunities, issues, renames, merges."""

import pytest

import frappe
from frappe.utils import add_days, flt, getdate

from customer_priority.standing.stored import AGGREGATE_FIELDS
from tests.integration.helpers import company, customer_row, make_customer, make_order, unique

AGG = AGGREGATE_FIELDS


def test_submit_and_cancel_move_the_aggregates_exactly():
	customer = make_customer()
	first = make_order(customer, 1000, add_days(getdate(), -30))
	second = make_order(customer, 500)
	row = customer_row(customer, *AGG, "cp_lifecycle", "cp_priority_tier", "cp_level", "cp_tier_reason")
	assert (flt(row.cp_lifetime_value), row.cp_order_count, flt(row.cp_window_value)) == (1500, 2, 1500)
	assert row.cp_first_order_date == add_days(getdate(), -30) and row.cp_last_order_date == getdate()
	assert row.cp_lifecycle == "Repeat" and row.cp_priority_tier and row.cp_level and row.cp_tier_reason
	second.cancel()
	row = customer_row(customer, *AGG, "cp_lifecycle")
	assert (flt(row.cp_lifetime_value), row.cp_order_count) == (1000, 1)
	assert row.cp_last_order_date == add_days(getdate(), -30) and row.cp_lifecycle == "New"
	first.cancel()
	row = customer_row(customer, *AGG, "cp_lifecycle")
	assert (flt(row.cp_lifetime_value), row.cp_order_count, row.cp_first_order_date) == (0, 0, None)
	assert row.cp_lifecycle == "Prospect"
	assert frappe.db.count("Customer Tier Log", {"party": customer, "field": "Lifecycle"}) >= 3


def test_amend_ends_consistent():
	customer = make_customer()
	order = make_order(customer, 800)
	order.cancel()
	amended = frappe.copy_doc(order)
	amended.amended_from = order.name
	amended.docstatus = 0
	amended.items[0].rate = 900
	amended.insert()
	amended.submit()
	row = customer_row(customer, *AGG)
	assert (flt(row.cp_lifetime_value), row.cp_order_count) == (900, 1)


def test_draft_orders_do_not_count():
	customer = make_customer()
	make_order(customer, 700, submit=False)
	assert customer_row(customer, "cp_order_count").cp_order_count == 0


def test_reborn_when_a_lapsed_customer_orders_again():
	customer = make_customer()
	make_order(customer, 100, add_days(getdate(), -500))
	assert customer_row(customer, "cp_lifecycle").cp_lifecycle == "Lapsed"
	make_order(customer, 100)
	row = customer_row(customer, "cp_lifecycle", "cp_reborn_on")
	assert (row.cp_lifecycle, row.cp_reborn_on) == ("Reborn", getdate())
	assert frappe.db.exists(
		"Customer Tier Log",
		{"party": customer, "field": "Lifecycle", "old_value": "Lapsed", "new_value": "Reborn"},
	)


def test_manual_override_wins_over_the_hooks_but_is_logged():
	customer = make_customer()
	frappe.call(
		"customer_priority.api.party.set_tier_override",
		doctype="Customer",
		name=customer,
		tier="Low",
		reason="on hold",
	)
	make_order(customer, 100)
	row = customer_row(customer, "cp_priority_tier", "cp_rule_tier")
	assert row.cp_priority_tier == "Low" and row.cp_rule_tier != "Low"
	assert frappe.db.exists(
		"Customer Tier Log", {"party": customer, "reason": ("like", "%manual override keeps%")}
	)


def test_key_account_by_minimum_value_is_flagged_by_the_hook():
	settings = frappe.get_single("Customer Priority Settings")
	settings.key_account_min_window_value = 50000
	settings.save()
	customer = make_customer()
	make_order(customer, 60000)
	row = customer_row(customer, "cp_key_account", "cp_key_account_source", "cp_priority_tier")
	assert (row.cp_key_account, row.cp_key_account_source, row.cp_priority_tier) == (1, "Value", "First")
	frappe.db.rollback()
	frappe.cache.delete_value("customer_priority_engine_settings")


def make_lead(**fields):
	doc = frappe.get_doc({"doctype": "Lead", "first_name": unique("Lead"), "status": "Lead", **fields})
	doc.insert(ignore_permissions=True)
	return doc


@pytest.mark.parametrize(
	("fields", "tier"),
	[
		({"cp_request_type": "Catalogue", "cp_open_about_details": "No"}, "Low"),
		({"cp_open_about_details": "Yes"}, "Medium"),
		({"status": "Quotation", "cp_open_about_details": "Yes"}, "Medium"),
		({"status": "Quotation", "cp_at_final_stage": "Yes", "cp_last_request": "Yes"}, "High"),
		({"status": "Quotation", "cp_at_final_stage": "Yes", "cp_last_request": "Unclear"}, "Medium"),
	],
)
def test_lead_tiers(fields, tier):
	lead = make_lead(**fields)
	assert lead.cp_priority_tier == tier and lead.cp_tier_reason


def test_lead_of_a_key_customer_inherits_its_standing():
	customer = make_customer()
	frappe.db.set_value(
		"Customer", customer, {"cp_key_account": 1, "cp_lifecycle": "Repeat", "cp_priority_tier": "First"}
	)
	lead = make_lead(customer=customer, cp_important_to_them="Yes")
	assert lead.cp_priority_tier == "First"


def test_lead_tier_change_is_logged():
	lead = make_lead(cp_open_about_details="No")
	lead.cp_at_final_stage, lead.cp_last_request, lead.status = "Yes", "Yes", "Quotation"
	lead.save()
	assert frappe.db.exists(
		"Customer Tier Log",
		{"party_type": "Lead", "party": lead.name, "old_value": "Low", "new_value": "High"},
	)


def test_opportunity_final_sales_stage_from_settings():
	if not frappe.db.exists("Sales Stage", "Negotiation/Review"):
		frappe.get_doc({"doctype": "Sales Stage", "stage_name": "Negotiation/Review"}).insert()
	lead = make_lead(cp_open_about_details="Yes")
	opp = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Lead",
			"party_name": lead.name,
			"company": company(),
			"sales_stage": "Negotiation/Review",
			"cp_last_request": "Yes",
		}
	).insert(ignore_permissions=True)
	assert opp.cp_priority_tier == "High"
	opp.cp_last_request = "No"
	opp.save()
	assert opp.cp_priority_tier == "Medium"


def test_issue_takes_priority_from_the_customer_tier():
	customer = make_customer()
	frappe.db.set_value("Customer", customer, "cp_priority_tier", "First")
	issue = frappe.get_doc({"doctype": "Issue", "subject": "Line stopped", "customer": customer}).insert(
		ignore_permissions=True
	)
	expected = frappe.db.get_single_value("Customer Priority Settings", "issue_priority_first")
	assert issue.priority == expected and issue.cp_priority_tier == "First"
	chosen = frappe.get_doc(
		{"doctype": "Issue", "subject": "Question", "customer": customer, "priority": "Low"}
	).insert(ignore_permissions=True)
	assert chosen.priority == "Low", "a priority the user chose is kept"


def test_rename_keeps_aggregates_and_logs():
	customer = make_customer()
	make_order(customer, 300)
	new_name = unique("CP Renamed")
	frappe.rename_doc("Customer", customer, new_name)
	assert flt(customer_row(new_name, "cp_lifetime_value").cp_lifetime_value) == 300
	assert frappe.db.count("Customer Tier Log", {"party": new_name}) >= 1
	assert not frappe.db.count("Customer Tier Log", {"party": customer})


def test_merge_adds_both_histories():
	keep, gone = make_customer(), make_customer()
	make_order(keep, 100)
	make_order(gone, 250, add_days(getdate(), -10))
	frappe.rename_doc("Customer", gone, keep, merge=True)
	row = customer_row(keep, *AGG)
	assert (flt(row.cp_lifetime_value), row.cp_order_count) == (350, 2)
	assert row.cp_first_order_date == add_days(getdate(), -10)


def test_delete_customer_takes_its_log():
	customer = make_customer()
	frappe.call(
		"customer_priority.api.party.set_tier_override",
		doctype="Customer",
		name=customer,
		tier="Low",
		reason="x",
	)
	frappe.delete_doc("Customer", customer)
	assert not frappe.db.count("Customer Tier Log", {"party": customer})


def test_report_style_input_in_override_is_refused():
	customer = make_customer()
	before = frappe.db.get_value("Customer", customer, "*", as_dict=True)
	with pytest.raises(frappe.ValidationError):
		frappe.call(
			"customer_priority.api.party.set_tier_override",
			doctype="Customer",
			name=customer,
			tier="First'; drop table `tabCustomer`; --",
			reason="x",
		)
	with pytest.raises(frappe.ValidationError):
		frappe.call(
			"customer_priority.api.party.set_tier_override",
			doctype="User",
			name="Administrator",
			tier="First",
			reason="x",
		)
	assert (
		frappe.db.get_value("Customer", customer, "*", as_dict=True) == before
	), "the refusal changed the customer"
	assert not frappe.db.exists("Customer Tier Log", {"party": customer})


def test_sales_invoices_count_when_settings_say_so():
	settings = frappe.get_single("Customer Priority Settings")
	settings.value_source = "Sales Invoice"
	settings.save()
	try:
		customer = make_customer()
		make_order(customer, 500)  # a Sales Order no longer counts
		invoice = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": customer,
				"company": company(),
				"posting_date": getdate(),
				"due_date": getdate(),
				"items": [{"item_code": "CP Test Service", "qty": 1, "rate": 700}],
			}
		).insert(ignore_permissions=True)
		invoice.submit()
		row = customer_row(customer, "cp_lifetime_value", "cp_order_count")
		assert (flt(row.cp_lifetime_value), row.cp_order_count) == (700, 1)
	finally:
		frappe.db.rollback()
		frappe.cache.delete_value("customer_priority_engine_settings")
