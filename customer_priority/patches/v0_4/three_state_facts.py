"""The facts a person records about a request become Yes / No / Not Asked. A ticked box was a recorded yes; an
unticked one was never a recorded no (nobody could tell "no" from "not asked"), so it becomes Not Asked. Stored
tiers are left as they are: each request is decided again on its next save."""

import frappe
from frappe.query_builder import Case

from customer_priority.setup.install import drop_columns, make_default_records, sync_custom_fields

MOVES = {
	"cp_request_important": "cp_important_to_them",
	"cp_gave_details": "cp_open_about_details",
	"cp_key_potential": "cp_could_become_key",
	"cp_final_stage": "cp_at_final_stage",
}


def execute():
	make_default_records()  # the new tier of unqualified contacts starts at its default
	sync_custom_fields()  # the new fields exist before the values move into them
	for doctype in ("Lead", "Opportunity"):
		old_fields = [old for old in MOVES if frappe.db.has_column(doctype, old)]
		table = frappe.qb.DocType(doctype)
		for old in old_fields:
			frappe.qb.update(table).set(
				table[MOVES[old]], Case().when(table[old] == 1, "Yes").else_("Not Asked")
			).run()
		if not old_fields:
			continue
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", old_fields)})
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", old_fields)})
		drop_columns(doctype, old_fields)
