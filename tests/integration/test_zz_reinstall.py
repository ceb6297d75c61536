"""Uninstall leaves ERPNext's data intact and no trace of the app; install again works (runs last)."""

import os

import frappe

from customer_priority.purchases import ORDER_INDEX
from tests.integration.helpers import bench as run_bench
from tests.integration.helpers import make_customer, make_order

SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")


def bench(*args):
	result = run_bench("--site", SITE, *args, capture_output=True)
	assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def counts():
	return {d: frappe.db.count(d) for d in ("Customer", "Sales Order", "Lead", "Issue", "Contact")}


def test_uninstall_and_reinstall_keep_erpnext_data():
	customer = make_customer()
	make_order(customer, 123)
	frappe.db.commit()
	before = counts()
	frappe.db.rollback()  # release the read's metadata locks: uninstall alters these tables
	bench("uninstall-app", "customer_priority", "--yes", "--no-backup", "--force")
	frappe.db.rollback()
	frappe.clear_cache()
	assert counts() == before
	assert not frappe.db.count("Custom Field", {"fieldname": ("like", "cp\\_%")})
	assert not frappe.db.count("Property Setter", {"field_name": ("like", "cp\\_%")})
	assert not [c for c in frappe.db.get_table_columns("Customer") if c.startswith("cp_")]
	assert not frappe.db.sql("show index from `tabSales Order` where Key_name = %s", ORDER_INDEX)
	assert not frappe.db.exists("DocType", "Customer Tier Log")
	assert not frappe.db.exists(
		"Issue Priority",
		{
			"description": "Added by Customer Priority",
			"name": ("not in", frappe.get_all("Issue", pluck="priority", distinct=True) or [""]),
		},
	)
	frappe.db.rollback()
	bench("install-app", "customer_priority")
	frappe.db.rollback()
	frappe.clear_cache()
	assert counts() == before
	assert frappe.db.has_column("Customer", "cp_priority_tier")
	assert frappe.db.exists("DocType", "Customer Tier Log")
