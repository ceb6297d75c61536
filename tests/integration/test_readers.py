"""Every report, number card, chart and whitelisted method shows a reader only what they may see, for three kinds of
restricted reader: by customer (a User Permission on Customer), by territory (a User Permission on Territory) and
by owner (the sales roles' permissions set to "only if owner"). Each reader has one visible customer ("mine") and
one they may not see ("other"); nothing of the other (its name, its rows, its value in a total) may reach them."""

from __future__ import annotations

import json

import pytest

import frappe
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.permissions import setup_custom_perms
from frappe.utils import add_days, getdate

from customer_priority.api import calls, party, reviews
from customer_priority.customer_priority.dashboard_chart_source.value_by_abc_class import value_by_abc_class
from customer_priority.customer_priority.report.customer_ranking import customer_ranking
from customer_priority.customer_priority.report.key_account_review import key_account_review
from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.customer_priority.report.tier_changes import tier_changes
from customer_priority.standing.log import write_log
from tests.integration.helpers import make_call_from, make_customer, make_order, make_user, unique

ROLES = ["Sales Manager", "Sales User", "Support Team"]
OWNED = ("Customer", "Lead", "Opportunity", "Issue")
RESTRICTIONS = ("customer", "territory", "owner")


def only_if_owner():
	"""Every role's permission on the parties, in this test's transaction, limited to the documents one owns."""
	for doctype in OWNED:
		setup_custom_perms(doctype)
		frappe.db.sql(
			"update `tabCustom DocPerm` set if_owner = 1 where parent = %s and permlevel = 0", doctype
		)
		frappe.clear_cache(doctype=doctype)


@pytest.fixture(params=RESTRICTIONS)
def reader(request):
	"""A restricted Sales Manager, the customer they may see and one they may not, and how to make a Lead or an
	Issue on either side of the restriction."""
	kind = request.param
	user = make_user(f"cp-reader-{kind}-{frappe.generate_hash(length=6)}@example.com", ROLES)
	territory = None
	if kind == "territory":
		territory = frappe.get_doc(
			{
				"doctype": "Territory",
				"territory_name": unique("CP Region"),
				"parent_territory": "All Territories",
			}
		).insert(ignore_permissions=True)
		mine = make_customer(unique("CP Seen"), territory=territory.name)
	else:
		mine = make_customer(unique("CP Seen"))
	other = make_customer(unique("CP Hidden"))
	if kind == "customer":
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Customer", "for_value": mine}
		).insert(ignore_permissions=True)
	elif kind == "territory":
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Territory", "for_value": territory.name}
		).insert(ignore_permissions=True)
	else:
		only_if_owner()
		frappe.db.set_value("Customer", mine, "owner", user, update_modified=False)

	def place(doctype: str, name: str, visible: bool) -> str:
		"""Put a Lead or an Issue on the reader's side of the restriction, or on the other side."""
		if kind == "customer":
			frappe.db.set_value(doctype, name, "customer", mine if visible else other)
		elif kind == "territory":
			frappe.db.set_value(doctype, name, "territory", territory.name if visible else "All Territories")
		elif visible:
			frappe.db.set_value(doctype, name, "owner", user, update_modified=False)
		return name

	def lead(visible: bool, **values) -> str:
		name = (
			frappe.get_doc({"doctype": "Lead", "first_name": unique("CP Seen" if visible else "CP Hidden")})
			.insert(ignore_permissions=True)
			.name
		)
		if values:
			frappe.db.set_value("Lead", name, values)
		return place("Lead", name, visible)

	yield frappe._dict(kind=kind, user=user, mine=mine, other=other, lead=lead, place=place)
	frappe.set_user("Administrator")
	frappe.db.rollback()
	if kind == "owner":
		for doctype in OWNED:
			frappe.clear_cache(doctype=doctype)


def as_reader(reader):
	frappe.set_user(reader.user)


def assert_hidden(output, *names: str) -> None:
	text = json.dumps(output, default=str)
	for name in names:
		assert name not in text, f"{name} reached a reader who may not see it"


def titles(*customers: str) -> list[str]:
	return [frappe.db.get_value("Customer", c, "customer_name") for c in customers]


def hidden_customer(reader) -> list[str]:
	return [reader.other, *titles(reader.other)]


# ---------------------------------------------------------------- reports


