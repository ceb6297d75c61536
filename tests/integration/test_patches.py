"""Each patch on its own: prepared as a site of the release before it left its data, the patch's execute() makes the
change it names and nothing else, and a second run changes nothing. (The whole upgrade, every patch in turn on a
site a release made, is tests/integration/test_zz_upgrade.py.)"""

import hashlib
import json
from pathlib import Path

import pytest

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.modules.patch_handler import get_patches_from_app

from customer_priority.patches.v0_2 import reasons_as_data
from customer_priority.patches.v0_4 import three_state_facts
from customer_priority.setup.install import drop_columns
from customer_priority.utils import reasons
from tests.integration.helpers import company, make_customer, make_order

APP = "customer_priority"
SETTINGS = "Customer Priority Settings"
# The settings each defaults patch brings (the fields with a default its release added), as the releases' tags show.
DEFAULTS_PATCHES = {
	"customer_priority.patches.v0_2.new_settings_defaults": (
		"route_first",
		"route_medium",
		"response_time_first",
		"escalate_to_role",
		"announce_became_key",
	),
	"customer_priority.patches.v0_3.profit_settings_defaults": ("rank_by", "thin_margin_percent"),
	"customer_priority.patches.v0_3.watch_settings_defaults": (
		"at_risk_lost_opportunities",
		"at_risk_value_drop_percent",
		"at_risk_share_drop_percent",
		"announce_key_at_risk",
	),
	"customer_priority.patches.v0_4.reading_settings_defaults": (
		"request_type_phrases",
		"urgency_phrases",
		"public_email_domains",
		"unqualified_tier",
	),
	"customer_priority.patches.v0_5.new_settings_defaults": (
		"prediction_horizon_days",
		"p_alive_may_leave_percent",
		"ticket_priority_first",
		"ticket_priority_low",
	),
}


def settings_rows() -> dict:
	return dict(frappe.db.sql("select field, value from tabSingles where doctype = %s", SETTINGS))


def checksum(*queries: tuple) -> str:
	rows = [frappe.db.sql(query, values, as_list=True) for query, values in queries]
	return hashlib.md5(json.dumps(rows, default=str).encode()).hexdigest()


def test_every_listed_patch_exists_and_every_patch_is_listed():
	listed = get_patches_from_app(APP)
	for patch in listed:
		assert callable(frappe.get_attr(f"{patch.split()[0]}.execute")), patch
	root = Path(frappe.get_app_path(APP, "patches"))
	modules = {
		".".join((APP, "patches", *f.relative_to(root).with_suffix("").parts))
		for f in root.rglob("*.py")
		if f.name != "__init__.py"
	}
	assert modules == {p.split()[0] for p in listed}, "a patch module not in patches.txt, or the reverse"
	assert set(DEFAULTS_PATCHES) <= modules


@pytest.mark.parametrize("patch", sorted(DEFAULTS_PATCHES))
def test_a_defaults_patch_fills_its_settings_and_keeps_what_a_site_chose(patch):
	fields = DEFAULTS_PATCHES[patch]
	meta = frappe.get_meta(SETTINGS)
	defaults = {f: meta.get_field(f).default for f in fields}
	assert all(defaults.values()), defaults
	kept = {
		"lookback_days": "400",
		"abc_a_cutoff": "75",
	}  # chosen by the site before the upgrade
	for field, value in kept.items():
		frappe.db.set_single_value(SETTINGS, field, value)
	# As the release before left the site: its new settings never stored.
	frappe.db.delete("Singles", {"doctype": SETTINGS, "field": ("in", fields)})
	frappe.clear_document_cache(SETTINGS, SETTINGS)
	levels = frappe.get_all("Customer Priority Level", fields=["level_name", "min_points"], order_by="idx")

	frappe.get_attr(f"{patch}.execute")()
	after = settings_rows()
	for field, default in defaults.items():
		assert str(after[field]) == str(default) or float(after[field]) == float(default), (
			field,
			after[field],
		)
	for field, value in kept.items():
		assert float(after[field]) == float(value), field
	assert (
		frappe.get_all("Customer Priority Level", fields=["level_name", "min_points"], order_by="idx")
		== levels
	)

	frappe.clear_document_cache(SETTINGS, SETTINGS)
	frappe.get_attr(f"{patch}.execute")()
	again = settings_rows()
	assert {k: v for k, v in again.items() if k not in ("modified",)} == {
		k: v for k, v in after.items() if k not in ("modified",)
	}, "a second run changed a setting"


