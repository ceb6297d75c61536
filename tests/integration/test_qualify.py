"""A request is tiered from what is known: a lead made as an incoming email makes one (a name, an address, a
company; nothing on its Priority tab) is to qualify at the Settings' tier, never Low for a box nobody ticked; its
owner gets one ToDo to ask; answers move it through the same rules; the Priority Queue shows what to ask."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.utils import getdate

from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.data.settings import CACHE_KEY
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.patches.v0_4 import three_state_facts
from customer_priority.requests.qualify import MARKER
from customer_priority.setup.install import drop_columns
from tests.integration.helpers import make_user, unique

OWNER = "cp-qualify-owner@example.com"


def emailed_lead(**fields):
	"""A Lead as an Email Account appending to Lead makes one: who wrote, and nothing typed on its Priority tab."""
	name = unique("Sender")
	return frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": name,
			"email_id": f"{name.split()[-1].lower()}@prospect-{name.split()[-1].lower()}.example",
			"company_name": f"{name} Trading",
			"source": "Campaign" if frappe.db.exists("Lead Source", "Campaign") else None,
			**fields,
		}
	).insert(ignore_permissions=True)


def qualify_todos(lead) -> list:
	return frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Lead",
			"reference_name": lead.name,
			"description": ("like", f"%{MARKER}%"),
		},
		fields=["allocated_to", "status", "date", "description"],
	)


def test_an_emailed_lead_is_to_qualify_at_the_settings_tier_not_low():
	lead = emailed_lead()
	assert lead.cp_priority_tier == "Medium"
	assert lead.cp_to_qualify == 1
	assert "evasive" not in lead.cp_tier_reason, "nobody recorded an evasion"
	assert "not yet qualified" in lead.cp_tier_reason
	assert "Ask: what volume do they expect" in lead.cp_ask_next


def test_the_unqualified_tier_comes_from_settings():
	settings = frappe.get_single(SETTINGS)
	settings.unqualified_tier = "High"
	settings.save()
	frappe.cache.delete_value(CACHE_KEY)
	assert emailed_lead().cp_priority_tier == "High"


def test_a_recorded_evasion_is_still_low_and_a_qualified_lead_has_nothing_to_ask():
	lead = emailed_lead(cp_open_about_details="No", cp_request_type="Catalogue")
	assert lead.cp_priority_tier == "Low" and "evasive" in lead.cp_tier_reason
	assert lead.cp_to_qualify == 1 and "key account" in lead.cp_ask_next, "its potential is still unknown"
	lead.cp_could_become_key = "No"
	lead.save()
	assert (lead.cp_priority_tier, lead.cp_to_qualify, lead.cp_ask_next) == ("Low", 0, "")
	lead.cp_open_about_details = "Yes"
	lead.save()
	assert lead.cp_priority_tier == "Medium" and "open about volume" in lead.cp_tier_reason


def test_the_owner_gets_one_todo_to_qualify_due_within_the_response_time_closed_once_qualified():
	make_user(OWNER, ["Sales User"])
	lead = emailed_lead(lead_owner=OWNER)
	todos = qualify_todos(lead)
	assert len(todos) == 1 and todos[0].allocated_to == OWNER and todos[0].status == "Open"
	assert todos[0].date == getdate(lead.cp_respond_by), "due within the tier's response time"
	assert "Ask:" in todos[0].description
	lead.cp_request_type = "Catalogue"
	lead.save()  # still to qualify: no second ToDo
	assert len(qualify_todos(lead)) == 1
	lead.cp_open_about_details, lead.cp_could_become_key = "Yes", "No"
	lead.save()
	assert [t.status for t in qualify_todos(lead)] == ["Closed"]


def test_the_priority_queue_shows_what_to_ask():
	lead = emailed_lead()
	answered = emailed_lead(cp_open_about_details="Yes")
	_columns, rows = priority_queue.execute({"document_type": "Lead", "to_qualify_only": 1})
	shown = {row.name: row for row in rows}
	assert lead.name in shown and answered.name not in shown
	assert shown[lead.name].to_qualify == 1 and "Ask:" in shown[lead.name].ask


def test_the_upgrade_moves_ticked_boxes_to_yes_and_unticked_ones_to_not_asked_leaving_tiers_alone():
	"""Data made by the previous version: Check fields, a ticked and an unticked box, tiers as they stored them."""
	old = {
		"Lead": [
			{"fieldname": f, "fieldtype": "Check", "label": f, "insert_after": "cp_last_request"}
			for f in three_state_facts.MOVES
		]
	}
	create_custom_fields(old, ignore_validate=True)  # DDL: commits
	ticked, unticked = emailed_lead(), emailed_lead()
	frappe.db.set_value(
		"Lead", ticked.name, {"cp_gave_details": 1, "cp_final_stage": 1}, update_modified=False
	)
	frappe.db.set_value(
		"Lead", unticked.name, {"cp_priority_tier": "Low", "cp_gave_details": 0}, update_modified=False
	)
	tiers = {n: frappe.db.get_value("Lead", n, "cp_priority_tier") for n in (ticked.name, unticked.name)}
	frappe.db.commit()
	try:
		three_state_facts.execute()
		after = frappe.db.get_value(
			"Lead",
			ticked.name,
			["cp_open_about_details", "cp_at_final_stage", "cp_important_to_them"],
			as_dict=True,
		)
		assert (after.cp_open_about_details, after.cp_at_final_stage, after.cp_important_to_them) == (
			"Yes",
			"Yes",
			"Not Asked",
		)
		assert frappe.db.get_value("Lead", unticked.name, "cp_open_about_details") == "Not Asked"
		assert {
			n: frappe.db.get_value("Lead", n, "cp_priority_tier") for n in tiers
		} == tiers, "tiers untouched"
		assert not any(
			frappe.db.has_column("Lead", f) for f in three_state_facts.MOVES
		), "old columns dropped"
		assert not frappe.db.exists(
			"Custom Field", {"dt": "Lead", "fieldname": ("in", list(three_state_facts.MOVES))}
		)
		three_state_facts.execute()  # a second run changes nothing
		assert frappe.db.get_value("Lead", ticked.name, "cp_open_about_details") == "Yes"
	finally:
		for name in (ticked.name, unticked.name):
			frappe.delete_doc("Lead", name, force=True, ignore_permissions=True)
		left = [f for f in three_state_facts.MOVES if frappe.db.has_column("Lead", f)]
		frappe.db.delete("Custom Field", {"dt": "Lead", "fieldname": ("in", list(three_state_facts.MOVES))})
		drop_columns("Lead", left)
		frappe.clear_cache(doctype="Lead")
		frappe.db.commit()
