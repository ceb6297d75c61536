"""The permission matrix through REST, with API keys, against a real web server: Guest, Sales User, Sales Manager,
Accounts User and System Manager, by reading and writing the computed fields, the override, the key-account mark,
the recompute, the settings, submitting an evaluation, editing and deleting the log, every whitelisted method and
every report. Each cell is one test: allowed (and done), refused (403, nothing changed), ignored (accepted,
nothing changed: the computed fields are kept as stored whatever a user sends) or hidden (accepted, nothing
revealed)."""

from __future__ import annotations

import pytest

import frappe
from frappe.utils import getdate

from customer_priority.standing import recompute
from customer_priority.standing.log import write_log
from tests.integration.helpers import make_call_from, make_customer
from tests.integration.rest import PERSONAS, Client

SETTINGS = "Customer Priority Settings"
COMPUTED = {"cp_priority_tier": "First", "cp_key_account": 1, "cp_lifetime_value": 999999, "cp_rank": 1}


@pytest.fixture
def target():
	"""A committed customer with a stored standing, a log row and a call from it; removed afterwards."""
	frappe.db.rollback()
	customer = make_customer()
	frappe.db.set_value(
		"Customer",
		customer,
		{"cp_priority_tier": "Low", "cp_rule_tier": "Low", "cp_key_account": 0, "cp_lifetime_value": 10},
	)
	write_log(
		[
			{
				"party_type": "Customer",
				"party": customer,
				"field": "Tier",
				"old_value": "Medium",
				"new_value": "Low",
				"reason": "matrix",
				"source": "Manual",
			}
		]
	)
	log = frappe.get_all("Customer Tier Log", {"party": customer}, pluck="name")[0]
	call = make_call_from(customer)
	frappe.db.commit()
	yield frappe._dict(customer=customer, log=log, call=call)
	frappe.db.rollback()
	for name in frappe.get_all("Customer Evaluation", {"party": customer}, pluck="name"):
		frappe.db.delete("Customer Evaluation Reviewer", {"parent": name})
		frappe.db.delete("Customer Evaluation", name)
	frappe.db.delete("Customer Tier Log", {"party": customer})
	frappe.db.delete("Dynamic Link", {"parent": call})
	frappe.db.delete("Call Log", call)
	frappe.db.delete("Customer", customer)
	frappe.db.commit()
	drop_queued_recompute()


def drop_queued_recompute():
	from frappe.utils.background_jobs import get_job

	job = get_job(recompute.JOB_ID)
	if job:
		job.delete()


def state(t) -> tuple:
	"""Everything a cell could change."""
	frappe.db.rollback()
	frappe.clear_document_cache(SETTINGS, SETTINGS)
	fields = [f for f in frappe.db.get_table_columns("Customer") if f.startswith("cp_")]
	return (
		frappe.db.get_value("Customer", t.customer, fields, as_dict=True),
		frappe.db.count("Customer Tier Log", {"party": t.customer}),
		frappe.db.get_value("Customer Tier Log", t.log, ["reason", "new_value"]),
		frappe.db.get_single_value(SETTINGS, "lapse_days"),
		frappe.db.count("Customer Evaluation", {"party": t.customer, "docstatus": 1}),
	)


def scorecard(customer: str) -> dict:
	return {
		"doctype": "Customer Evaluation",
		"party_type": "Customer",
		"party": customer,
		"evaluation_date": str(getdate()),
		"reviewers": [{"user": "Administrator"}],
		"docstatus": 1,
		**{f"q{i}": "3" for i in range(1, 8)},
	}


def read_fields(c, t):
	r = c.call("GET", f"/api/resource/Customer/{t.customer}")
	return r, r.ok and r.json()["data"].get("cp_priority_tier") == "Low"


def write_fields(c, t):
	return c.call("PUT", f"/api/resource/Customer/{t.customer}", json=COMPUTED), None


def override(c, t):
	r = c.method(
		"customer_priority.api.party.set_tier_override",
		doctype="Customer",
		name=t.customer,
		tier="First",
		reason="r",
	)
	return r, frappe.db.get_value("Customer", t.customer, "cp_priority_tier") == "First"


def clear_override(c, t):
	frappe.db.set_value(
		"Customer",
		t.customer,
		{"cp_tier_override": 1, "cp_override_tier": "High", "cp_priority_tier": "High"},
	)
	frappe.db.commit()
	t.before = state(t)  # the override set just now is the state a refusal must keep
	r = c.method("customer_priority.api.party.clear_tier_override", doctype="Customer", name=t.customer)
	return r, not frappe.db.get_value("Customer", t.customer, "cp_tier_override")


def key_account(c, t):
	r = c.method(
		"customer_priority.api.party.set_key_account", customer=t.customer, is_key=1, reason="strategic"
	)
	return r, frappe.db.get_value("Customer", t.customer, "cp_key_account") == 1


def buying_roles(c, t):
	r = c.method("customer_priority.api.party.buying_roles", _verb="GET", customer=t.customer)
	return r, r.ok and r.json()["message"] == []


def recompute_now(c, t):
	drop_queued_recompute()
	r = c.method("customer_priority.api.recompute.start_recompute")
	return r, r.ok and "started" in r.json()["message"].lower()


def read_settings(c, t):
	r = c.call("GET", f"/api/resource/{SETTINGS}/{SETTINGS}")
	return r, r.ok and "lapse_days" in r.json()["data"]


