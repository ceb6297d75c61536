"""Row-level permissions in set-based SQL: what a user may read, as a condition a query can use. The one rule for
every report, number card, list and method of the app: a row about a party (a customer, a lead, an issue...) is
shown only to who may read that party, with its User Permissions and "only if owner" role permissions."""

import frappe
from frappe import _
from frappe.model.db_query import DatabaseQuery

PARTY_DOCTYPES = ("Customer", "Lead", "Opportunity", "Issue", "CRM Lead", "CRM Deal", "HD Ticket")
"""Every doctype the app's log and evaluations name by a dynamic link (Frappe CRM's and Helpdesk's when
installed)."""
PARTY_ROWS = ("Customer Tier Log", "Customer Evaluation")
"""The app's doctypes whose rows are about a party: readable only with the party (hooks.py)."""


def match(doctype: str, user: str | None = None) -> str:
	"""Frappe's list-view conditions on ``doctype`` for ``user`` (User Permissions, "only if owner", permission
	query conditions), a literal % single; empty when every row is readable."""
	return DatabaseQuery(doctype, user=user or frappe.session.user).build_match_conditions()


def readable(doctype: str, column: str, user: str | None = None, in_query: bool = False) -> str:
	"""A SQL condition that keeps rows whose ``column`` names a ``doctype`` record the user (the session's by
	default) may read, as list views decide; empty when all are readable.

	Reports that aggregate in SQL use it so their totals, summaries and charts cover only what the reader sees.
	The result goes into queries with named parameters, so a literal ``%`` is doubled, unless ``in_query`` (a
	permission query condition, which Frappe runs without parameters). A reader with no read permission on
	``doctype`` at all may see none of its records."""
	user = user or frappe.session.user
	if not frappe.has_permission(doctype, "read", user=user):
		return "1 = 0"
	conditions = match(doctype, user)
	if not conditions:
		return ""
	if not in_query:
		conditions = conditions.replace("%", "%%")
	return f"{column} in (select `tab{doctype}`.`name` from `tab{doctype}` where {conditions})"


def installed_party_doctypes() -> list[str]:
	"""The party doctypes this site has: Frappe CRM's and Helpdesk's only when installed."""
	return [d for d in PARTY_DOCTYPES if frappe.db.table_exists(d)]


def may_read(doctype: str, name: str, user: str | None = None) -> bool:
	"""Whether the record exists and the user may read it. To a reader who may not, a record is as absent as a name
	that never existed: a message must not tell the two apart."""
	return bool(frappe.db.exists(doctype, name)) and frappe.has_permission(
		doctype, "read", doc=name, user=user or frappe.session.user
	)


def readable_parties(
	type_column: str, name_column: str, user: str | None = None, in_query: bool = False
) -> list[str]:
	"""Conditions keeping the rows whose (``type_column``, ``name_column``) names a party the user may read: a
	dynamic link, which User Permissions do not reach on their own. Empty when every party is readable."""
	user = user or frappe.session.user
	if user == "Administrator":
		return []
	present = installed_party_doctypes()
	conditions = [f"{type_column} in ({', '.join(frappe.db.escape(d) for d in present)})"]
	for doctype in present:
		if visible := readable(doctype, name_column, user, in_query):
			conditions.append(f"({type_column} != {frappe.db.escape(doctype)} or {visible})")
	return conditions


def party_rows_query(user: str | None = None, doctype: str | None = None) -> str:
	"""permission_query_conditions of the log and the evaluations: only rows about parties the user may read, so
	their lists, number cards, charts and Frappe's own reports follow the party's permissions."""
	table = f"`tab{doctype or 'Customer Tier Log'}`"
	return " and ".join(readable_parties(f"{table}.party_type", f"{table}.party", user, in_query=True))


def party_row_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	"""has_permission of the log and the evaluations: reading, writing or creating a row about a party the user
	may not read is refused; else the role permissions decide (None). Deleting reveals nothing and stays with the
	roles (a System Manager clears log rows without reading customers)."""
	user = user or frappe.session.user
	if user == "Administrator" or ptype == "delete" or not doc.get("party_type") or not doc.get("party"):
		return None
	if doc.party_type not in PARTY_DOCTYPES or not may_read(doc.party_type, doc.party, user):
		return False
	return None


MANAGERS = ("Sales Manager", "System Manager")


def require_manager() -> None:
	"""Like ``frappe.only_for``, but also enforced under tests, where that one lets everything through."""
	if frappe.session.user != "Administrator" and set(MANAGERS).isdisjoint(frappe.get_roles()):
		frappe.throw(_("Only a Sales Manager can do this"), frappe.PermissionError)
