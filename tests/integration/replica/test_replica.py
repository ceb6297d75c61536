"""On a site with a read replica (Frappe's ``read_from_replica``): the app's reports read the replica, the
recompute reads it too once it has caught up with the primary, and every write stays on the primary.

The proof is a replica held back: with its SQL thread stopped, what the primary has since written cannot be
there, so a report that shows the old value read the replica. Runs only with CP_REPLICA=1 (the test runner then
starts a primary and a replica, see tests/integration/replica_pair.py)."""

import os
import subprocess
from contextlib import contextmanager

import pytest

import frappe
from frappe.desk.query_report import run as run_report

from customer_priority.standing import recompute
from tests.integration.helpers import make_customer, make_order, unique

pytestmark = pytest.mark.skipif(
	not os.environ.get("CP_REPLICA_SOCKET"), reason="needs the runner's replica pair (CP_REPLICA=1)"
)


def root_sql(which: str, sql: str, headers: bool = False) -> str:
	socket = os.environ[f"CP_{which.upper()}_SOCKET"]
	result = subprocess.run(
		[
			"mariadb",
			"--no-defaults",
			f"--socket={socket}",
			"-uroot",
			"-B",
			*(() if headers else ("-N",)),
			"-e",
			sql,
		],
		capture_output=True,
		text=True,
		check=True,
	)
	return result.stdout.strip()


def replica_status() -> dict:
	names, values = root_sql("replica", "SHOW SLAVE STATUS", headers=True).split("\n")[:2]
	return dict(zip(names.split("\t"), values.split("\t"), strict=False))


def caught_up() -> None:
	position = root_sql("primary", "SELECT @@gtid_binlog_pos")
	assert root_sql("replica", f"SELECT MASTER_GTID_WAIT('{position}', 60)") == "0"


@contextmanager
def replica_held_back():
	"""The replica stops applying what the primary writes, until the block ends."""
	caught_up()
	root_sql("replica", "STOP SLAVE SQL_THREAD")
	try:
		yield
	finally:
		root_sql("replica", "START SLAVE SQL_THREAD")
		caught_up()


def as_a_new_request() -> None:
	"""Frappe connects to the replica once per request (``frappe.local``); a test is one long request."""
	for attr in ("replica_db", "primary_db"):
		if hasattr(frappe.local, attr):
			delattr(frappe.local, attr)


def ranking_row(customer: str) -> dict:
	as_a_new_request()
	result = run_report("Customer Ranking", filters={"top": 0})
	return next(row for row in result["result"] if isinstance(row, dict) and row.get("customer") == customer)


def test_the_site_reads_from_a_replica_that_follows_its_primary():
	assert frappe.conf.read_from_replica and frappe.conf.replica_host
	status = replica_status()
	assert (status["Slave_IO_Running"], status["Slave_SQL_Running"]) == ("Yes", "Yes")
	assert status["Master_Port"] != str(frappe.conf.replica_db_port)  # two servers, not one
	assert root_sql("replica", "SELECT @@read_only") == "1"


def test_a_report_reads_the_replica_and_writes_nothing():
	customer = make_customer(unique("CP Replica"))
	make_order(customer, 700)
	frappe.db.commit()
	recompute.recompute_all(source="Manual")  # ranked, so the report lists it
	frappe.db.commit()
	caught_up()
	before = ranking_row(customer)
	assert before["tier"]
	moved = "First" if before["tier"] != "First" else "Low"
	with replica_held_back():
		frappe.db.set_value("Customer", customer, "cp_priority_tier", moved)
		frappe.db.commit()
		assert frappe.db.get_value("Customer", customer, "cp_priority_tier") == moved  # the primary has it
		assert ranking_row(customer)["tier"] == before["tier"], "the report read the held-back replica"
	assert ranking_row(customer)["tier"] == moved, "and once the replica caught up, it shows the change"


def test_the_apps_reading_methods_read_the_replica():
	"""A customer made on the primary while the replica is held back is not there for a method that only reads."""
	from customer_priority.api.party import buying_roles

	with replica_held_back():
		customer = make_customer(unique("CP Replica New"))
		frappe.db.commit()
		as_a_new_request()
		with pytest.raises(frappe.DoesNotExistError):
			buying_roles(customer)
		frappe.clear_messages()
	as_a_new_request()
	assert buying_roles(customer) == []


@contextmanager
def replica_statements():
	"""What the site's user asks of the replica while the block runs (its general log, kept in a table)."""
	root_sql(
		"replica", "TRUNCATE mysql.general_log; SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1"
	)
	seen: list[str] = []
	try:
		yield seen
	finally:
		root_sql("replica", "SET GLOBAL general_log = 0")
		seen.extend(
			root_sql(
				"replica",
				"SELECT replace(replace(convert(argument using utf8mb4), '\\n', ' '), '\\t', ' ') "
				f"FROM mysql.general_log WHERE user_host LIKE '{frappe.conf.db_name}%' AND command_type = 'Query'",
			).splitlines()
		)


def totals_of(customer: str) -> tuple:
	row = frappe.db.get_value("Customer", customer, ["cp_order_count", "cp_lifetime_value"], as_dict=True)
	return (row.cp_order_count, float(row.cp_lifetime_value))


def test_the_recompute_reads_the_population_on_the_replica_and_writes_the_primary():
	customer = make_customer(unique("CP Replica Sums"))
	make_order(customer, 300)
	make_order(customer, 200)
	frappe.db.set_value("Customer", customer, {"cp_order_count": 0, "cp_lifetime_value": 0})  # out of step
	frappe.db.commit()
	with replica_statements() as seen:
		recompute.recompute_all(source="Manual")
	grouped = [s for s in seen if "tabSales Order" in s and "group by customer" in s.lower()]
	assert grouped, "the orders were grouped on the replica"
	assert not [s for s in seen if s.lower().lstrip().startswith(("update", "insert", "delete"))]
	frappe.db.rollback()
	assert totals_of(customer) == (2, 500.0), "and the totals written on the primary"


def test_a_replica_left_behind_is_passed_over_and_the_primary_read(monkeypatch):
	from customer_priority.utils import replica

	monkeypatch.setattr(replica, "CATCH_UP_SECONDS", 1)
	customer = make_customer(unique("CP Replica Behind"))
	frappe.db.commit()
	with replica_held_back():
		make_order(customer, 400)
		frappe.db.commit()
		with replica_statements() as seen:
			recompute.recompute_all(source="Manual")
		frappe.db.rollback()
		assert totals_of(customer) == (1, 400.0)
	assert any("master_gtid_wait" in s.lower() for s in seen), "the replica was asked to catch up"
	assert not [s for s in seen if "group by customer" in s.lower()], "and, behind, was read no further"
