"""Hostile input through REST into every whitelisted method and every report filter, as a Sales Manager (who passes
the permission checks, so the input itself is what is judged): SQL fragments, a huge string, wrong types, unknown
names, names with quotes, Persian, emoji, a NUL byte, and missing arguments. Each gets a clear error (4xx with a
message, never a 500) and changes nothing; free text (a reason) is stored exactly as written."""

from __future__ import annotations

import pytest

import frappe

from tests.integration.helpers import make_call_from, make_customer
from tests.integration.rest import Client, message_of

HOSTILE = {
	"sql-or": "x' OR '1'='1",
	"sql-stacked": "1; DROP TABLE `tabCustomer`; --",
	"sql-union": "' UNION SELECT name, api_key FROM tabUser -- ",
	"huge": "A" * 1_000_000,
	"list": ["Customer", "Lead"],
	"dict": {"$ne": ""},
	"number": -7,
	"unknown": "No Such Record 7F3A",
	"quotes": 'O\'Brien "Ltd" `x`',
	"persian": "مشتری ناشناس",
	"emoji": "🔥💼🚀",
	"nul": "abc\x00def",
}
TEXT_KEPT = ("sql-or", "sql-stacked", "sql-union", "unknown", "quotes", "persian", "emoji")
TABLES = (
	"tabCustomer",
	"tabCustomer Tier Log",
	"tabLead",
	"tabOpportunity",
	"tabCustomer Evaluation",
	"tabSingles",
)


def valid_args(customer: str, call: str) -> dict[str, dict]:
	"""Each whitelisted method with arguments that work; one at a time is replaced by a hostile value."""
	return {
		"customer_priority.api.party.set_tier_override": {
			"doctype": "Customer",
			"name": customer,
			"tier": "High",
			"reason": "ok",
		},
		"customer_priority.api.party.clear_tier_override": {"doctype": "Customer", "name": customer},
		"customer_priority.api.party.set_key_account": {"customer": customer, "is_key": 1, "reason": "ok"},
		"customer_priority.api.party.buying_roles": {"customer": customer},
		"customer_priority.api.calls.caller_standing": {"call_log": call},
		"customer_priority.api.calls.reference_standing": {"doctype": "Customer", "name": customer},
		"customer_priority.api.reviews.reviews_due_count": {"filters": {}},
	}


METHOD_ARGS = [(m, a) for m, args in valid_args("c", "l").items() for a in args]
FREE_TEXT = {
	("customer_priority.api.party.set_tier_override", "reason"),
	("customer_priority.api.party.set_key_account", "reason"),
}
# An argument a method may do without: its absence is not an error.
OPTIONAL = {("customer_priority.api.reviews.reviews_due_count", "filters")}
REPORT_FILTERS = {
	"Customer Ranking": (
		"company",
		"from_date",
		"to_date",
		"customer_group",
		"territory",
		"level",
		"tier",
		"abc_class",
		"key_accounts_only",
		"top",
	),
	"Priority Queue": ("document_type", "tier", "mine", "overdue_only"),
	"Key Account Review": ("key_accounts_only",),
	"Tier Changes": ("from_date", "to_date", "field", "source", "party_type", "party"),
}
REPORT_CELLS = [(r, f) for r, fields in REPORT_FILTERS.items() for f in fields]


@pytest.fixture(scope="module")
def target():
	"""A committed customer and a call from it (what valid arguments point at); removed afterwards."""
	frappe.db.rollback()
	customer = make_customer()
	frappe.db.set_value("Customer", customer, {"cp_priority_tier": "Low", "cp_rule_tier": "Low"})
	call = make_call_from(customer)
	frappe.db.commit()
	yield frappe._dict(customer=customer, call=call)
	frappe.db.rollback()
	frappe.db.delete("Customer Tier Log", {"party": customer})
	frappe.db.delete("Dynamic Link", {"parent": call})
	frappe.db.delete("Call Log", call)
	frappe.db.delete("Customer", customer)
	frappe.db.commit()


