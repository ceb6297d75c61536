"""Faults: a recompute whose RQ worker is SIGKILLed half-way, or loses its database connection while it writes,
leaves every customer wholly old or wholly new and the lock free, and Recompute Now then runs it to the end; an
order hook that fails keeps the sale, changes nothing of the customer and queues the customer's rebuild."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymysql
import pytest

import frappe
from frappe.utils import flt

from benchmarks import dataset
from customer_priority.api.recompute import start_recompute
from customer_priority.engine.settings import TIERS
from customer_priority.events import orders
from customer_priority.standing import rebuild, recompute
from customer_priority.standing.stored import AGGREGATE_FIELDS
from tests.integration.helpers import customer_row, ensure_item, make_customer, make_order

BENCH = Path(os.environ["FRAPPE_BENCH_PATH"])
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
PROCS = Path(__file__).resolve().parent / "procs"
CUSTOMERS, ORDERS, CHUNK = 1500, 4000, 15
PREFIX = dataset.PREFIX


def drop_queued_recompute():
	from frappe.utils.background_jobs import get_job

	job = get_job(recompute.JOB_ID)
	if job:
		job.delete()


@pytest.fixture
def population():
	"""Customers none of whom has been decided yet (as after install), committed; removed afterwards."""
	frappe.db.rollback()
	dataset.make(CUSTOMERS, ORDERS)
	drop_queued_recompute()
	yield
	frappe.db.rollback()
	drop_queued_recompute()
	dataset.drop()


def worker(chunk: int | None = None) -> subprocess.Popen:
	"""A real RQ worker process for the queued recompute (see procs/one_job_worker.py)."""
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	args = [sys.executable, str(PROCS / "one_job_worker.py"), SITE, recompute.JOB_ID]
	return subprocess.Popen(
		[*args, *([str(chunk)] if chunk else [])],
		cwd=BENCH / "sites",
		env=env,
		stdout=subprocess.PIPE,
		stderr=subprocess.PIPE,
		text=True,
		start_new_session=True,
	)


def decided() -> int:
	frappe.db.rollback()  # a fresh snapshot
	return frappe.db.sql(
		"select count(*) from tabCustomer where name like %s and cp_ranked_on is not null", PREFIX + "%"
	)[0][0]


def wait_half_way(process: subprocess.Popen) -> int:
	"""Until part of the customers are written, then return how many; fails if the run ends first."""
	deadline = time.monotonic() + 300
	while time.monotonic() < deadline:
		done = decided()
		if CUSTOMERS // 10 <= done < CUSTOMERS * 7 // 10:
			return done
		if process.poll() is not None or done >= CUSTOMERS * 7 // 10:
			from frappe.utils.background_jobs import get_job

			job = get_job(recompute.JOB_ID)
			result = job and (job.get_status(), job.return_value())
			pytest.fail(
				f"the recompute was not caught half-way ({done} written): {process.communicate()} {result}"
			)
		time.sleep(0.01)
	pytest.fail("the recompute never started writing")


def rows() -> dict:
	frappe.db.rollback()
	fields = "name, cp_ranked_on, cp_priority_tier, cp_lifecycle, cp_level, cp_order_count, cp_lifetime_value"
	return {
		r.name: r
		for r in frappe.db.sql(
			f"select {fields} from tabCustomer where name like %s", PREFIX + "%", as_dict=True
		)
	}


def true_totals() -> dict:
	return {
		customer: (count, round(flt(value), 2))
		for customer, count, value in frappe.db.sql(
			"""select customer, count(*), sum(base_net_total) from `tabSales Order`
			where docstatus = 1 and name like %s group by customer""",
			PREFIX + "%",
		)
	}


def assert_wholly_old_or_new(state: dict) -> tuple[set, set]:
	"""Every customer either untouched (as the data set made it) or written whole, with its true totals."""
	totals = true_totals()
	old, new = set(), set()
	for name, r in state.items():
		untouched = not r.cp_ranked_on and not r.cp_priority_tier and not r.cp_lifecycle and not r.cp_level
		whole = (
			r.cp_ranked_on
			and r.cp_priority_tier in TIERS
			and r.cp_lifecycle
			and r.cp_level
			and (r.cp_order_count, round(flt(r.cp_lifetime_value), 2)) == totals.get(name, (0, 0.0))
		)
		assert untouched or whole, (name, r)
		(old if untouched else new).add(name)
	return old, new


def lock_is_free_within(seconds: float) -> bool:
	deadline = time.monotonic() + seconds
	while time.monotonic() < deadline:
		if recompute.lock_is_free():
			return True
		time.sleep(0.1)
	return False


def finish_with_recompute_now(before: dict, new: set) -> None:
	"""Recompute Now queues the job again (the dead one is forgotten), a worker runs it to the end, and the
	customers the interrupted run had written come out the same."""
	assert "started" in start_recompute().lower()
	process = worker()
	out, err = process.communicate(timeout=600)
	assert process.returncode == 0, out + err[-3000:]
	after = rows()
	old, renewed = assert_wholly_old_or_new(after)
	assert not old, f"{len(old)} customers were never decided"
	assert renewed == set(after)
	for name in new:
		assert (before[name].cp_priority_tier, before[name].cp_level, before[name].cp_order_count) == (
			after[name].cp_priority_tier,
			after[name].cp_level,
			after[name].cp_order_count,
		)


def test_a_recompute_worker_killed_half_way_leaves_customers_whole_and_recompute_now_finishes(population):
	assert "started" in start_recompute().lower()
	process = worker(CHUNK)
	wait_half_way(process)
	os.killpg(process.pid, signal.SIGKILL)
	process.wait(30)
	assert lock_is_free_within(10), "MariaDB frees the lock with the dead worker's connection"
	before = rows()
	old, new = assert_wholly_old_or_new(before)
	assert old and new, "killed half-way"
	finish_with_recompute_now(before, new)


def test_a_recompute_that_loses_its_database_connection_leaves_customers_whole(population):
	mine = frappe.db.sql("select connection_id()")[0][0]
	assert "started" in start_recompute().lower()
	process = worker(CHUNK)
	wait_half_way(process)
	root = pymysql.connect(
		host=frappe.conf.db_host or "127.0.0.1",
		user="root",
		password=os.environ.get("MARIADB_ROOT_PASSWORD", "root"),
	)
	try:
		with root.cursor() as cursor:
			cursor.execute(
				"select id from information_schema.processlist where user = %s and id != %s",
				(frappe.conf.db_name, mine),
			)
			for (connection,) in cursor.fetchall():
				cursor.execute(f"kill connection {int(connection)}")
	finally:
		root.close()
	out, err = process.communicate(timeout=120)
	assert process.returncode != 0, "the job failed with its connection"
	assert lock_is_free_within(10)
	before = rows()
	old, new = assert_wholly_old_or_new(before)
	assert old and new
	finish_with_recompute_now(before, new)


def test_a_failing_order_hook_keeps_the_sale_changes_nothing_and_queues_a_rebuild(monkeypatch):
	"""Decided: a sale never waits on the ranking. The submit is kept, the customer's stored standing and its log
	are exactly as before (rolled back to a savepoint), an Error Log names the order, the user gets a notice,
	and a rebuild of the customer from its orders is queued for after the commit."""
	ensure_item()
	customer = make_customer()
	make_order(customer, 100)
	fields = (*AGGREGATE_FIELDS, "cp_priority_tier", "cp_lifecycle", "cp_level", "cp_tier_reason")
	before = customer_row(customer, *fields)
	logged = frappe.db.count("Customer Tier Log", {"party": customer})
	queued = []
	monkeypatch.setattr(orders.frappe, "enqueue", lambda method, **kw: queued.append((method, kw)))

	def broken(*args, **kwargs):
		raise RuntimeError("the ranking broke")

	monkeypatch.setattr(orders, "retier_customer", broken)  # fails after the aggregates were moved
	frappe.local.message_log = []
	so = make_order(customer, 250)
	assert frappe.db.get_value("Sales Order", so.name, "docstatus") == 1
	assert customer_row(customer, *fields) == before
	assert frappe.db.count("Customer Tier Log", {"party": customer}) == logged
	assert frappe.db.exists("Error Log", {"reference_doctype": "Sales Order", "reference_name": so.name})
	assert any(so.name in str(m) for m in frappe.local.message_log)
	assert queued == [
		(
			"customer_priority.standing.repair.rebuild_customers",
			{"queue": "long", "enqueue_after_commit": True, "customers": [customer]},
		)
	]
	so.cancel()  # the cancel fails the same way, and is kept the same way
	assert frappe.db.get_value("Sales Order", so.name, "docstatus") == 2
	assert customer_row(customer, *fields) == before
	monkeypatch.undo()
	rebuild.recompute_customers([customer])  # what the queued job does, inside its own locks and commits
	row = customer_row(customer, "cp_order_count", "cp_lifetime_value")
	assert (row.cp_order_count, flt(row.cp_lifetime_value)) == (1, 100)


def test_the_queued_rebuild_runs_in_a_worker_and_fixes_the_customer(monkeypatch):
	"""The rebuild a failing hook queues, run by a real worker after the submit committed."""
	frappe.db.rollback()
	ensure_item()
	customer = make_customer()
	frappe.db.commit()
	try:
		drop_rebuilds()
		monkeypatch.setattr(orders, "retier_customer", lambda *a, **k: 1 / 0)
		so = make_order(customer, 400)
		frappe.db.commit()  # the queued job goes to RQ now
		monkeypatch.undo()
		assert frappe.db.get_value("Customer", customer, "cp_order_count") == 0
		job = rebuild_job(customer)
		assert job is not None, "the rebuild was queued"
		process = subprocess.run(
			[sys.executable, str(PROCS / "one_job_worker.py"), SITE, job],
			cwd=BENCH / "sites",
			env={k: v for k, v in os.environ.items() if k != "CI"},
			capture_output=True,
			text=True,
			timeout=300,
		)
		assert process.returncode == 0, process.stdout + process.stderr[-3000:]
		frappe.db.rollback()
		row = customer_row(customer, "cp_order_count", "cp_lifetime_value", "cp_priority_tier")
		assert (row.cp_order_count, flt(row.cp_lifetime_value)) == (1, 400) and row.cp_priority_tier
	finally:
		frappe.db.rollback()
		drop_rebuilds()
		for name in frappe.get_all("Sales Order", {"customer": customer}, pluck="name"):
			doc = frappe.get_doc("Sales Order", name)
			if doc.docstatus == 1:
				doc.cancel()
			frappe.db.delete("Sales Order Item", {"parent": name})
			frappe.db.delete("Sales Order", name)
		frappe.db.delete("Error Log", {"reference_name": ("in", [so.name] if "so" in locals() else [""])})
		frappe.db.delete("Customer Tier Log", {"party": customer})
		frappe.db.delete("Customer", customer)
		frappe.db.commit()


def rebuild_jobs():
	from frappe.utils.background_jobs import get_queue

	return [
		job
		for job in get_queue("long").jobs
		if job.kwargs.get("site") == frappe.local.site
		and job.kwargs.get("job_name") == "customer_priority.standing.repair.rebuild_customers"
	]


def rebuild_job(customer: str) -> str | None:
	for job in rebuild_jobs():
		if job.kwargs["kwargs"].get("customers") == [customer]:
			return job.id
	return None


def drop_rebuilds():
	for job in rebuild_jobs():
		job.cancel()
		job.delete()


def test_a_recompute_on_another_site_does_not_make_this_one_skip():
	"""MariaDB's named locks are server-wide; another site's recompute holds its own."""
	from frappe.database import get_db

	other = get_db(host=frappe.conf.db_host, user=frappe.conf.db_name, password=frappe.conf.db_password)
	other.connect()
	try:
		assert other.sql("select get_lock(%s, 0)", f"{recompute.LOCK}:another_site_db")[0][0] == 1
		assert "skipped" not in recompute.recompute_all(source="Manual")
	finally:
		other.sql("select release_lock(%s)", f"{recompute.LOCK}:another_site_db")
		other.close()
