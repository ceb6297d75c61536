"""Settings' "Preview Changes": the moves it counts are the moves saving the settings and recomputing then makes,
it writes nothing, only who may change the Settings may ask, and bad input gets a clear 4xx error."""

from __future__ import annotations

import json

import pytest

import frappe
from frappe.utils import add_days, getdate

from customer_priority.api.preview import preview_settings
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.engine.transitions import KEY, NOT_KEY, transitions
from customer_priority.standing import recompute
from customer_priority.standing.preview import word
from tests.integration.helpers import make_customer, make_order
from tests.integration.rest import Client, message_of

PREVIEW = "customer_priority.api.preview.preview_settings"
CHANGES = [
	pytest.param(
		{"abc_a_cutoff": 40, "abc_b_cutoff": 70, "key_account_top_percent": 30, "loyal_min_orders": 2},
		id="classes-keys-roles",
	),
	pytest.param({"lookback_days": 90, "lapse_days": 100, "reborn_window_days": 400}, id="window-and-lapse"),
	pytest.param({"lapse_days": 100, "reborn_window_days": 400}, id="lapse"),
	pytest.param({"levels": [("Bronze", 0), ("Gold", 40)]}, id="levels"),
]


@pytest.fixture(scope="module")
def buyers():
	"""Customers with committed orders spread over two years (the recompute commits); removed afterwards."""
	frappe.db.rollback()
	made = []
	for i, (value, days) in enumerate(
		[
			(9000, (5, 40, 300)),
			(4000, (10, 500)),
			(2500, (200,)),
			(1200, (3, 20, 50, 80)),
			(600, (400, 720)),
			(300, (15,)),
			(150, (650,)),
			(80, (2, 130)),
		]
	):
		name = make_customer()
		made.append(name)
		for day in days:
			make_order(name, value / len(days) + i, add_days(getdate(), -day))
	frappe.db.commit()
	yield made
	frappe.db.rollback()
	for name in made:
		for so in frappe.get_all("Sales Order", filters={"customer": name}, fields=["name", "docstatus"]):
			if so.docstatus == 1:
				frappe.get_doc("Sales Order", so.name).cancel()
			frappe.delete_doc("Sales Order", so.name, force=True)
		frappe.db.delete("Customer Tier Log", {"party": name})
		frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()
	recompute.recompute_all(source="Manual")


def edited(changes: dict) -> dict:
	"""The Settings form's values (``frm.doc``) with ``changes`` made and not saved."""
	doc = frappe.get_doc(SETTINGS).as_dict(convert_dates_to_str=True)
	for field, value in changes.items():
		if field == "levels":
			doc["levels"] = [
				{"doctype": "Customer Priority Level", "level_name": n, "min_points": p, "colour": "blue"}
				for n, p in value
			]
		else:
			doc[field] = value
	return json.loads(json.dumps(doc, default=str))


def checksums() -> dict:
	sums = {t: frappe.db.sql(f"checksum table `{t}`")[0][1] for t in ("tabCustomer", "tabCustomer Tier Log")}
	sums["settings"] = frappe.db.sql(
		"select field, value from tabSingles where doctype = %s order by field", SETTINGS
	)
	sums["levels"] = frappe.db.sql(
		"select * from `tabCustomer Priority Level` where parent = %s order by idx", SETTINGS
	)
	return sums


def standing() -> dict[str, list]:
	"""Every customer's stored standing, by dimension, in name order, read straight from the table."""
	rows = frappe.db.sql(
		"""select cp_priority_tier, cp_level, cp_abc_class, cp_key_account, cp_lifecycle, cp_relationship_level
		from `tabCustomer` order by name"""
	)
	columns = dict(
		zip(
			("tier", "level", "abc", "key_account", "lifecycle", "relationship"),
			zip(*rows, strict=True),
			strict=True,
		)
	)
	columns["key_account"] = [KEY if v else NOT_KEY for v in columns["key_account"]]
	return {dimension: list(values) for dimension, values in columns.items()}


@pytest.fixture
def leaving_the_window():
	"""A customer whose one order, 200 days ago, holds most of the site's value in a year's window: class A now,
	and left with nothing in a 150-day window, whatever other customers the site holds. Removed afterwards."""
	frappe.db.rollback()
	name = make_customer()
	order = make_order(name, 50_000_000, add_days(getdate(), -200))
	frappe.db.commit()
	yield name
	frappe.db.rollback()
	order.reload()
	order.cancel()
	frappe.delete_doc("Sales Order", order.name, force=True)
	frappe.db.delete("Customer Tier Log", {"party": name})
	frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()
	recompute.recompute_all(source="Manual")


