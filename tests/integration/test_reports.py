"""Reports on known data: rows and totals against the engine, empty results, hostile filter values."""

import pytest

import frappe
from frappe.utils import add_days, getdate

from customer_priority.customer_priority.report.customer_ranking import customer_ranking
from customer_priority.customer_priority.report.key_account_review import key_account_review
from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.customer_priority.report.tier_changes import tier_changes
from customer_priority.engine.ranking import rank
from customer_priority.engine.settings import Settings
from tests.integration.helpers import make_customer, make_order, make_user, make_user_seeing_only, unique


@pytest.fixture
def group():
	name = unique("CP Group")
	frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": name,
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	return name


def test_customer_ranking_matches_the_engine(group):
	values = {"big": 8000, "mid": 1500, "small": 400, "tiny": 100}
	names = {}
	for label, value in values.items():
		names[label] = make_customer(customer_group=group)
		make_order(names[label], value)
	make_order(names["tiny"], 50, add_days(getdate(), -800))  # outside the period
	columns, data, _msg, chart, summary = customer_ranking.execute({"customer_group": group})
	assert [row["customer"] for row in data] == [names[k] for k in ("big", "mid", "small", "tiny")]
	expected = rank({names[k]: (v, v) for k, v in values.items()}, Settings())
	assert [(r["abc_class"], round(r["share"], 6)) for r in data] == [
		(e.abc, round(e.share, 6)) for e in expected
	]
	assert abs(sum(r["share"] for r in data) - 100) < 1e-6 and data[-1]["value"] == 100
	assert {c["fieldname"] for c in columns} >= {
		"rank",
		"value",
		"share",
		"cumulative_share",
		"abc_class",
		"tier",
	}
	assert chart["type"] == "axis-mixed" and len(chart["data"]["datasets"]) == 2
	assert summary[2]["value"] == 1  # 8000 of 10000 is 80%: one customer brings it


def test_customer_ranking_empty_and_filtered(group):
	customer = make_customer(customer_group=group)
	make_order(customer, 100)
	_c, data, _m, chart, summary = customer_ranking.execute(
		{"customer_group": group, "from_date": add_days(getdate(), 10), "to_date": add_days(getdate(), 20)}
	)
	assert data == [] and chart is None and summary == []
	_c, data, *_rest = customer_ranking.execute({"customer_group": group, "abc_class": "B"})
	assert data == []


@pytest.mark.parametrize(
	"filters",
	[
		{"customer_group": "x' OR '1'='1"},
		{"territory": "'; drop table `tabCustomer`; --"},
		{"tier": "First' OR 1=1 --"},
		{"abc_class": "A; delete from tabCustomer"},
		{"company": '" or ""="'},
		{"level": "' OR 1=1 --"},
		{"from_date": "2026-12-31", "to_date": "2026-01-01"},
	],
)
def test_customer_ranking_hostile_filters_get_a_clear_error(filters):
	customer = make_customer()
	make_order(customer, 100)
	before = frappe.db.get_value("Customer", customer, "*", as_dict=True)
	with pytest.raises(frappe.ValidationError):
		customer_ranking.execute(filters)
	assert frappe.db.get_value("Customer", customer, "*", as_dict=True) == before


def make_lead(**fields):
	return frappe.get_doc({"doctype": "Lead", "first_name": unique("Queue Lead"), **fields}).insert(
		ignore_permissions=True
	)


def test_priority_queue_orders_by_tier():
	low = make_lead(cp_open_about_details="No")
	high = make_lead(status="Quotation", cp_at_final_stage="Yes", cp_last_request="Yes")
	_c, rows = priority_queue.execute({"document_type": "Lead"})
	positions = {r["name"]: r["position"] for r in rows}
	assert positions[high.name] < positions[low.name]
	tiers = [r["tier"] for r in rows if r["tier"]]
	order = ["First", "High", "Medium", "Low"]
	assert [order.index(t) for t in tiers] == sorted(order.index(t) for t in tiers)
	with pytest.raises(frappe.ValidationError):
		priority_queue.execute({"document_type": "User"})


