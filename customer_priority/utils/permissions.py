"""Row-level permissions in set-based SQL: what the session user may read, as a condition a query can use."""

import frappe
from frappe import _
from frappe.desk.reportview import build_match_conditions


def readable(doctype: str, column: str) -> str:
	"""A SQL condition that keeps rows whose ``column`` names a ``doctype`` record the session user may read
	(User Permissions and permission query conditions, as list views apply them); empty when all are readable.

	Reports that aggregate in SQL use it so their totals, summaries and charts cover only what the reader sees.
	The result goes into queries with named parameters, so a literal ``%`` is doubled. A reader with no read
	permission on ``doctype`` at all may see none of its records."""
	if not frappe.has_permission(doctype, "read"):
		return "1 = 0"
	match = build_match_conditions(doctype)  # Frappe's own list-view conditions, a literal % already doubled
	if not match:
		return ""
	return f"{column} in (select `tab{doctype}`.`name` from `tab{doctype}` where {match})"


MANAGERS = ("Sales Manager", "System Manager")


def require_manager() -> None:
	"""Like ``frappe.only_for``, but also enforced under tests, where that one lets everything through."""
	if frappe.session.user != "Administrator" and set(MANAGERS).isdisjoint(frappe.get_roles()):
		frappe.throw(_("Only a Sales Manager can do this"), frappe.PermissionError)
