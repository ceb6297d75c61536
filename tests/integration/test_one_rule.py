"""Rules that once drifted into two copies: every path that asks them gets the same answer, and reports total only
what their reader may see."""

import frappe
from frappe.desk.query_report import run as run_report
from frappe.utils import add_days, flt, getdate

from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

from customer_priority.api.reviews import reviews_due_count
from customer_priority.customer_priority.report.customer_ranking import customer_ranking
from customer_priority.customer_priority.report.key_account_review import key_account_review
from customer_priority.customer_priority.report.tier_changes import tier_changes
from customer_priority.data import purchases
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.history import window_start
from customer_priority.engine.pipeline import _request_key
from customer_priority.requests.facts import customer_facts
from customer_priority.standing.rebuild import retier_customer
from customer_priority.standing.reviews import (
	MARKER,
	create_review_todos,
	key_accounts_due,
)
from customer_priority.standing.stored import AGGREGATE_FIELDS, aggregate_values
from customer_priority.standing.totals import order_aggregates
from tests.integration.helpers import (
	company,
	customer_row,
	ensure_item,
	make_customer,
	make_order,
	make_user,
	make_user_seeing_only,
)

KEY_POTENTIAL = 6  # position of key_potential in RequestFacts


def make_invoice(customer: str, amount: float, day):
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company(),
			"set_posting_time": 1,
			"posting_date": day,
			"due_date": day,
			"items": [{"item_code": ensure_item(), "qty": 1, "rate": amount}],
		}
	).insert(ignore_permissions=True)
	invoice.submit()
	return invoice


def stored_aggregate(customer: str) -> dict:
	row = customer_row(customer, *AGGREGATE_FIELDS)
	return {k: (round(flt(v), 6) if isinstance(v, float | int) else v) for k, v in row.items()}


def recomputed_aggregate(customer: str) -> dict:
	agg = order_aggregates(getdate(), get_engine_settings(), customers=[customer])[customer]
	return {
		k: (round(flt(v), 6) if isinstance(v, float | int) else v) for k, v in aggregate_values(agg).items()
	}


def test_a_return_invoice_counts_the_same_in_the_hooks_and_the_recompute():
	settings = frappe.get_single("Customer Priority Settings")
	settings.value_source = "Sales Invoice"
	settings.save()
	customer = make_customer()
	older = make_invoice(customer, 700, add_days(getdate(), -30))
	returned = make_sales_return(older.name)
	returned.set_posting_time = 1
	returned.posting_date = getdate()  # a return dated after the customer's last purchase
	returned.insert(ignore_permissions=True)
	returned.submit()
	latest = make_invoice(customer, 300, add_days(getdate(), -10))
	latest.cancel()  # cancelling the last purchase makes the hook look its dates up again
	assert stored_aggregate(customer)["cp_last_order_date"] == add_days(getdate(), -30)
	assert stored_aggregate(customer) == recomputed_aggregate(customer)
	assert not purchases.current().counts(returned)


def test_key_potential_is_the_same_from_the_hooks_and_the_engine():
	settings = get_engine_settings()
	cases = {
		"class B, buying": {"cp_abc_class": "B", "cp_window_value": 500},
		"class B, nothing in the window": {"cp_abc_class": "B", "cp_window_value": 0},
		"class C, high potential": {
			"cp_abc_class": "C",
			**dict.fromkeys(("cp_brand_strength", "cp_production_volume", "cp_purchase_potential"), "5"),
		},
		"class A, nothing in the window": {"cp_abc_class": "A", "cp_window_value": 0},
	}
	answers = {}
	for case, stored in cases.items():
		customer = make_customer()
		make_order(customer, 100, add_days(getdate(), -200))
		frappe.db.set_value("Customer", customer, {"cp_rank": 3, **stored})
		standing = retier_customer(customer, settings=settings)  # stores the potential score
		hooks_say = customer_facts(customer)["key_potential"]
		assert _request_key(standing, settings)[KEY_POTENTIAL] == hooks_say, case
		answers[case] = hooks_say
	assert answers["class B, buying"] and not answers["class B, nothing in the window"]
	assert answers["class C, high potential"]


def test_a_key_account_never_reviewed_is_due_everywhere():
	manager = make_user("cp-account-manager@example.com", ["Sales User"])
	customer = make_customer(account_manager=manager)
	due_before = reviews_due_count()
	frappe.db.set_value("Customer", customer, {"cp_key_account": 1, "cp_next_review_date": None})
	assert customer in {r.name for r in key_accounts_due()}
	assert reviews_due_count() == due_before + 1, "the card counts this customer"
	_columns, rows = key_account_review.execute({"key_accounts_only": 1})
	assert next(r for r in rows if r.customer == customer).overdue == 1
	create_review_todos()
	assert frappe.db.exists(
		"ToDo",
		{"reference_name": customer, "allocated_to": manager, "description": ("like", f"%{MARKER}%")},
	)
	frappe.db.set_value("Customer", customer, "cp_next_review_date", add_days(getdate(), 5))
	assert customer not in {r.name for r in key_accounts_due()}


def test_reports_total_only_what_a_restricted_reader_may_see():
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"CP Restricted {frappe.generate_hash(length=6)}",
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	mine, other = make_customer(customer_group=group.name), make_customer(customer_group=group.name)
	make_order(mine, 300)
	make_order(other, 9000)
	user = make_user_seeing_only("cp-restricted-sales@example.com", mine)
	frappe.set_user(user)
	_columns, data, _message, chart, summary = customer_ranking.execute({"customer_group": group.name})
	assert [r["customer"] for r in data] == [mine]
	assert summary[0]["value"] == 1 and flt(summary[1]["value"]) == 300
	assert chart["data"]["labels"] == [data[0]["customer_name"]]
	_columns, rows, _message, _chart = tier_changes.execute({"party_type": "Customer"})
	assert {r.party for r in rows} <= {mine} and rows
	shown = run_report("Tier Changes", filters={"party_type": "Customer"})["result"]
	assert {r["party"] for r in shown} == {mine}, "as the desk runs it, for a Sales User"
	frappe.set_user("Administrator")
	_columns, data, *_rest = customer_ranking.execute({"customer_group": group.name})
	assert [r["customer"] for r in data] == [other, mine]


def test_the_look_back_window_is_the_default_period_of_the_ranking():
	customer = make_customer()
	settings = get_engine_settings()
	inside = window_start(getdate(), settings)
	make_order(customer, 100, inside)
	make_order(customer, 50, add_days(inside, -1))
	group = frappe.db.get_value("Customer", customer, "customer_group")
	_columns, data, *_rest = customer_ranking.execute({"customer_group": group})
	assert next(r for r in data if r["customer"] == customer)["value"] == 100