@pytest.mark.parametrize("changes", CHANGES)
def test_the_preview_counts_what_saving_and_recomputing_then_do(buyers, changes):
	preview_then_save_and_recompute(changes)


def test_the_preview_of_a_shorter_window_counts_what_saving_and_recomputing_then_do(
	buyers, leaving_the_window
):
	actual = preview_then_save_and_recompute({"lookback_days": 150})
	assert any(old == "A" and new in ("C", "") for old, new, _n in actual.table["abc"]), actual.table["abc"]


def preview_then_save_and_recompute(changes: dict):
	"""Preview ``changes``, then save them and recompute: the preview counted exactly the moves the recompute made,
	and at least one; the Settings are put back afterwards. The moves made."""
	recompute.recompute_all(source="Manual")  # the stored standing is today's under the saved settings
	frappe.db.commit()
	original = frappe.get_doc(SETTINGS).as_dict()
	before = standing()
	sums = checksums()
	preview = preview_settings(doc=json.dumps(edited(changes)))
	frappe.db.rollback()
	assert checksums() == sums, "the preview wrote something"
	try:
		doc = frappe.get_doc(SETTINGS)
		doc.update(edited(changes))
		doc.save()
		frappe.db.commit()
		recompute.recompute_all(source="Manual")
		after = standing()
		actual = transitions(before, after)
		assert preview["customers"] == len(before["tier"])
		assert preview["moved"] == int(actual.any_moved.sum()) > 0
		for dimension in preview["dimensions"]:
			d = dimension["dimension"]
			assert dimension["moved"] == actual.count(d), d
			expected = [{"from": word(d, a), "to": word(d, b), "count": n} for a, b, n in actual.table[d]]
			assert dimension["transitions"] == expected, d
		for row in preview["sample"]:
			assert row["reason"] and row["moves"]
			assert row["reason"] == frappe.db.get_value("Customer", row["customer"], "cp_tier_reason")
		return actual
	finally:
		frappe.db.rollback()
		levels_before = len(original["levels"])
		doc = frappe.get_doc(SETTINGS)
		doc.update({k: v for k, v in original.items() if k not in ("modified", "creation", "levels")})
		# The rows as new ones: a row keeping the name of one the save above removed would be updated in place,
		# which writes nothing.
		doc.set("levels", [{k: v for k, v in row.items() if k != "name"} for row in original["levels"]])
		doc.save()
		frappe.db.commit()
		assert len(frappe.get_doc(SETTINGS).levels) == levels_before
		recompute.recompute_all(source="Manual")


def test_the_same_settings_move_nobody_and_change_nothing(buyers):
	recompute.recompute_all(source="Manual")
	frappe.db.commit()
	sums = checksums()
	preview = preview_settings(doc=json.dumps(edited({})))
	assert preview["moved"] == 0 and all(d["transitions"] == [] for d in preview["dimensions"])
	assert preview["sample"] == []
	frappe.db.rollback()
	assert checksums() == sums


@pytest.fixture
def edited_doc():
	return edited({"abc_a_cutoff": 40, "abc_b_cutoff": 70})


def test_a_sales_user_may_not_preview(server, keys, edited_doc, buyers):
	sums = checksums()
	response = Client(server, keys["Sales User"]).method(PREVIEW, doc=edited_doc)
	assert response.status_code == 403, response.text
	assert "may change the Customer Priority Settings" in message_of(response)
	manager = Client(server, keys["System Manager"]).method(PREVIEW, doc=edited_doc)
	assert manager.status_code == 200, manager.text
	assert {d["dimension"] for d in manager.json()["message"]["dimensions"]} >= {"tier", "abc", "lifecycle"}
	assert checksums() == sums


@pytest.mark.parametrize(
	"doc, message",
	[
		({"abc_a_cutoff": 90, "abc_b_cutoff": 80}, "must be above the A cut-off"),
		({"lookback_days": -5}, "at least 1 (got -5)"),
		({"levels": "not rows"}, "form's values"),
	],
)
def test_bad_settings_get_a_clear_client_error(server, keys, doc, message):
	sums = checksums()
	body = {**edited({}), **doc}
	response = Client(server, keys["System Manager"]).method(PREVIEW, doc=body)
	assert 400 <= response.status_code < 500, response.text
	assert message.lower() in message_of(response).lower()
	assert "Traceback" not in message_of(response)
	assert checksums() == sums


def test_input_that_is_not_the_settings_form_is_refused(server, keys):
	for doc in ("not json at all", "[1, 2]", 7):
		response = Client(server, keys["System Manager"]).method(PREVIEW, doc=doc)
		assert 400 <= response.status_code < 500, response.text
		assert "form's values" in message_of(response)
