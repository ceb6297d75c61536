"""The app is installed on a real ERPNext site with everything it declares."""

import frappe

from customer_priority.setup.custom_fields import get_custom_fields
from customer_priority.setup.indexes import APP_INDEXES
from tests.integration.helpers import unique


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


# Every query the app runs on a table's ``modified``, as it filters it (Frappe v16 no longer indexes ``modified``).
ON_MODIFIED = {
	"Sales Order": "select distinct customer from `tabSales Order` {hint} where modified >= %(since)s and customer is not null",
	"Sales Invoice": "select distinct customer from `tabSales Invoice` {hint} where modified >= %(since)s and customer is not null",
	"Sales Invoice Item": "select distinct parent from `tabSales Invoice Item` {hint} where modified >= %(since)s and parenttype = 'Sales Invoice'",
	"Opportunity": "select party_name from `tabOpportunity` {hint} where opportunity_from = 'Customer' and status = 'Lost' and modified >= %(since)s and party_name in ('a', 'b')",
}


def test_what_the_app_asks_of_modified_has_an_index_of_the_apps_own():
	"""Without Frappe's own ``modified`` index, each query can still be answered on one of the app's indexes,
	which lead with what it filters on."""
	ours = {name for name, _by_doctype in APP_INDEXES}
	for doctype, query in ON_MODIFIED.items():
		keys = {
			row.Key_name
			for row in frappe.db.sql(f"show index from `tab{doctype}`", as_dict=True)
			if row.Key_name in ours and row.Column_name == "modified" and row.Seq_in_index <= 2
		}
		assert keys, f"{doctype}: no index of the app's serves its ``modified``"
		hint = (
			"ignore index (`modified`)"
			if frappe.db.sql(f"show index from `tab{doctype}` where Key_name = 'modified'")
			else ""
		)
		plan = frappe.db.sql("explain " + query.format(hint=hint), {"since": "2024-01-01"}, as_dict=True)[0]
		assert keys & set((plan.possible_keys or "").split(",")), (doctype, plan)


def test_a_default_naming_sales_stages_not_made_yet_waits_and_is_filled_in_once_they_exist(monkeypatch):
	"""As on a site whose setup wizard has not run: install keeps the default out (Settings would refuse it),
	notes it, and the first save after its Sales Stage exists fills it in; a field set by hand meanwhile is kept."""
	from customer_priority.setup import wizard

	stage = unique("CP Stage")
	shipped = wizard.default_names
	monkeypatch.setattr(
		wizard,
		"default_names",
		lambda settings, field: [stage] if field == "final_sales_stages" else shipped(settings, field),
	)
	settings = frappe.get_single("Customer Priority Settings")
	settings.final_sales_stages = stage  # at its default, as install sets it
	wizard.hold_back_missing(settings)
	assert settings.final_sales_stages == "" and settings.pending_defaults == "final_sales_stages"
	settings.save()  # Settings accept it now
	notes = wizard.waiting_notes(frappe.get_single("Customer Priority Settings"))
	assert len(notes) == 1 and stage in notes[0]
	frappe.get_doc({"doctype": "Sales Stage", "stage_name": stage}).insert(ignore_permissions=True)
	wizard.fill_pending_defaults()  # what the wizard's end and every migrate do
	settings = frappe.get_single("Customer Priority Settings")
	assert (settings.final_sales_stages, settings.pending_defaults) == (stage, "")
	assert wizard.waiting_notes(settings) == []

	settings.final_sales_stages = stage
	wizard.hold_back_missing(settings)  # its stage exists: nothing waits
	assert settings.final_sales_stages == stage and not settings.pending_defaults
	settings.pending_defaults = "final_sales_stages"
	settings.final_sales_stages = "Prospecting"  # set by hand while it waited
	settings.save()
	assert (settings.final_sales_stages, settings.pending_defaults) == ("Prospecting", "")
