"""Settings validation, evaluations, the tier log and permissions, as each role."""

import pytest

import frappe
from frappe.utils import add_days, getdate

from tests.integration.helpers import make_customer, make_user

SETTINGS = "Customer Priority Settings"
BAD_SETTINGS = [
	({"lookback_days": 0}, "Look-back Window"),
	({"abc_a_cutoff": 120}, "Class A"),
	({"abc_a_cutoff": 96, "abc_b_cutoff": 95}, "B cut-off"),
	({"abc_b_cutoff": -3}, "Class B"),
	({"recency_weight": -1}, "Recency Weight"),
	({"recency_weight": 0, "frequency_weight": 0, "monetary_weight": 0}, "recency, frequency and monetary"),
	({"hysteresis_margin": -2}, "Demotion Margin"),
	({"key_account_top_percent": 150}, "Top %"),
	({"potential_threshold": 101}, "Key Account from Potential Score"),
	({"weight_purchase_potential": -1}, "Weight"),
	({"staff_count_bands": "10, 5, 250, 1000, 5000"}, "Staff Count Thresholds"),
	({"staff_count_bands": "ten, fifty"}, "not a list of numbers"),
	({"years_in_business_bands": "1, 2"}, "exactly 5 thresholds"),
	({"lapse_days": 0}, "Lapsed After"),
	({"lapse_interval_multiplier": -1}, "Usual Intervals"),
	({"review_interval_days": 0}, "Review Every"),
	(
		{"important_request_types": "Catalogue", "basic_request_types": "Catalogue"},
		"both important and basic",
	),
	({"final_sales_stages": "No Such Stage"}, "does not exist"),
	({"band_strong": 90}, "Evaluation bands"),
	(
		{
			"weight_q1": 0,
			"weight_q2": 0,
			"weight_q3": 0,
			"weight_q4": 0,
			"weight_q5": 0,
			"weight_q6": 0,
			"weight_q7": 0,
		},
		"at least one weight",
	),
]


@pytest.mark.parametrize(("changes", "message"), BAD_SETTINGS, ids=[m for _c, m in BAD_SETTINGS])
def test_bad_settings_are_refused_and_nothing_is_saved(changes, message):
	before = frappe.get_single(SETTINGS).as_dict()
	doc = frappe.get_single(SETTINGS)
	doc.update(changes)
	with pytest.raises(frappe.ValidationError) as caught:
		doc.save()
	assert message.lower() in str(caught.value).lower()
	frappe.db.rollback()
	after = frappe.get_single(SETTINGS).as_dict()
	assert {k: after[k] for k in changes} == {k: before[k] for k in changes}


def test_bad_levels_are_refused():
	doc = frappe.get_single(SETTINGS)
	doc.levels[2].min_points = 10
	with pytest.raises(frappe.ValidationError, match="increase"):
		doc.save()


def test_good_settings_save_and_reach_the_engine():
	from customer_priority.data.settings import (
		get_engine_settings,
	)

	doc = frappe.get_single(SETTINGS)
	doc.abc_a_cutoff = 70
	doc.save()
	assert get_engine_settings().abc_a_cutoff == 70
	frappe.db.rollback()
	frappe.cache.delete_value("customer_priority_engine_settings")


def scorecard(party, **scores):
	values = {f"q{i}": str(scores.get(f"q{i}", 3)) for i in range(1, 8)}
	return frappe.get_doc(
		{
			"doctype": "Customer Evaluation",
			"party_type": "Customer",
			"party": party,
			"evaluation_date": getdate(),
			"reviewers": [{"user": "Administrator"}],
			**values,
		}
	)


def test_evaluation_total_comes_from_the_engine_and_reaches_the_customer():
	customer = make_customer()
	evaluation = scorecard(customer, q1=5, q2=4, q3=3, q4=3, q5=3, q6=2, q7=1).insert()
	assert (evaluation.total_score, evaluation.band) == (50.0, "Fair")
	assert evaluation.next_review_date == add_days(getdate(), 90)
	evaluation.submit()
	row = frappe.db.get_value(
		"Customer", customer, ["cp_last_evaluation_score", "cp_next_review_date"], as_dict=True
	)
	assert row.cp_last_evaluation_score == 50.0 and row.cp_next_review_date == add_days(getdate(), 90)
	evaluation.cancel()
	assert not frappe.db.get_value("Customer", customer, "cp_last_evaluation_score")


def test_evaluation_needs_every_score():
	customer = make_customer()
	doc = scorecard(customer)
	doc.q4 = ""
	with pytest.raises(frappe.ValidationError):
		doc.insert()