def test_customer_ranking_default_view(reader):
	for customer, rank, value in ((reader.other, 1, 5000), (reader.mine, 2, 1000)):
		frappe.db.set_value(
			"Customer",
			customer,
			{"cp_rank": rank, "cp_window_value": value, "cp_window_profit": value, "cp_abc_class": "A"},
		)
	as_reader(reader)
	_columns, rows, _message, chart, summary = customer_ranking.execute({})
	assert reader.mine in [row["customer"] for row in rows]
	assert_hidden((rows, chart, summary), *hidden_customer(reader))
	mine = next(row for row in rows if row["customer"] == reader.mine)
	assert mine["share"] <= 100, "the share is of what the reader sees, not of a total that includes others"


def test_customer_ranking_over_a_period(reader):
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": unique("CP Readers"),
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	for customer, value in ((reader.mine, 300), (reader.other, 9000)):
		frappe.db.set_value("Customer", customer, "customer_group", group.name)
		make_order(customer, value)
	as_reader(reader)
	filters = {"customer_group": group.name, "from_date": add_days(getdate(), -3)}
	_columns, rows, _message, chart, summary = customer_ranking.execute(filters)
	assert [row["customer"] for row in rows] == [reader.mine]
	assert rows[0]["share"] == 100, "the other customer's 9000 is not in the total"
	assert_hidden((rows, chart, summary), *hidden_customer(reader))


def test_key_account_review(reader):
	for customer in (reader.mine, reader.other):
		frappe.db.set_value("Customer", customer, {"cp_key_account": 1, "cp_next_review_date": getdate()})
	as_reader(reader)
	output = key_account_review.execute({"key_accounts_only": 1})
	assert reader.mine in [row["customer"] for row in output[1]]
	assert_hidden(output, *hidden_customer(reader))


def test_tier_changes(reader):
	write_log(
		[
			{
				"party_type": "Customer",
				"party": customer,
				"field": "Tier",
				"old_value": "Low",
				"new_value": "High",
				"reason": "readers",
				"source": "Manual",
			}
			for customer in (reader.mine, reader.other)
		]
	)
	as_reader(reader)
	output = tier_changes.execute({"party_type": "Customer"})
	assert reader.mine in [row["party"] for row in output[1]]
	assert_hidden(output, reader.other)


def test_tier_changes_answers_alike_for_a_hidden_party_and_a_missing_one(reader):
	"""Filtered by a party the reader may not see, the report refuses with the same message as for a name that never
	existed: neither whether it exists nor its rows reach them."""
	as_reader(reader)
	messages = []
	for name in (reader.other, unique("CP Never")):
		for party_type in ("Customer", None):
			with pytest.raises(frappe.DoesNotExistError):
				tier_changes.execute({"party_type": party_type, "party": name})
			messages.append(frappe.local.message_log[-1]["message"].replace(name, "NAME"))
			frappe.clear_messages()
	assert len(set(messages)) == 1, messages
	assert tier_changes.execute({"party_type": "Customer", "party": reader.mine})[1] is not None


def test_priority_queue(reader):
	seen, hidden = reader.lead(True), reader.lead(False)
	for lead in (seen, hidden):
		frappe.db.set_value("Lead", lead, "cp_priority_tier", "First")
	as_reader(reader)
	output = priority_queue.execute({"document_type": "Lead", "tier": "First"})
	assert seen in [row["name"] for row in output[1]]
	assert_hidden(output, hidden)


def test_the_tier_log_and_evaluations_lists(reader):
	"""The log's and the evaluations' own list views (and so Frappe's report view and API) follow the party."""
	rows = [
		{
			"party_type": "Customer",
			"party": customer,
			"field": "Tier",
			"old_value": "Low",
			"new_value": "High",
			"reason": "readers",
			"source": "Manual",
		}
		for customer in (reader.mine, reader.other)
	]
	write_log(rows)
	hidden_log = frappe.db.get_value("Customer Tier Log", {"party": reader.other}, "name")
	as_reader(reader)
	parties = frappe.get_list("Customer Tier Log", filters={"field": "Tier"}, pluck="party", limit=0)
	assert reader.mine in parties and reader.other not in parties
	assert frappe.get_list("Customer Tier Log", filters={"party": reader.other}, limit=0) == []
	assert not frappe.has_permission("Customer Tier Log", "read", doc=hidden_log)
	assert frappe.get_list("Customer Evaluation", filters={"party": reader.other}, limit=0) == []


# ---------------------------------------------------------------- number cards and the chart


def card(name: str) -> float:
	doc = frappe.get_doc("Number Card", name)
	if doc.type == "Custom":
		return frappe.get_attr(doc.method)()
	return get_result(doc, doc.filters_json)