def test_key_account_review_puts_overdue_first():
	customer = make_customer()
	frappe.db.set_value(
		"Customer", customer, {"cp_key_account": 1, "cp_next_review_date": add_days(getdate(), -3)}
	)
	_c, rows = key_account_review.execute({"key_accounts_only": 1})
	assert rows[0]["overdue"] == 1
	assert any(r["customer"] == customer and r["overdue"] for r in rows)


def test_tier_changes_shows_moves_up():
	lead = make_lead(cp_open_about_details="No")
	lead.status, lead.cp_at_final_stage, lead.cp_last_request = "Quotation", "Yes", "Yes"
	lead.save()
	_c, rows, _m, chart = tier_changes.execute({"party_type": "Lead", "party": lead.name, "field": "Tier"})
	assert rows and rows[0]["direction"] == "Up"
	assert chart["data"]["datasets"][0]["values"][-1] >= 1
	with pytest.raises(frappe.ValidationError):
		tier_changes.execute({"field": "Tier' OR 1=1"})


def test_workspace_cards_count_from_the_app_fields():
	"""Each card moves by one when the test adds one record it counts (whatever else the site holds)."""
	from frappe.desk.doctype.number_card.number_card import get_result

	from customer_priority.standing.log import write_log

	def card(name):
		doc = frappe.get_doc("Number Card", name)
		return get_result(doc, doc.filters_json)

	before = {name: card(name) for name in ("Key Accounts", "Lapsed Customers", "First-Tier Leads Open")}
	customer = make_customer()
	frappe.db.set_value("Customer", customer, "cp_key_account", 1)
	write_log(
		[
			{
				"party_type": "Customer",
				"party": customer,
				"field": "Lifecycle",
				"old_value": "Repeat",
				"new_value": "Lapsed",
				"reason": "test",
				"source": "Scheduler",
			}
		]
	)
	lead = make_lead()
	frappe.db.set_value("Lead", lead.name, "cp_priority_tier", "First")
	assert {name: card(name) for name in before} == {name: count + 1 for name, count in before.items()}
	assert frappe.db.exists("Workspace", "Customer Priority")


def open_issue(customer: str):
	return frappe.get_doc(
		{"doctype": "Issue", "subject": unique("Line stopped"), "customer": customer}
	).insert(ignore_permissions=True)


def test_the_priority_queue_shows_only_what_a_user_restricted_to_a_customer_may_open():
	mine, other = make_customer(), make_customer()
	seen, hidden = open_issue(mine), open_issue(other)
	user = make_user_seeing_only("cp-queue-restricted@example.com", mine, ("Sales User", "Support Team"))
	frappe.set_user(user)
	_columns, rows = priority_queue.execute({"document_type": "Issue"})
	names = {row.name for row in rows}
	assert (
		seen.name in names and hidden.name not in names
	), "another customer's issue, subject and reason stay hidden"


def test_the_priority_queue_shows_only_the_territory_a_user_is_restricted_to():
	territory = frappe.get_doc(
		{"doctype": "Territory", "territory_name": unique("CP North"), "parent_territory": "All Territories"}
	).insert(ignore_permissions=True)
	inside = frappe.get_doc(
		{"doctype": "Lead", "first_name": unique("North Lead"), "territory": territory.name}
	).insert(ignore_permissions=True)
	outside = frappe.get_doc(
		{"doctype": "Lead", "first_name": unique("Elsewhere"), "territory": "All Territories"}
	).insert(ignore_permissions=True)
	user = make_user("cp-queue-territory@example.com", ["Sales User"])
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": territory.name}
	).insert(ignore_permissions=True)
	frappe.set_user(user)
	_columns, rows = priority_queue.execute({"document_type": "Lead"})
	names = {row.name for row in rows}
	assert inside.name in names and outside.name not in names
