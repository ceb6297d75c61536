"""One copy of each rule, on a real site: Key Account Review lists the candidates the engine names, a lead of a key
account at risk reads "may leave" as the customer's own tier does, an order's announcements wait until its work
held, and Customer Ranking's default view says which recompute its ranks come from."""

import frappe
from frappe.utils import add_to_date, now_datetime

from customer_priority import hooks, tasks
from customer_priority.customer_priority.report.customer_ranking import customer_ranking
from customer_priority.customer_priority.report.key_account_review import key_account_review
from customer_priority.data import purchases
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.data.settings import get_engine_settings
from customer_priority.engine.keyaccount import has_key_potential
from customer_priority.events import orders
from customer_priority.requests.facts import customer_facts
from customer_priority.standing import announcements
from customer_priority.utils.permissions import readable
from tests.integration.helpers import (
	customer_row,
	make_customer,
	make_order,
	make_user,
	make_user_seeing_only,
)


def test_key_account_review_lists_exactly_the_key_accounts_and_the_engines_candidates():
	cases = {
		"class A, buying": {"cp_abc_class": "A", "cp_window_value": 900},
		"class B, buying": {"cp_abc_class": "B", "cp_window_value": 500},
		"class B, nothing in the window": {"cp_abc_class": "B", "cp_window_value": 0},
		"class C, high potential": {"cp_abc_class": "C", "cp_potential_score": 95},
		"class C, low potential": {"cp_abc_class": "C", "cp_potential_score": 1},
		"key, class C": {"cp_abc_class": "C", "cp_key_account": 1},
	}
	made = {}
	for case, stored in cases.items():
		made[case] = customer = make_customer()
		frappe.db.set_value("Customer", customer, stored, update_modified=False)
	settings = get_engine_settings()
	_columns, rows = key_account_review.execute({})
	listed = {row.customer for row in rows}
	for case, customer in made.items():
		row = customer_row(
			customer, "cp_abc_class", "cp_window_value", "cp_potential_score", "cp_key_account"
		)
		engine_says = bool(row.cp_key_account) or has_key_potential(
			row.cp_abc_class, row.cp_window_value, row.cp_potential_score, settings
		)
		assert (customer in listed) == engine_says, case
	assert made["class B, buying"] in listed, "class B is a candidate, as the engine says"
	assert made["class B, nothing in the window"] not in listed


def test_a_request_from_a_key_account_at_risk_reads_may_leave_as_the_customer_does():
	customer = make_customer()
	frappe.db.set_value(
		"Customer",
		customer,
		{"cp_key_account": 1, "cp_lifecycle": "Repeat", "cp_rfm_segment": "Champions", "cp_at_risk": 1},
		update_modified=False,
	)
	assert customer_facts(customer)["churn_risk"], "the watch's at-risk flag is read by requests too"
	frappe.db.set_value("Customer", customer, "cp_at_risk", 0, update_modified=False)
	assert not customer_facts(customer)["churn_risk"]


def make_customers_key_at_one_order():
	settings = frappe.get_single(SETTINGS)
	settings.key_account_min_window_value = 1000
	settings.save()
	frappe.cache.delete_value("customer_priority_engine_settings")
	manager = make_user("cp-house-manager@example.com", ["Sales User"])
	return make_customer(account_manager=manager), manager


def became_key_bells(manager: str, customer: str) -> int:
	return frappe.db.count(
		"Notification Log",
		{"for_user": manager, "document_name": customer, "subject": ("like", "%became a key account%")},
	)


def test_an_order_that_makes_a_key_account_announces_it_once():
	customer, manager = make_customers_key_at_one_order()
	make_order(customer, 5000)
	assert customer_row(customer, "cp_key_account").cp_key_account == 1
	assert became_key_bells(manager, customer) == 1


def test_an_announcement_that_fails_keeps_the_sale_and_the_new_standing_and_is_logged(monkeypatch):
	customer, manager = make_customers_key_at_one_order()

	def broken(entry, kind):
		raise RuntimeError("the mail server is on fire")

	monkeypatch.setattr(announcements, "announce", broken)
	so = make_order(customer, 5000)
	assert frappe.db.get_value("Sales Order", so.name, "docstatus") == 1
	assert customer_row(customer, "cp_key_account").cp_key_account == 1, "the standing is kept"
	assert frappe.db.exists("Customer Tier Log", {"party": customer, "field": "Key Account"})
	assert frappe.db.exists(
		"Error Log",
		{"reference_name": so.name, "method": ("like", "%could not announce%")},
	)
	assert became_key_bells(manager, customer) == 0


