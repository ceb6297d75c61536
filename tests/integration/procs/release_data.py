"""Data made by one release of the app, and a snapshot of what the app keeps, for the upgrade test.

    cd sites && PYTHONPATH=<a release's code> python release_data.py SITE make|snapshot|recompute

Runs with whatever release of customer_priority PYTHONPATH names, so it imports nothing of the app by name that a
release may not have: the app's functions are found through its hooks or tried at each release's dotted path.
The snapshot is read with SQL alone, so any release can take it.

- make: customers with orders (one cancelled) and an invoice, a key account, a tier set by hand, a submitted
  evaluation, leads with request facts and an opportunity, an issue, then the release's own scheduled recompute;
  prints the names it made;
- recompute: the release's scheduled recompute alone;
- installed: the site's installed apps; ready: whether ERPNext is installed and set up;
- forget-patches: the app's Patch Log rows removed (after an uninstall, as on a site that never had the app);
- snapshot: every column of the app's own tables, the app's fields on ERPNext's tables, its settings, its Patch
  Log rows and a checksum of each table read.
"""

import hashlib
import json
import sys

import frappe
from frappe.utils import add_days, getdate

APP = "customer_priority"
PREFIX = "CP Upgrade"
ITEM = "CP Upgrade Service"
# ERPNext tables the app adds fields to (its own doctypes' tables are found from its modules).
PARTY_TABLES = ("Customer", "Lead", "Opportunity", "Issue", "Sales Order", "Sales Invoice")


def attr(*paths: str):
	"""The first of ``paths`` this release has."""
	for path in paths:
		try:
			return frappe.get_attr(path)
		except (ImportError, AttributeError):
			continue
	raise SystemExit(f"none of {paths} in this release")


def company() -> str:
	return frappe.db.get_single_value("Global Defaults", "default_company") or frappe.db.get_value(
		"Company", {}, "name"
	)


def ensure_item() -> str:
	if not frappe.db.exists("Item", ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": ITEM,
				"item_name": ITEM,
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"is_sales_item": 1,
			}
		).insert(ignore_permissions=True)
	return ITEM


def customer(name: str) -> str:
	if frappe.db.exists("Customer", name):
		return name
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name,
			"customer_group": "All Customer Groups",
			"territory": "All Territories",
		}
	).insert(ignore_permissions=True)
	return doc.name


def order(party: str, amount: float, days_ago: int):
	day = add_days(getdate(), -days_ago)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": party,
			"company": company(),
			"transaction_date": day,
			"delivery_date": add_days(getdate(), 7),
			"items": [
				{
					"item_code": ensure_item(),
					"qty": 1,
					"rate": amount,
					"delivery_date": add_days(getdate(), 7),
				}
			],
		}
	).insert(ignore_permissions=True)
	doc.submit()
	return doc


def invoice(party: str, amount: float):
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": party,
			"company": company(),
			"posting_date": getdate(),
			"due_date": add_days(getdate(), 30),
			"items": [{"item_code": ensure_item(), "qty": 1, "rate": amount}],
		}
	).insert(ignore_permissions=True)
	doc.submit()
	return doc


def facts(doctype: str, yes: list[tuple[str, str]]) -> dict:
	"""Request facts as this release stores them: a ticked box (old) or Yes (three states)."""
	meta = frappe.get_meta(doctype)
	values = {}
	for old, new in yes:
		if meta.has_field(old):
			values[old] = 1
		elif meta.has_field(new):
			values[new] = "Yes"
	return values


def evaluation(party: str) -> str:
	"""A submitted Customer Evaluation answering every question this release asks with 4."""
	meta = frappe.get_meta("Customer Evaluation")
	doc = frappe.new_doc("Customer Evaluation")
	doc.update({"party_type": "Customer", "party": party, "evaluation_date": getdate()})
	for field in meta.fields:
		if field.fieldtype == "Select" and field.reqd and not doc.get(field.fieldname):
			choices = [c for c in (field.options or "").split("\n") if c]
			doc.set(field.fieldname, "4" if "4" in choices else choices[0])
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc.name


def recompute() -> None:
	"""The release's daily recompute, as its scheduler runs it (each daily_long hook in order)."""
	if frappe.get_meta("Customer Priority Settings").has_field("recompute_frequency"):
		frappe.db.set_single_value("Customer Priority Settings", "recompute_frequency", "Daily")
		frappe.db.commit()  # the recompute makes temporary tables, which a transaction that wrote may not
	for path in frappe.get_hooks("scheduler_events").get("daily_long", []):
		if path.startswith(APP):
			frappe.get_attr(path)()
	frappe.db.commit()


