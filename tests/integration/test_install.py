"""The app is installed on a real ERPNext site with everything it declares."""

import frappe

from customer_priority.setup.custom_fields import get_custom_fields
from customer_priority.setup.indexes import APP_INDEXES


def test_app_is_installed_on_erpnext():
	apps = frappe.get_installed_apps()
	assert "erpnext" in apps and "customer_priority" in apps


def test_every_custom_field_exists():
	for doctype, fields in get_custom_fields().items():
		meta = frappe.get_meta(doctype)
		for field in fields:
			assert meta.get_field(field["fieldname"]), (doctype, field["fieldname"])
			if field["fieldtype"] not in ("Tab Break", "Section Break", "Column Break"):
				assert frappe.db.has_column(doctype, field["fieldname"]), (doctype, field["fieldname"])


def test_doctypes_and_defaults():
	for doctype in (
		"Customer Priority Settings",
		"Customer Evaluation",
		"Customer Tier Log",
		"Customer Priority Level",
	):
		assert frappe.db.exists("DocType", doctype)
	settings = frappe.get_single("Customer Priority Settings")
	assert [row.level_name for row in settings.levels] == ["Bronze", "Silver", "Gold", "Platinum"]
	assert frappe.db.exists("Issue Priority", settings.issue_priority_first)


def test_every_index_of_the_app_exists_with_its_columns():
	for name, by_doctype in APP_INDEXES:
		for doctype, columns in by_doctype.items():
			found = frappe.db.sql(f"show index from `tab{doctype}` where Key_name = %s", name, as_dict=True)
			assert [row.Column_name for row in sorted(found, key=lambda r: r.Seq_in_index)] == list(columns)
