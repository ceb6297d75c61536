"""What a test asks of another site than its own, printed as JSON on the last line.

    cd sites && python on_site.py SITE state|failing-install|settings

- state: what an install could leave behind (installed apps, tables and their columns and indexes, the records
  an app's install makes or marks);
- failing-install: the state, then an install of customer_priority that fails at its last step, then the state;
- settings: Customer Priority Settings as stored, with what its form says of defaults still waiting.
"""

import json
import sys

import frappe

APP = "customer_priority"
RECORDS = (
	"DocType",
	"Module Def",
	"Custom Field",
	"Property Setter",
	"Custom DocPerm",
	"Report",
	"Workspace",
	"Number Card",
	"Dashboard Chart",
	"Issue Priority",
	"Patch Log",
	"Scheduled Job Type",
)
TABLES = (
	"Customer",
	"Lead",
	"Opportunity",
	"Contact",
	"Issue",
	"Sales Order",
	"Sales Invoice",
	"Sales Invoice Item",
)


def state() -> dict:
	frappe.db.rollback()
	frappe.clear_cache()
	return {
		"installed_apps": json.loads(frappe.db.get_global("installed_apps") or "[]"),
		"tables": sorted(frappe.db.sql_list("show tables")),
		"columns": {dt: sorted(frappe.db.get_table_columns(dt)) for dt in TABLES},
		"indexes": {
			dt: sorted({row[2] for row in frappe.db.sql(f"show index from `tab{dt}`")}) for dt in TABLES
		},
		"singles": sorted(frappe.db.sql_list("select distinct doctype from tabSingles")),
		**{doctype: sorted(frappe.get_all(doctype, pluck="name")) for doctype in RECORDS},
	}


def failing_install() -> dict:
	from frappe.installer import install_app

	from customer_priority.setup import install

	before = state()

	def broken():
		raise RuntimeError("the install broke at its last step")

	install.compile_translations = broken
	try:
		install_app(APP)
		error = None
	except Exception as exc:
		error = str(exc)
	frappe.flags.in_install = False
	return {"before": before, "after": state(), "error": error}


def settings() -> dict:
	from customer_priority.setup.wizard import waiting_notes

	frappe.db.rollback()
	frappe.clear_cache()
	doc = frappe.get_single("Customer Priority Settings")
	return {
		"final_sales_stages": doc.final_sales_stages or "",
		"negotiation_sales_stages": doc.negotiation_sales_stages or "",
		"pending_defaults": doc.get("pending_defaults") or "",
		"notes": waiting_notes(doc),
		"levels": [row.level_name for row in doc.levels],
		"issue_priority_first": doc.issue_priority_first,
		"sales_stages": sorted(frappe.get_all("Sales Stage", pluck="name")),
		"setup_complete": bool(frappe.is_setup_complete()),
	}


def main(site: str, action: str) -> int:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		result = {"state": state, "failing-install": failing_install, "settings": settings}[action]()
	finally:
		frappe.destroy()
	print(json.dumps(result, default=str), flush=True)
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1], sys.argv[2]))