def test_work_rolled_back_announces_nothing(monkeypatch):
	customer, manager = make_customers_key_at_one_order()
	real = orders.retier_customer

	def retier_then_fail(*args, **kwargs):
		real(*args, **kwargs)  # writes the log rows that would be announced
		raise RuntimeError("the ranking broke after logging")

	monkeypatch.setattr(orders, "retier_customer", retier_then_fail)
	monkeypatch.setattr(orders.frappe, "enqueue", lambda *a, **k: None)
	make_order(customer, 5000)
	assert customer_row(customer, "cp_key_account").cp_key_account == 0, "rolled back to the savepoint"
	assert became_key_bells(manager, customer) == 0, "nothing announced of what was rolled back"


def never_recomputed() -> None:
	"""The Settings of a site no recompute has run on yet."""
	frappe.db.delete("Singles", {"doctype": SETTINGS, "field": "last_recompute_on"})
	frappe.clear_document_cache(SETTINGS, SETTINGS)


def test_the_default_ranking_says_when_its_ranks_were_computed():
	never_recomputed()
	result = customer_ranking.execute({})
	assert "No recompute has run yet" in result[2]
	frappe.db.set_single_value(SETTINGS, "last_recompute_on", add_to_date(now_datetime(), hours=1))
	assert "No customer bought since" in customer_ranking.execute({})[2]
	since = add_to_date(now_datetime(), seconds=-1)
	frappe.db.set_single_value(SETTINGS, "last_recompute_on", since)
	customer = make_customer()
	make_order(customer, 100)
	bought = purchases.customers_buying_since(purchases.current(), since)
	assert bought >= 1
	assert f"{bought} customers bought since" in customer_ranking.execute({})[2]


def test_customers_bought_since_counts_only_what_the_reader_may_see():
	since = add_to_date(now_datetime(), seconds=-1)
	mine, other = make_customer(), make_customer()
	make_order(mine, 100)
	make_order(other, 100)
	user = make_user_seeing_only("cp-house-restricted@example.com", mine)
	frappe.set_user(user)
	visible = readable("Customer", "customer")
	assert purchases.customers_buying_since(purchases.current(), since, visible) == 1


def test_every_scheduled_entry_is_a_task_that_the_scheduler_knows():
	events = hooks.scheduler_events
	entries = [*events["daily_long"], *events["daily"], *(m for ms in events["cron"].values() for m in ms)]
	for entry in entries:
		assert entry.startswith("customer_priority.tasks."), entry
		assert callable(frappe.get_attr(entry))
		assert frappe.db.exists(
			"Scheduled Job Type", {"method": entry}
		), f"{entry} is scheduled after migrate"


def test_the_watch_runs_before_the_recompute_in_one_scheduled_job(monkeypatch):
	"""Frappe runs each scheduler entry as a job of its own in no set order: the order is one job's."""
	assert hooks.scheduler_events["daily_long"] == ["customer_priority.tasks.watch_then_recompute"]
	calls = []
	monkeypatch.setattr(tasks, "refresh_key_account_watch", lambda: calls.append("watch"))
	monkeypatch.setattr(tasks, "recompute_standings", lambda: calls.append("recompute"))
	frappe.get_attr(hooks.scheduler_events["daily_long"][0])()
	assert calls == ["watch", "recompute"]

	def broken():
		raise RuntimeError("the watch broke")

	monkeypatch.setattr(tasks, "refresh_key_account_watch", broken)
	calls.clear()
	tasks.watch_then_recompute()  # a failing watch is logged; the ranking is still brought up to date
	assert calls == ["recompute"]
	assert frappe.db.exists(
		"Error Log", {"method": "Customer Priority could not refresh the key-account watch"}
	)


def test_a_recompute_set_to_never_does_not_run_from_the_schedule():
	never_recomputed()
	frappe.db.set_single_value(SETTINGS, "recompute_frequency", "Never")
	tasks.recompute_standings()
	assert not frappe.db.exists("Singles", {"doctype": SETTINGS, "field": "last_recompute_on"})
