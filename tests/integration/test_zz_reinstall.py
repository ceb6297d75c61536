"""Uninstall leaves ERPNext's data intact and no trace of the app; install again works; the whole lifecycle on a
site that already holds thousands of customers (runs last)."""

import os

import frappe

from customer_priority.setup.indexes import APP_INDEXES
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
	for name, by_doctype in APP_INDEXES:
		for doctype in by_doctype:
			assert not frappe.db.sql(f"show index from `tab{doctype}` where Key_name = %s", name)
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


def test_lifecycle_on_a_site_that_already_has_thousands_of_customers():
	"""Install on a site holding thousands of customers and tens of thousands of orders, migrate twice, uninstall,
	reinstall (benchmarks/lifecycle.py; the full 100,000 / 1,000,000 run is in benchmarks/RESULTS.md)."""
	from benchmarks import lifecycle

	frappe.db.rollback()
	figures = lifecycle.run(SITE, 3000, 30000)
	print(lifecycle.report(figures))
	assert figures["second migrate changed"] == [], "the second migrate changed something"
	assert (
		figures["uninstall changed"] == []
	), "uninstall left ERPNext's tables different from before the install"
	assert figures["reinstalled"]
	for name in lifecycle.STEPS:
		assert figures[name]["writes"] > 0 and not figures[name]["errors"], (name, figures[name])
		assert figures[name]["longest_write_wait"] < 10, (name, figures[name])
