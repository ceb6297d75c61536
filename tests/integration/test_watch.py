"""Key accounts watched: opportunities lost to a competitor make a key account "at risk" with that reason, the
tier rules read it as "may leave", it is logged and announced; "what to offer" lists what its peers buy."""

import frappe
from frappe.utils import add_days, getdate

from customer_priority.api import party as api
from customer_priority.customer_priority.report.key_account_review import key_account_review
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.tiers import LastRequest, Relationship, RequestFacts, Stage, decide_request_tier
from customer_priority.engine.watch import quarter_to_date
from customer_priority.standing import watch
from tests.integration.helpers import company, customer_row, make_customer, make_item, make_order, unique


def named(doctype: str, field: str) -> str:
	name = unique(f"CP {doctype}")
	frappe.get_doc({"doctype": doctype, field: name}).insert(ignore_permissions=True)
	return name


def lose_opportunity(customer: str, competitor: str, lost_reason: str):
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": customer,
			"company": company(),
			"transaction_date": getdate(),
		}
	).insert(ignore_permissions=True)
	opportunity.declare_enquiry_lost([{"lost_reason": lost_reason}], [{"competitor": competitor}], "Cheaper")
	return opportunity


def key_account() -> str:
	customer = make_customer()
	make_order(customer, 800)
	api.set_key_account(customer, 1, "Our biggest distributor")
	return customer


def test_a_key_account_losing_two_opportunities_to_a_competitor_turns_at_risk_and_its_tier_follows():
	competitor, lost_reason = (
		named("Competitor", "competitor_name"),
		named("Opportunity Lost Reason", "lost_reason"),
	)
	customer = key_account()
	lose_opportunity(customer, competitor, lost_reason)
	assert not customer_row(customer, "cp_at_risk").cp_at_risk, "one lost opportunity is not yet a pattern"
	lose_opportunity(customer, competitor, lost_reason)
	row = customer_row(customer, "cp_at_risk", "cp_at_risk_reason", "cp_priority_tier", "cp_tier_reason")
	assert row.cp_at_risk == 1
	assert f"Lost 2 opportunities to competitors ({competitor})" in row.cp_at_risk_reason
	assert lost_reason in row.cp_at_risk_reason and row.cp_at_risk_reason in row.cp_tier_reason
	# The tier the rules give a key account that may leave.
	facts = RequestFacts(
		Relationship.CURRENT, True, Stage.NONE, LastRequest.NOT_ASKED, True, True, False, True
	)
	assert row.cp_priority_tier == decide_request_tier(facts, get_engine_settings()).tier
	(logged,) = frappe.get_all(
		"Customer Tier Log",
		filters={"party": customer, "field": "At Risk"},
		fields=["old_value", "new_value", "announcement", "reason"],
	)
	assert (logged.new_value, logged.announcement) == ("1", "key_at_risk")
	assert competitor in logged.reason

	rows = {r["customer"]: r for r in key_account_review.execute({"key_accounts_only": 1})[1]}
	assert rows[customer]["at_risk"] == 1 and competitor in rows[customer]["why_at_risk"]


def test_a_customer_that_is_not_key_is_not_watched_into_at_risk():
	competitor, lost_reason = (
		named("Competitor", "competitor_name"),
		named("Opportunity Lost Reason", "lost_reason"),
	)
	customer = make_customer()
	make_order(customer, 10)
	for _ in range(2):
		lose_opportunity(customer, competitor, lost_reason)
	assert not customer_row(customer, "cp_at_risk").cp_at_risk


def test_a_falling_quarter_against_last_year_turns_a_key_account_at_risk():
	customer = key_account()
	_this_quarter, (_start, same_day_last_year) = quarter_to_date(getdate())
	make_order(customer, 10_000, same_day_last_year)
	assert watch.refresh([customer]) == [customer]
	row = customer_row(customer, "cp_at_risk_reason")
	assert "Bought 800 this quarter against 10,000 in the same days last year (-92%)" in row.cp_at_risk_reason


def item_in(item_group: str) -> str:
	return make_item(item_group, prefix="CP Offer Item")


def order_of(customer: str, item: str, amount: float):
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company(),
			"transaction_date": getdate(),
			"delivery_date": add_days(getdate(), 7),
			"items": [{"item_code": item, "qty": 1, "rate": amount, "delivery_date": add_days(getdate(), 7)}],
		}
	).insert(ignore_permissions=True)
	doc.submit()


def test_what_to_offer_lists_the_item_groups_its_peers_buy_and_it_does_not():
	group = (
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": unique("CP Peers"),
				"parent_customer_group": "All Customer Groups",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	products, consumable, raw = item_in("Products"), item_in("Consumable"), item_in("Raw Material")
	account, first, second = (make_customer(customer_group=group) for _ in range(3))
	order_of(account, products, 5000)
	order_of(first, products, 100)
	order_of(first, consumable, 100)
	order_of(second, consumable, 100)
	order_of(second, raw, 100)
	api.set_key_account(account, 1, "Strategic")
	assert watch.offers({account: group})[account] == [("Consumable", 2), ("Raw Material", 1)]
	rows = {r["customer"]: r for r in key_account_review.execute({"key_accounts_only": 1})[1]}
	assert rows[account]["offer"] == "Consumable (2 peers), Raw Material (1 peers)"