def counts_only_the_readers(reader, measure, hide, show, step=1) -> None:
	"""``measure`` as the reader does not move when the other side gains a row, and moves by ``step`` when the
	reader's side does."""
	as_reader(reader)
	before = measure()
	frappe.set_user("Administrator")
	hide()
	as_reader(reader)
	assert measure() == before, "a record the reader may not see was counted"
	frappe.set_user("Administrator")
	show()
	as_reader(reader)
	assert measure() == before + step


def lapsed(customer):
	write_log(
		[
			{
				"party_type": "Customer",
				"party": customer,
				"field": "Lifecycle",
				"old_value": "Repeat",
				"new_value": "Lapsed",
				"reason": "readers",
				"source": "Scheduler",
			}
		]
	)


def test_key_accounts_card(reader):
	counts_only_the_readers(
		reader,
		lambda: card("Key Accounts"),
		lambda: frappe.db.set_value("Customer", reader.other, "cp_key_account", 1),
		lambda: frappe.db.set_value("Customer", reader.mine, "cp_key_account", 1),
	)


def test_lapsed_customers_card(reader):
	counts_only_the_readers(
		reader,
		lambda: card("Lapsed Customers"),
		lambda: lapsed(reader.other),
		lambda: lapsed(reader.mine),
	)


def test_first_tier_leads_card(reader):
	counts_only_the_readers(
		reader,
		lambda: card("First-Tier Leads Open"),
		lambda: reader.lead(False, cp_priority_tier="First"),
		lambda: reader.lead(True, cp_priority_tier="First"),
	)


def test_reviews_overdue_card(reader):
	due = {"cp_key_account": 1, "cp_next_review_date": add_days(getdate(), -5)}
	counts_only_the_readers(
		reader,
		lambda: card("Reviews Overdue"),
		lambda: frappe.db.set_value("Customer", reader.other, due),
		lambda: frappe.db.set_value("Customer", reader.mine, due),
	)


def test_value_by_abc_class_chart(reader):
	def class_c_value():
		data = value_by_abc_class.get(chart_name="Value by ABC Class")
		return dict(zip(data["labels"], data["datasets"][0]["values"], strict=True)).get("C", 0)

	counts_only_the_readers(
		reader,
		class_c_value,
		lambda: frappe.db.set_value("Customer", reader.other, {"cp_abc_class": "C", "cp_window_value": 7777}),
		lambda: frappe.db.set_value("Customer", reader.mine, {"cp_abc_class": "C", "cp_window_value": 55}),
		step=55,
	)


# ---------------------------------------------------------------- whitelisted methods


def test_standing_methods(reader):
	for customer in (reader.mine, reader.other):
		frappe.db.set_value("Customer", customer, "cp_priority_tier", "High")
	seen_call, hidden_call = make_call_from(reader.mine), make_call_from(reader.other)
	for call in (seen_call, hidden_call):  # both calls readable: the caller's standing is what is judged
		frappe.share.add_docshare(
			"Call Log", call, reader.user, read=1, flags={"ignore_share_permission": True}
		)
	as_reader(reader)
	assert calls.reference_standing("Customer", reader.mine)["tier"] == "High"
	with pytest.raises(frappe.PermissionError):
		calls.reference_standing("Customer", reader.other)
	assert calls.caller_standing(seen_call)["party"] == reader.mine
	assert calls.caller_standing(hidden_call) is None
	assert party.buying_roles(reader.mine) == []
	with pytest.raises(frappe.PermissionError):
		party.buying_roles(reader.other)


def test_manager_actions_reach_only_readable_customers(reader):
	as_reader(reader)
	before = frappe.db.get_value("Customer", reader.other, ["cp_priority_tier", "cp_key_account"])
	for action in (
		lambda c: party.set_tier_override("Customer", c, "First", "readers"),
		lambda c: party.clear_tier_override("Customer", c),
		lambda c: party.set_key_account(c, 1, "readers"),
	):
		with pytest.raises(frappe.PermissionError):
			action(reader.other)
		action(reader.mine)
	assert frappe.db.get_value("Customer", reader.other, ["cp_priority_tier", "cp_key_account"]) == before
	assert frappe.db.get_value("Customer", reader.mine, "cp_key_account") == 1


def test_reviews_due_count_has_no_filters(reader):
	as_reader(reader)
	assert isinstance(reviews.reviews_due_count(), int)
	with pytest.raises(frappe.ValidationError):
		reviews.reviews_due_count(json.dumps({"party": reader.other}))
