"""Levels that grant privileges: a change of level applies the new level's Customer Group and Price List on the
customer's record, takes the old level's back, logs it, and never overrides what a person set by hand."""

import json

import pytest

import frappe

from customer_priority.data.settings import (
	CACHE_KEY,
)
from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.standing import privileges
from tests.integration.helpers import customer_row, make_customer, make_order, unique

FIELDS = ("customer_group", "default_price_list", "cp_level", "cp_privileges")


def forget_settings():
	frappe.db.value_cache.clear()
	frappe.clear_document_cache(SETTINGS, SETTINGS)
	frappe.cache.delete_value(CACHE_KEY)


@pytest.fixture
def privileged_level():
	"""Silver (from 40 points) grants a Customer Group and a Price List of its own. Without stored RFM cut-offs
	every score is 3, so one order gives a customer 50 points (Silver) and no order 0 (Bronze)."""
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": unique("CP Silver Customers"),
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	price_list = frappe.get_doc(
		{
			"doctype": "Price List",
			"price_list_name": unique("CP Silver Prices"),
			"selling": 1,
			"currency": "USD",
		}
	).insert(ignore_permissions=True)
	settings = frappe.get_single(SETTINGS)
	settings.rfm_cutoffs = ""
	for row in settings.levels:
		if row.level_name == "Silver":
			row.grant_customer_group, row.grant_price_list = group.name, price_list.name
	settings.save(ignore_permissions=True)
	forget_settings()
	return frappe._dict(group=group.name, price_list=price_list.name)


def privilege_log(customer):
	return frappe.get_all(
		"Customer Tier Log",
		filters={"party": customer, "field": "Privilege"},
		fields=["old_value", "new_value", "reason", "source"],
		order_by="creation, name",
	)


def test_a_level_change_applies_and_takes_back_the_levels_group_and_price_list(privileged_level):
	default_group = privileges.defaults()["customer_group"]
	customer = make_customer(customer_group=default_group)
	assert customer_row(customer, "cp_level").cp_level == "Bronze"
	order = make_order(customer, 500)
	row = customer_row(customer, *FIELDS)
	assert row.cp_level == "Silver"
	assert (row.customer_group, row.default_price_list) == (
		privileged_level.group,
		privileged_level.price_list,
	)
	assert json.loads(row.cp_privileges)["customer_group"] == {
		"value": privileged_level.group,
		"before": default_group,
	}
	granted = privilege_log(customer)
	assert {(e.old_value, e.new_value) for e in granted} == {
		(f"Customer Group: {default_group}", f"Customer Group: {privileged_level.group}"),
		("", f"Price List: {privileged_level.price_list}"),
	}
	assert all("Silver grants" in e.reason and e.source == "Hook" for e in granted)

	order.cancel()  # no order left: 0 points, back to Bronze, which grants nothing
	row = customer_row(customer, *FIELDS)
	assert row.cp_level == "Bronze"
	assert (row.customer_group, row.default_price_list, row.cp_privileges) == (default_group, None, None)
	taken_back = privilege_log(customer)[2:]
	assert {(e.old_value, e.new_value) for e in taken_back} == {
		(f"Customer Group: {privileged_level.group}", f"Customer Group: {default_group}"),
		(f"Price List: {privileged_level.price_list}", ""),
	}
	assert all("does not grant" in e.reason for e in taken_back)


def test_a_group_set_by_hand_is_kept_unless_settings_say_so(privileged_level):
	customer = make_customer(customer_group="Government")
	make_order(customer, 500)
	row = customer_row(customer, *FIELDS)
	assert row.cp_level == "Silver" and row.customer_group == "Government", "a group chosen by hand stays"
	assert (
		row.default_price_list == privileged_level.price_list
	), "the price list was the default: it is granted"

	frappe.db.set_single_value(SETTINGS, "privileges_override_by_hand", 1)
	forget_settings()
	other = make_customer(customer_group="Government")
	make_order(other, 500)
	assert customer_row(other, "customer_group").customer_group == privileged_level.group


def test_uninstall_restores_what_customers_had_before_the_app_applied_anything(privileged_level):
	default_group = privileges.defaults()["customer_group"]
	kept, changed = make_customer(customer_group=default_group), make_customer(customer_group=default_group)
	make_order(kept, 500)
	make_order(changed, 500)
	frappe.db.set_value(
		"Customer", changed, "default_price_list", "Standard Selling"
	)  # a person's choice since
	assert privileges.restore_all() >= 2
	assert customer_row(kept, "customer_group", "default_price_list", "cp_privileges") == {
		"customer_group": default_group,
		"default_price_list": None,
		"cp_privileges": None,
	}
	row = customer_row(changed, "customer_group", "default_price_list")
	assert (row.customer_group, row.default_price_list) == (default_group, "Standard Selling")


def test_settings_refuse_a_group_node_or_a_buying_price_list_as_a_privilege():
	settings = frappe.get_single(SETTINGS)
	settings.levels[-1].grant_customer_group = "All Customer Groups"
	settings.levels[-1].grant_price_list = "Standard Buying"
	with pytest.raises(frappe.ValidationError) as caught:
		settings.save(ignore_permissions=True)
	message = str(caught.value)
	assert "All Customer Groups" in message and "Standard Buying" in message