def test_reasons_as_data_gives_text_reasons_their_data_once():
	customer = make_customer()
	make_order(customer, 1200)
	keeps = make_customer()
	make_order(keeps, 800)
	text = "Board decision; Repeat buyer: 3 orders; RFM 455: Loyal"
	frappe.db.set_value(
		"Customer", customer, {"cp_tier_reason": text, "cp_tier_reason_data": None}, update_modified=False
	)
	kept_data = frappe.db.get_value("Customer", keeps, "cp_tier_reason_data")
	assert kept_data
	log = frappe.get_doc(
		{
			"doctype": "Customer Tier Log",
			"party_type": "Customer",
			"party": customer,
			"field": "Tier",
			"old_value": "Low",
			"new_value": "High",
			"reason": text,
			"source": "Manual",
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Customer Tier Log", log.name, "reason_data", None, update_modified=False)
	modified = frappe.db.get_value("Customer", customer, "modified")

	reasons_as_data.execute()
	data = frappe.db.get_value("Customer", customer, "cp_tier_reason_data")
	read = reasons.decode(data)
	# A person's words kept as written, then two of the app's reasons read as data with their numbers.
	assert (read[0].template, dict(read[0].params)) == (reasons.LITERAL, {"text": "Board decision"})
	assert len(read) == 3 and all(r.template != reasons.LITERAL and r.params for r in read[1:])
	assert reasons.english(read) == text
	assert (
		reasons.english(reasons.decode(frappe.db.get_value("Customer Tier Log", log.name, "reason_data")))
		== text
	)
	assert (
		frappe.db.get_value("Customer", keeps, "cp_tier_reason_data") == kept_data
	), "data already kept changed"
	assert frappe.db.get_value("Customer", customer, "modified") == modified

	tables = [
		(
			"select name, cp_tier_reason, cp_tier_reason_data from tabCustomer where name in %s",
			[(customer, keeps)],
		)
	]
	tables.append(
		("select name, reason, reason_data from `tabCustomer Tier Log` where party = %s", [customer])
	)
	first = checksum(*tables)
	reasons_as_data.execute()
	assert checksum(*tables) == first, "a second run changed a reason"


def opportunity(customer: str) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": customer,
				"company": company(),
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def test_three_state_facts_moves_an_opportunitys_boxes_and_drops_them_once():
	"""As the release before stored an opportunity's facts: Check fields (the lead's are in test_qualify)."""
	frappe.db.rollback()
	old = {
		"Opportunity": [
			{"fieldname": f, "fieldtype": "Check", "label": f, "insert_after": "cp_last_request"}
			for f in three_state_facts.MOVES
		]
	}
	create_custom_fields(old, ignore_validate=True)  # DDL: commits
	customer = make_customer()
	ticked, unticked = opportunity(customer), opportunity(customer)
	frappe.db.set_value(
		"Opportunity", ticked, {"cp_final_stage": 1, "cp_request_important": 1}, update_modified=False
	)
	frappe.db.set_value("Opportunity", unticked, {"cp_priority_tier": "Low"}, update_modified=False)
	tiers = {n: frappe.db.get_value("Opportunity", n, "cp_priority_tier") for n in (ticked, unticked)}
	frappe.db.commit()
	facts = ["cp_at_final_stage", "cp_important_to_them", "cp_open_about_details", "cp_could_become_key"]
	try:
		three_state_facts.execute()
		assert frappe.db.get_value("Opportunity", ticked, facts) == ("Yes", "Yes", "Not Asked", "Not Asked")
		assert frappe.db.get_value("Opportunity", unticked, facts) == ("Not Asked",) * 4
		assert {n: frappe.db.get_value("Opportunity", n, "cp_priority_tier") for n in tiers} == tiers
		assert not any(frappe.db.has_column("Opportunity", f) for f in three_state_facts.MOVES)
		assert not frappe.db.exists(
			"Custom Field", {"dt": "Opportunity", "fieldname": ("in", list(three_state_facts.MOVES))}
		)
		query = (
			f"select name, {', '.join(facts)}, cp_priority_tier from tabOpportunity where name in %s",
			[(ticked, unticked)],
		)
		first = checksum(query)
		three_state_facts.execute()
		assert checksum(query) == first, "a second run changed a fact"
	finally:
		for name in (ticked, unticked):
			frappe.delete_doc("Opportunity", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True)
		left = [f for f in three_state_facts.MOVES if frappe.db.has_column("Opportunity", f)]
		frappe.db.delete(
			"Custom Field", {"dt": "Opportunity", "fieldname": ("in", list(three_state_facts.MOVES))}
		)
		drop_columns("Opportunity", left)
		frappe.clear_cache(doctype="Opportunity")
		frappe.db.commit()
