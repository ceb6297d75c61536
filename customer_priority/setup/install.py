"""Install and uninstall: the app's fields, index and default records; nothing of ERPNext's is touched."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.gettext.translate import compile_translations as compile_app
from frappe.installer import remove_app

from customer_priority.engine.settings import default_levels
from customer_priority.setup.custom_fields import PARTNER_APPS, get_custom_fields, get_partner_fields
from customer_priority.setup.indexes import add_order_indexes, drop_order_indexes
from customer_priority.setup.partner_screens import SCREENS
from customer_priority.setup.wizard import fill_pending_defaults, hold_back_missing
from customer_priority.standing.privileges import restore_all

APP = "customer_priority"
ISSUE_PRIORITIES = {"First": "Urgent", "High": "High", "Medium": "Medium", "Low": "Low"}
ADDED_BY_APP = "Added by Customer Priority"


def before_install():
	# The app's patches Frappe marks as run during the install, told apart from any an earlier install left.
	frappe.flags.cp_patch_logs_before = set(app_patch_logs())


def after_install():
	try:
		sync_custom_fields()
		add_order_indexes()
		make_default_records()
		compile_translations()
	except Exception:
		undo_install()
		raise


def after_migrate():
	sync_custom_fields()
	add_order_indexes()
	compile_translations()
	fill_pending_defaults()


def app_patch_logs() -> list[str]:
	return frappe.get_all("Patch Log", filters={"patch": ("like", f"{APP}.%")}, pluck="name")


def undo_install():
	"""A failed install leaves the site as it was. Frappe has already committed the app's doctypes and its place
	among the installed apps, and every ALTER TABLE committed our fields: what is not rolled back is uninstalled,
	as ``bench uninstall-app`` would, and the patches marked as run are unmarked."""
	frappe.db.rollback()
	try:
		remove_app(APP, yes=True, no_backup=True, force=True)
		before = frappe.flags.get("cp_patch_logs_before") or set()
		added = [name for name in app_patch_logs() if name not in before]
		if added:
			frappe.db.delete("Patch Log", {"name": ("in", added)})
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		# The install's own error is what the user must see; this one is printed after it.
		print(f"Customer Priority could not undo its failed install:\n{frappe.get_traceback()}")


def compile_translations():
	"""Persian (and any other) .po files become the .mo files Frappe reads."""
	compile_app("customer_priority", force=True)
	frappe.clear_cache()


def sync_custom_fields():
	create_custom_fields(get_custom_fields(), ignore_validate=True, update=True)
	for app in PARTNER_APPS:
		sync_partner_fields(app)


def partner_installed(app: str) -> bool:
	return app in frappe.get_installed_apps() and all(
		frappe.db.exists("DocType", d) for d in PARTNER_APPS[app]
	)


def sync_partner_fields(app: str) -> None:
	"""The fields on Frappe CRM's or Helpdesk's doctypes, while that app is installed."""
	if partner_installed(app):
		fields = get_partner_fields()
		create_custom_fields({d: fields[d] for d in PARTNER_APPS[app]}, ignore_validate=True, update=True)
		SCREENS[app][0]()


def remove_partner_fields(app: str, drop_columns_too: bool = True) -> None:
	"""The app's fields off Frappe CRM's or Helpdesk's doctypes, and their columns unless the tables are about to go
	with their app."""
	SCREENS[app][1]()
	fields = get_partner_fields()
	for doctype in PARTNER_APPS[app]:
		names = [f["fieldname"] for f in fields[doctype]]
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", names)})
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", names)})
		if drop_columns_too and frappe.db.table_exists(doctype):
			frappe.clear_cache(doctype=doctype)
			drop_columns(doctype, [c for c in frappe.db.get_table_columns(doctype) if c in names])


def after_app_install(app_name: str) -> None:
	"""Frappe CRM or Helpdesk installed after this app: their doctypes get the fields now."""
	if app_name in PARTNER_APPS:
		sync_partner_fields(app_name)
		frappe.clear_cache()


def before_app_uninstall(app_name: str) -> None:
	"""Frappe CRM or Helpdesk about to be removed: the fields this app put on them go first, so nothing of this
	app's is left pointing at doctypes that no longer exist."""
	if app_name in PARTNER_APPS:
		remove_partner_fields(app_name, drop_columns_too=False)


def make_default_records():
	for priority in ISSUE_PRIORITIES.values():
		if not frappe.db.exists("Issue Priority", priority):
			frappe.get_doc(
				{
					"doctype": "Issue Priority",
					"name": priority,
					"description": ADDED_BY_APP,
				}
			).insert(ignore_permissions=True)
	settings = frappe.get_single("Customer Priority Settings")
	if not settings.levels:
		for level in default_levels():
			settings.append(
				"levels", {"level_name": level.name, "min_points": level.min_points, "colour": level.colour}
			)
	for tier, priority in ISSUE_PRIORITIES.items():
		field = f"issue_priority_{tier.lower()}"
		if not settings.get(field):
			settings.set(field, priority)
	# Settings added by a later version start at their defaults (a Check reads 0 when it was never stored).
	stored = set(frappe.db.sql_list("select field from `tabSingles` where doctype = %s", settings.doctype))
	for df in settings.meta.fields:
		if df.default and df.fieldname not in stored:
			settings.set(df.fieldname, df.default)
	hold_back_missing(settings)  # before ERPNext's setup wizard, its Sales Stages do not exist yet
	settings.flags.ignore_permissions = True
	settings.save()


def before_uninstall():
	# Customers go back to the group, price list and loyalty program they had before any level's privileges.
	restore_all()
	fields = get_custom_fields()
	for doctype, docfields in fields.items():
		names = [f["fieldname"] for f in docfields]
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", names)})
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", names)})
		frappe.clear_cache(doctype=doctype)
		drop_columns(doctype, [c for c in frappe.db.get_table_columns(doctype) if c in names])
	for app in PARTNER_APPS:
		remove_partner_fields(app)
	drop_order_indexes()
	remove_unused_issue_priorities()
	frappe.db.delete(
		"ToDo", {"reference_type": "Customer", "description": ("like", "%[customer-priority-review]%")}
	)


def drop_columns(doctype: str, columns: list[str]) -> None:
	"""Drop the app's columns by rebuilding the table, online.

	An instant drop would leave the columns hidden in the table, still counted against InnoDB's row size, and a
	wide table such as Customer could then refuse the columns of a later reinstall. The rebuild runs in place with
	writes allowed (at 100,000 customers a copy kept tabCustomer's writes waiting 1.5 s); a server that cannot
	rebuild this table online gets the copy.
	"""
	if not columns:
		return
	drops = ", ".join(f"DROP COLUMN `{c}`" for c in columns)
	try:
		frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` {drops}, FORCE, ALGORITHM=INPLACE, LOCK=NONE")
	except Exception:
		frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` {drops}, ALGORITHM=COPY")
	# Frappe caches each table's columns under the table's name, which a doctype's cache clear misses.
	frappe.clear_cache()


def remove_unused_issue_priorities():
	"""Issue Priorities this app added and nothing uses; ones in use stay, as ERPNext's data."""
	for name in frappe.get_all("Issue Priority", filters={"description": ADDED_BY_APP}, pluck="name"):
		in_use = frappe.db.exists("Issue", {"priority": name}) or frappe.db.exists(
			"Service Level Priority", {"priority": name}
		)
		if not in_use:
			frappe.delete_doc("Issue Priority", name, force=True, ignore_permissions=True)