def log_row(party):
	from customer_priority.standing.log import write_log

	write_log(
		[
			{
				"party_type": "Customer",
				"party": party,
				"field": "Tier",
				"old_value": "Low",
				"new_value": "High",
				"reason": "test",
				"source": "Manual",
			}
		]
	)
	return frappe.get_all("Customer Tier Log", filters={"party": party}, pluck="name")[0]


def test_sales_user_cannot_edit_or_delete_the_log():
	customer = make_customer()
	name = log_row(customer)
	make_user("cp-sales-user@example.com", ["Sales User"])
	frappe.set_user("cp-sales-user@example.com")
	doc = frappe.get_doc("Customer Tier Log", name)
	doc.reason = "rewritten"
	with pytest.raises(frappe.PermissionError):
		doc.save()
	with pytest.raises(frappe.PermissionError):
		frappe.delete_doc("Customer Tier Log", name)
	frappe.set_user("Administrator")
	doc = frappe.get_doc("Customer Tier Log", name)
	doc.reason = "rewritten"
	with pytest.raises(frappe.PermissionError):
		doc.save()  # not even an administrator rewrites history


def test_sales_user_cannot_change_a_tier_or_the_settings():
	customer = make_customer()
	frappe.db.set_value("Customer", customer, "cp_priority_tier", "Low")
	make_user("cp-sales-user@example.com", ["Sales User"])
	frappe.set_user("cp-sales-user@example.com")
	doc = frappe.get_doc("Customer", customer)
	doc.cp_priority_tier = "First"
	doc.save()
	assert frappe.db.get_value("Customer", customer, "cp_priority_tier") == "Low"
	with pytest.raises(frappe.PermissionError):
		frappe.call(
			"customer_priority.api.party.set_tier_override",
			doctype="Customer",
			name=customer,
			tier="First",
			reason="please",
		)
	settings = frappe.get_single(SETTINGS)
	settings.lookback_days = 30
	with pytest.raises(frappe.PermissionError):
		settings.save()
	assert frappe.has_permission(SETTINGS, "read")


def test_sales_manager_overrides_with_a_reason():
	customer = make_customer()
	make_user("cp-sales-manager@example.com", ["Sales Manager", "Sales User"])
	frappe.set_user("cp-sales-manager@example.com")
	with pytest.raises(frappe.ValidationError):
		frappe.call(
			"customer_priority.api.party.set_tier_override",
			doctype="Customer",
			name=customer,
			tier="First",
			reason=" ",
		)
	frappe.call(
		"customer_priority.api.party.set_tier_override",
		doctype="Customer",
		name=customer,
		tier="First",
		reason="CEO's friend",
	)
	row = frappe.db.get_value(
		"Customer", customer, ["cp_priority_tier", "cp_tier_override", "cp_override_by"], as_dict=True
	)
	assert (row.cp_priority_tier, row.cp_tier_override, row.cp_override_by) == (
		"First",
		1,
		"cp-sales-manager@example.com",
	)
	assert frappe.db.exists("Customer Tier Log", {"party": customer, "field": "Override", "source": "Manual"})
	frappe.call("customer_priority.api.party.clear_tier_override", doctype="Customer", name=customer)
	assert frappe.db.get_value("Customer", customer, "cp_priority_tier") != "First"


def test_sales_user_reads_but_cannot_create_evaluations():
	customer = make_customer()
	make_user("cp-sales-user@example.com", ["Sales User"])
	frappe.set_user("cp-sales-user@example.com")
	assert frappe.has_permission("Customer Evaluation", "read")
	with pytest.raises(frappe.PermissionError):
		scorecard(customer).insert()
	make_user("cp-sales-manager@example.com", ["Sales Manager", "Sales User"])
	frappe.set_user("cp-sales-manager@example.com")
	evaluation = scorecard(customer).insert()
	evaluation.submit()
	assert evaluation.docstatus == 1


def test_buying_roles_of_a_customers_contacts():
	customer = make_customer()
	for first, role in (("Ava", "Airbag"), ("Wes", "Wallet"), ("Al", "Ally")):
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": first,
				"cp_buying_role": role,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		).insert(ignore_permissions=True)
	roles = frappe.call("customer_priority.api.party.buying_roles", customer=customer)
	assert [r.role for r in roles] == ["Wallet", "Ally", "Airbag"]


def test_sales_manager_edits_the_settings():
	make_user("cp-sales-manager@example.com", ["Sales Manager", "Sales User"])
	frappe.set_user("cp-sales-manager@example.com")
	settings = frappe.get_single(SETTINGS)
	settings.lapse_days = 200
	settings.save()
	assert frappe.db.get_single_value(SETTINGS, "lapse_days") == 200
	frappe.db.rollback()
	frappe.cache.delete_value("customer_priority_engine_settings")
