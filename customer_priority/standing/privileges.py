"""A level's privileges on the customer's ERPNext record: Customer Group, default Price List, Loyalty Program.

The engine (``engine/privileges.py``) decides what a change of level changes; this applies it, keeps what the app
applied (and what was there before) in the customer's ``cp_privileges``, and logs each change with its reason.
Called wherever a change of level is logged (``standing.changes_to_log``: the hooks and the recompute alike), and
before uninstall to leave every customer as it was before the app applied anything.
"""

from __future__ import annotations

import json

import frappe
from frappe.query_builder.functions import IfNull
from frappe.utils import cint

from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.privileges import PRIVILEGES, decide_privileges, grants_anything, restore
from customer_priority.engine.settings import Settings

STATE_FIELD = "cp_privileges"
FIELDS = tuple(customer_field for customer_field, _attr, _label in PRIVILEGES)


def defaults() -> dict[str, str]:
	"""What a customer has when nobody chose: ERPNext's default Customer Group (Selling Settings), no price list
	(the selling default applies) and no loyalty program."""
	group = frappe.db.get_single_value("Selling Settings", "customer_group") or "All Customer Groups"
	return {"customer_group": group, "default_price_list": "", "loyalty_program": ""}


def in_use(settings: Settings) -> bool:
	"""Whether any level grants anything, or the app applied something it may have to take back."""
	return grants_anything(settings.levels) or bool(
		cint(frappe.db.get_single_value(SETTINGS, "privileges_applied"))
	)


def apply_level_change(
	customer: str, old_level: str | None, new_level: str | None, source: str, reference=None, settings=None
) -> list[dict]:
	"""Apply the new level's privileges and take back the old level's; the log entries of what changed."""
	settings = settings or get_engine_settings()
	if (old_level or "") == (new_level or "") or not in_use(settings):
		return []
	levels = {level.name: level for level in settings.levels}
	row = frappe.db.get_value("Customer", customer, [*FIELDS, STATE_FIELD, "account_manager"], as_dict=True)
	if row is None:
		return []
	applied = json.loads(row.get(STATE_FIELD) or "{}")
	decision = decide_privileges(
		levels.get(old_level or ""),
		levels.get(new_level or ""),
		{f: row.get(f) or "" for f in FIELDS},
		applied,
		defaults(),
		override_by_hand=bool(cint(frappe.db.get_single_value(SETTINGS, "privileges_override_by_hand"))),
	)
	if not decision.changes and decision.applied == applied:
		return []
	values = {change.field: change.new or None for change in decision.changes}
	values[STATE_FIELD] = json.dumps(decision.applied, sort_keys=True) if decision.applied else None
	frappe.db.set_value("Customer", customer, values, update_modified=False)
	if decision.applied and not cint(frappe.db.get_single_value(SETTINGS, "privileges_applied")):
		frappe.db.set_single_value(SETTINGS, "privileges_applied", 1)
	return [
		{
			"party_type": "Customer",
			"party": customer,
			"field": "Privilege",
			"old_value": f"{change.label}: {change.old}" if change.old else "",
			"new_value": f"{change.label}: {change.new}" if change.new else "",
			"account_manager": row.account_manager,
			"reasons": change.reasons,
			"source": source,
			"reference_doctype": reference.doctype if reference else None,
			"reference_name": reference.name if reference else None,
		}
		for change in decision.changes
	]


def restore_all() -> int:
	"""Every customer back to what it had before the app applied any privilege (fields changed by hand since
	stay as the person set them). Returns how many customers were written."""
	if not frappe.db.has_column("Customer", STATE_FIELD):
		return 0
	customer = frappe.qb.DocType("Customer")
	rows = (
		frappe.qb.from_(customer)
		.select(customer.name, *(customer[f] for f in FIELDS), customer[STATE_FIELD])
		.where(IfNull(customer[STATE_FIELD], "") != "")
		.run(as_dict=True)
	)
	for row in rows:
		values = restore({f: row.get(f) or "" for f in FIELDS}, json.loads(row[STATE_FIELD]))
		values = {f: v or None for f, v in values.items()}
		frappe.db.set_value("Customer", row.name, {**values, STATE_FIELD: None}, update_modified=False)
	return len(rows)