def write_settings(c, t):
	old = frappe.db.get_single_value(SETTINGS, "lapse_days")
	try:
		r = c.call("PUT", f"/api/resource/{SETTINGS}/{SETTINGS}", json={"lapse_days": old + 1})
		return r, frappe.db.get_single_value(SETTINGS, "lapse_days") == old + 1
	finally:
		frappe.db.set_single_value(SETTINGS, "lapse_days", old)  # site-wide: always put back
		frappe.db.commit()
		frappe.cache.delete_value("customer_priority_engine_settings")


def preview_settings(c, t):
	doc = {**frappe.get_doc(SETTINGS).as_dict(convert_dates_to_str=True), "abc_a_cutoff": 50}
	r = c.method("customer_priority.api.preview.preview_settings", doc=frappe.parse_json(frappe.as_json(doc)))
	return r, r.ok and "dimensions" in r.json()["message"]


def submit_evaluation(c, t):
	r = c.call("POST", "/api/resource/Customer Evaluation", json=scorecard(t.customer))
	return r, frappe.db.count("Customer Evaluation", {"party": t.customer, "docstatus": 1}) == 1


def edit_log(c, t):
	return c.call("PUT", f"/api/resource/Customer Tier Log/{t.log}", json={"reason": "rewritten"}), None


def delete_log(c, t):
	r = c.call("DELETE", f"/api/resource/Customer Tier Log/{t.log}")
	return r, not frappe.db.exists("Customer Tier Log", t.log)


def reference_standing(c, t):
	r = c.method(
		"customer_priority.api.calls.reference_standing",
		_verb="GET",
		doctype="Customer",
		name=t.customer,
	)
	return r, r.ok and r.json()["message"]["tier"] == "Low"


def caller_standing(c, t):
	r = c.method("customer_priority.api.calls.caller_standing", _verb="GET", call_log=t.call)
	return r, r.ok and (r.json().get("message") or {}).get("tier") == "Low"


def reviews_due(c, t):
	r = c.method("customer_priority.api.reviews.reviews_due_count", _verb="GET")
	return r, r.ok and isinstance(r.json()["message"], int)


def report(name):
	def run(c, t):
		r = c.report(name, {})
		return r, r.ok and "result" in r.json()["message"]

	run.__name__ = name
	return run


A, R, IGN, HID = "allowed", "refused", "ignored", "hidden"
G, SU, SM, AU, SY = PERSONAS
# Who may do what. Customer data follows ERPNext's own permissions: Accounts Users read customers but change
# nothing of them; ERPNext gives a System Manager no permission on Customer, so the customer-bound actions refuse
# one (evaluating a customer and reading its log rows too), while the app's settings, the recompute and deleting
# log rows are the System Manager's too.
MATRIX = {
	read_fields: {G: R, SU: A, SM: A, AU: A, SY: R},
	write_fields: {G: R, SU: IGN, SM: IGN, AU: R, SY: R},
	override: {G: R, SU: R, SM: A, AU: R, SY: R},
	clear_override: {G: R, SU: R, SM: A, AU: R, SY: R},
	key_account: {G: R, SU: R, SM: A, AU: R, SY: R},
	buying_roles: {G: R, SU: A, SM: A, AU: A, SY: R},
	recompute_now: {G: R, SU: R, SM: A, AU: R, SY: A},
	read_settings: {G: R, SU: A, SM: A, AU: R, SY: A},
	write_settings: {G: R, SU: R, SM: A, AU: R, SY: A},
	preview_settings: {G: R, SU: R, SM: A, AU: R, SY: A},
	# An evaluation is about a customer: who may not read the customer (a System Manager) may not evaluate it.
	submit_evaluation: {G: R, SU: R, SM: A, AU: R, SY: R},
	edit_log: {G: R, SU: R, SM: R, AU: R, SY: R},
	delete_log: {G: R, SU: R, SM: R, AU: R, SY: A},
	reference_standing: {G: R, SU: A, SM: A, AU: A, SY: R},
	# Call Logs are read by System Managers and Employees; the caller's standing only by who may read the caller.
	caller_standing: {G: R, SU: R, SM: R, AU: R, SY: HID},
	reviews_due: {G: R, SU: A, SM: A, AU: A, SY: R},
	# Frappe lets a report run only for readers of its reference doctype: Customer for these two.
	**{
		report(name): {G: R, SU: A, SM: A, AU: R, SY: R}
		for name in ("Customer Ranking", "Key Account Review")
	},
	**{report(name): {G: R, SU: A, SM: A, AU: R, SY: A} for name in ("Priority Queue", "Tier Changes")},
}
CELLS = [(action, persona, outcome) for action, row in MATRIX.items() for persona, outcome in row.items()]


@pytest.mark.parametrize(
	("action", "persona", "outcome"), CELLS, ids=[f"{a.__name__}-{p}-{o}" for a, p, o in CELLS]
)
def test_cell(server, keys, target, action, persona, outcome):
	client = Client(server, keys[persona])
	target.before = state(target)
	response, done = action(client, target)
	frappe.db.rollback()
	body = response.text[:1500]
	if outcome == A:
		assert response.status_code in (200, 202), body
		assert done is not False, f"{persona} was answered {response.status_code} but it was not done: {body}"
	elif outcome == HID:
		assert response.status_code == 200, body
		assert not response.json().get("message"), "revealed to a reader without permission"
		assert state(target) == target.before
	elif outcome == IGN:
		assert response.status_code == 200, body
		assert state(target) == target.before, "a computed field changed"
	else:
		assert response.status_code == 403, (response.status_code, body)
		assert state(target) == target.before, "a refused request changed something"