def make() -> dict:
	frappe.set_user("Administrator")
	frappe.flags.mute_emails = True
	names = [customer(f"{PREFIX} {i}") for i in range(1, 7)]
	amounts = [90000, 40000, 12000, 5000, 1500, 300]
	for i, (party, amount) in enumerate(zip(names, amounts, strict=True)):
		order(party, amount, days_ago=200 - 30 * i)
		order(party, amount / 2, days_ago=20 + i)
	order(names[3], 7000, days_ago=5).cancel()
	invoice(names[1], 8000)
	frappe.db.commit()

	attr("customer_priority.api.party.set_key_account", "customer_priority.api.set_key_account")(
		customer=names[2], is_key=1, reason="Strategic partner"
	)
	attr("customer_priority.api.party.set_tier_override", "customer_priority.api.set_tier_override")(
		doctype="Customer", name=names[4], tier="First", reason="Board decision"
	)
	made = {"customers": names, "evaluation": evaluation(names[0])}
	frappe.db.commit()

	leads = []
	for i, yes in enumerate(
		(
			[("cp_request_important", "cp_important_to_them"), ("cp_key_potential", "cp_could_become_key")],
			[("cp_gave_details", "cp_open_about_details")],
			[],
		)
	):
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"lead_name": f"{PREFIX} Lead {i}",
				"company_name": f"{PREFIX} Prospect {i}",
				**facts("Lead", yes),
			}
		).insert(ignore_permissions=True)
		leads.append(lead.name)
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": names[1],
			"company": company(),
			"transaction_date": getdate(),
			**facts(
				"Opportunity",
				[("cp_final_stage", "cp_at_final_stage"), ("cp_gave_details", "cp_open_about_details")],
			),
		}
	).insert(ignore_permissions=True)
	issue = frappe.get_doc(
		{"doctype": "Issue", "subject": f"{PREFIX} question", "customer": names[0]}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	recompute()
	made.update({"leads": leads, "opportunity": opportunity.name, "issue": issue.name})
	return made


def app_doctypes() -> list[str]:
	modules = frappe.get_all("Module Def", filters={"app_name": APP}, pluck="name")
	return sorted(
		frappe.get_all(
			"DocType", filters={"module": ("in", modules), "istable": 0, "issingle": 0}, pluck="name"
		)
		+ frappe.get_all("DocType", filters={"module": ("in", modules), "istable": 1}, pluck="name")
	)


def rows(table: str, columns: list[str]) -> dict:
	select = ", ".join(f"`{c}`" for c in columns)
	found = frappe.db.sql(f"select {select} from `tab{table}` order by name", as_dict=True)
	return {row["name"]: {k: jsonable(v) for k, v in row.items() if k != "name"} for row in found}


def jsonable(value):
	return value if value is None or isinstance(value, int | str) else str(value)


def snapshot() -> dict:
	frappe.db.rollback()
	tables = {}
	for doctype in app_doctypes():
		if frappe.db.table_exists(doctype):
			tables[doctype] = rows(doctype, frappe.db.get_table_columns(doctype))
	for doctype in PARTY_TABLES:
		columns = [c for c in frappe.db.get_table_columns(doctype) if c.startswith("cp_")]
		tables[doctype] = rows(doctype, ["name", "modified", *columns])
	modules = frappe.get_all("Module Def", filters={"app_name": APP}, pluck="name")
	singles = frappe.get_all("DocType", filters={"module": ("in", modules), "issingle": 1}, pluck="name")
	settings = {
		doctype: dict(frappe.db.sql("select field, value from tabSingles where doctype = %s", doctype))
		for doctype in singles
	}
	patches = frappe.db.sql_list(
		"select patch from `tabPatch Log` where patch like %s order by creation, name", f"{APP}.%"
	)
	checksums = {
		table: hashlib.md5(json.dumps(content, sort_keys=True).encode()).hexdigest()
		for table, content in {**tables, **settings}.items()
	}
	return {"tables": tables, "settings": settings, "patches": patches, "checksums": checksums}


def installed() -> list[str]:
	return json.loads(frappe.db.get_global("installed_apps") or "[]")


def ready() -> bool:
	"""Whether the site was made whole: ERPNext installed and its setup done (a company)."""
	return "erpnext" in installed() and bool(frappe.db.get_value("Company", {}, "name"))


def forget_patches() -> int:
	"""The app's Patch Log rows removed after an uninstall, as on a site that never had the app."""
	count = frappe.db.delete("Patch Log", {"patch": ("like", f"{APP}.%")})
	frappe.db.commit()
	return count or 0


ACTIONS = {
	"make": make,
	"snapshot": snapshot,
	"recompute": recompute,
	"installed": installed,
	"ready": ready,
	"forget-patches": forget_patches,
}

if __name__ == "__main__":
	site, action = sys.argv[1], sys.argv[2]
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	result = ACTIONS[action]()
	print(json.dumps(result, sort_keys=True, default=str))
	frappe.destroy()