@pytest.fixture(scope="module")
def manager(server, keys):
	return Client(server, keys["Sales Manager"])


def checksums() -> dict:
	frappe.db.rollback()
	return {t: frappe.db.sql(f"checksum table `{t}`")[0][1] for t in TABLES}


def assert_clear_refusal(response, what: str) -> None:
	assert 400 <= response.status_code < 500, f"{what}: {response.status_code} {response.text[:800]}"
	assert message_of(response).strip(), f"{what}: no message for the user: {response.text[:800]}"


# Words a person may type into a reason are stored as written (test_free_text_is_stored_exactly_as_written).
REFUSED = [(m, a, p) for m, a in METHOD_ARGS for p in HOSTILE if not ((m, a) in FREE_TEXT and p in TEXT_KEPT)]


@pytest.mark.parametrize(
	("method", "arg", "payload"), REFUSED, ids=[f"{m.rsplit('.', 1)[1]}-{a}-{p}" for m, a, p in REFUSED]
)
def test_a_hostile_argument_gets_a_clear_error_and_changes_nothing(manager, target, method, arg, payload):
	args = valid_args(target.customer, target.call)[method]
	args[arg] = HOSTILE[payload]
	before = checksums()
	response = manager.method(method, **args)
	assert_clear_refusal(response, f"{method}({arg}={payload})")
	assert checksums() == before


@pytest.mark.parametrize(
	("method", "arg"), METHOD_ARGS, ids=[f"{m.rsplit('.', 1)[1]}-{a}" for m, a in METHOD_ARGS]
)
def test_a_missing_argument_gets_a_clear_error(manager, target, method, arg):
	args = valid_args(target.customer, target.call)[method]
	del args[arg]
	before = checksums()
	response = manager.method(method, **args)
	if (method, arg) in OPTIONAL:
		assert response.status_code == 200, response.text[:800]
	else:
		assert_clear_refusal(response, f"{method} without {arg}")
	assert checksums() == before


@pytest.mark.parametrize("payload", TEXT_KEPT)
def test_free_text_is_stored_exactly_as_written(manager, target, payload):
	text = HOSTILE[payload]
	response = manager.method(
		"customer_priority.api.party.set_tier_override",
		doctype="Customer",
		name=target.customer,
		tier="High",
		reason=text,
	)
	assert response.status_code == 200, response.text[:800]
	text = text.strip()  # blanks around it are trimmed, nothing else
	assert frappe.db.get_value("Customer", target.customer, "cp_override_reason") == text
	assert (
		frappe.db.get_value(
			"Customer Tier Log",
			{"party": target.customer, "field": "Override"},
			"reason",
			order_by="creation desc",
		)
		== text
	)
	assert manager.method(
		"customer_priority.api.party.clear_tier_override", doctype="Customer", name=target.customer
	).ok


@pytest.mark.parametrize("payload", list(HOSTILE), ids=list(HOSTILE))
@pytest.mark.parametrize(("report", "field"), REPORT_CELLS, ids=[f"{r}-{f}" for r, f in REPORT_CELLS])
def test_a_hostile_report_filter_gets_a_clear_error(manager, report, field, payload):
	before = checksums()
	response = manager.report(report, {field: HOSTILE[payload]})
	assert_clear_refusal(response, f"{report} {field}={payload}")
	assert checksums() == before


@pytest.mark.parametrize("filters", [["company"], "not a filter", 7], ids=["list", "text", "number"])
@pytest.mark.parametrize("report", list(REPORT_FILTERS))
def test_report_filters_that_are_not_a_set_of_filters_get_a_clear_error(manager, report, filters):
	response = manager.report(report, filters)
	assert_clear_refusal(response, f"{report} filters={filters!r}")


@pytest.mark.parametrize("report", list(REPORT_FILTERS))
def test_each_report_runs_with_its_filters_empty(manager, report):
	response = manager.report(report, {})
	assert response.status_code == 200, response.text[:800]
