"""Deadlocks: two submits that lock two customers in opposite order, each on its own connection, end in a real
deadlock inside the order hook. The one MariaDB picks fails as a deadlock (not as a savepoint that no longer
exists), with nothing of it written, and succeeds when made again; the other goes through. The Communication hook
lets a deadlock through alike, and both ask one helper."""

import os
import threading

import pymysql
import pytest

import frappe
from frappe.utils import flt

from customer_priority.requests import reading
from customer_priority.standing.stored import AGGREGATE_FIELDS
from customer_priority.utils.transactions import transaction_lost
from tests.integration.helpers import customer_row, ensure_item, make_customer, make_order

SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
SITES = os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites")
DEADLOCK = pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock")
TIMEOUT = pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")


@pytest.fixture
def customers():
	"""Two committed customers with a draft order each (other connections submit them); removed afterwards."""
	frappe.db.rollback()
	ensure_item()
	names = [make_customer(), make_customer()]
	orders = [
		make_order(name, amount, submit=False).name for name, amount in zip(names, (300, 700), strict=True)
	]
	frappe.db.commit()
	yield names, orders
	frappe.db.rollback()
	for so in frappe.get_all("Sales Order", {"customer": ("in", names)}, pluck="name"):
		frappe.db.delete("Sales Order Item", {"parent": so})
		frappe.db.delete("Sales Order", so)
	frappe.db.delete("Customer Tier Log", {"party": ("in", names)})
	frappe.db.delete("Customer", {"name": ("in", names)})
	frappe.db.commit()


def submit_holding(holding: str, order: str, ready: threading.Barrier, outcome: dict) -> None:
	"""On a connection of its own: lock ``holding``'s row, wait until the other connection holds its row too,
	then submit ``order`` (whose hook locks the other customer)."""
	frappe.init(site=SITE, sites_path=SITES)
	try:
		frappe.connect()
		frappe.set_user("Administrator")
		frappe.db.sql("select name from `tabCustomer` where name = %s for update", holding)
		ready.wait(60)
		try:
			frappe.get_doc("Sales Order", order).submit()
			frappe.db.commit()
			outcome[order] = None
		except Exception as exc:
			frappe.db.rollback()
			outcome[order] = exc
	finally:
		frappe.destroy()


def aggregates(customer: str) -> tuple:
	row = customer_row(customer, *AGGREGATE_FIELDS)
	return row.cp_order_count, round(flt(row.cp_lifetime_value), 2), round(flt(row.cp_window_value), 2)


def error_logs(*orders: str) -> set[str]:
	return set(frappe.get_all("Error Log", {"reference_name": ("in", orders)}, pluck="name"))


def order_sums(customer: str) -> tuple:
	count, value = frappe.db.sql(
		"select count(*), ifnull(sum(base_net_total), 0) from `tabSales Order` where docstatus = 1 and customer = %s",
		customer,
	)[0]
	return count, round(flt(value), 2)


def test_a_real_deadlock_between_two_submits_fails_one_cleanly_and_it_can_be_made_again(customers):
	(first, second), (first_order, second_order) = customers
	ready, outcome = threading.Barrier(2), {}
	logged = error_logs(first_order, second_order)  # an order rolled back elsewhere may have had these names
	threads = [
		threading.Thread(target=submit_holding, args=(second, first_order, ready, outcome)),
		threading.Thread(target=submit_holding, args=(first, second_order, ready, outcome)),
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(120)
	assert set(outcome) == {first_order, second_order}, outcome
	failed = {order: exc for order, exc in outcome.items() if exc is not None}
	assert len(failed) == 1, f"one submit is MariaDB's victim: {outcome}"
	((victim, exc),) = failed.items()
	assert isinstance(exc, frappe.QueryDeadlockError), repr(exc)
	frappe.db.rollback()
	victims_customer = frappe.db.get_value("Sales Order", victim, "customer")
	# Nothing of the failed submit is left: the order is a draft, its customer has no aggregate of it.
	assert frappe.db.get_value("Sales Order", victim, "docstatus") == 0
	assert aggregates(victims_customer) == (0, 0, 0)
	assert error_logs(first_order, second_order) == logged
	frappe.get_doc("Sales Order", victim).submit()  # made again, as a user would
	frappe.db.commit()
	for customer, value in ((first, 300), (second, 700)):
		assert order_sums(customer) == (1, value)
		assert aggregates(customer) == (1, value, value)


def test_every_form_of_a_deadlock_or_timeout_is_recognised_and_nothing_else():
	assert transaction_lost(frappe.QueryDeadlockError(DEADLOCK))
	assert transaction_lost(frappe.QueryTimeoutError(TIMEOUT))
	assert transaction_lost(DEADLOCK) and transaction_lost(TIMEOUT)
	try:
		try:
			raise frappe.QueryDeadlockError(DEADLOCK)
		except frappe.QueryDeadlockError as inner:
			raise frappe.ValidationError("could not save") from inner
	except frappe.ValidationError as outer:
		assert transaction_lost(outer)
	assert not transaction_lost(RuntimeError())
	assert not transaction_lost(frappe.ValidationError("Sales Stage X does not exist"))
	assert not transaction_lost(pymysql.err.OperationalError(1305, "SAVEPOINT x does not exist"))


def test_a_deadlock_while_reading_an_email_is_not_swallowed(monkeypatch):
	"""The email hook keeps ERPNext's message when reading fails, but not after a deadlock: its savepoint is
	gone with the transaction, so the error goes to the caller (ERPNext's email pull retries the message)."""
	lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Deadlock", "email_id": "deadlock@example.com"}
	).insert(ignore_permissions=True)

	def deadlocked(*args, **kwargs):
		raise frappe.QueryDeadlockError(DEADLOCK)

	monkeypatch.setattr(reading, "read_into", deadlocked)
	message = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"sender": "deadlock@example.com",
			"subject": "Urgent: our line is down",
			"content": "Please call us today.",
			"reference_doctype": "Lead",
			"reference_name": lead.name,
		}
	)
	with pytest.raises(frappe.QueryDeadlockError):
		message.insert(ignore_permissions=True)
