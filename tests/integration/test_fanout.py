"""The recompute one part at a time, and fanned out over the long queue: every customer's stored results and the
run's record equal those of deciding everyone at once; a part that fails is queued again alone, and a part whose
worker died is queued again alone by the next recompute.

What these tests prove and what they do not: the parts' jobs are queued on the site's real RQ queue (``long``)
through ``frappe.enqueue``; the test then reads which jobs were queued, and runs each part's job function
(``fanout.run_part``) itself, in this process, one after the other, except in the last test, where real RQ worker
processes (``procs/one_job_worker.py``: RQ's worker calling Frappe's ``execute_job``, as ``bench worker`` does)
run them, two at a time. A worker killed by a signal is stood in for by the state it leaves behind (the part
Running, its lock gone with its database connection); ``test_faults`` kills a real worker of a whole recompute.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import frappe
from frappe.utils.background_jobs import get_queue

from benchmarks import dataset
from customer_priority.standing import fanout, recompute
from customer_priority.standing.stored import RESULT_COLUMNS

BENCH = Path(os.environ["FRAPPE_BENCH_PATH"])
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
PROCS = Path(__file__).resolve().parent / "procs"
CUSTOMERS, ORDERS, PART = 1200, 6000, 250
COMPARED = [c for c in RESULT_COLUMNS if c != "cp_ranked_on"]
RECORD = ("rfm_cutoffs", "ranking_totals", "last_recompute_summary", "purchase_prediction_state")


def queued(run: str) -> list[str]:
	"""The ids of the jobs of this run waiting on the long queue."""
	return sorted(i for i in get_queue("long").get_job_ids() if f":{run}:" in i)


def drop_jobs(run: str | None = None) -> None:
	queue = get_queue("long")
	for job_id in queue.get_job_ids():
		if job_id.startswith(f"{frappe.local.site}::customer_priority_recompute_part:") and (
			run is None or f":{run}:" in job_id
		):
			queue.remove(job_id)


@pytest.fixture
def population():
	"""Customers with orders, committed; the run's jobs and records removed afterwards."""
	frappe.db.rollback()
	dataset.make(CUSTOMERS, ORDERS)
	drop_jobs()
	frappe.cache.delete_value(fanout.RUN)
	yield
	frappe.db.rollback()
	drop_jobs()
	frappe.cache.delete_value(fanout.RUN)
	dataset.drop()


def standing() -> tuple[dict, dict]:
	"""Every customer's stored results (and its tier reason), and the run's record in Settings."""
	frappe.db.rollback()
	rows = frappe.db.sql(f"select name, {', '.join(COMPARED)}, cp_tier_reason from tabCustomer order by name")
	record = frappe.db.sql(
		"""select field, value from tabSingles where doctype = 'Customer Priority Settings'
		and field in %(fields)s""",
		{"fields": RECORD},
	)
	return {row[0]: row[1:] for row in rows}, dict(record)


def recorded_on():
	frappe.db.rollback()
	return frappe.db.sql(
		"""select value from tabSingles where doctype = 'Customer Priority Settings'
		and field = 'last_recompute_on'"""
	)


def at_once() -> tuple[dict, dict]:
	"""The standing a recompute in one process gives, every customer in one part (as before parts existed)."""
	# Other tests' customers settled first: the run's summary counts what it updated, and it is compared.
	recompute.recompute_all(source="Manual", fan_out=False)
	dataset.forget_standing()
	result = recompute.recompute_all(source="Manual", fan_out=False, part_size=10**9)
	assert result["updated"] >= CUSTOMERS
	return standing()


def fanned_out() -> dict:
	dataset.forget_standing()
	started = recompute.recompute_all(source="Manual", fan_out=True, part_size=PART)
	assert started["fanned_out"] >= CUSTOMERS // PART
	return started


def test_parts_in_one_process_and_fanned_out_equal_everyone_at_once(population):
	whole = at_once()

	dataset.forget_standing()
	recompute.recompute_all(source="Manual", fan_out=False, part_size=PART)
	assert standing() == whole

	started = fanned_out()
	run, parts = started["run"], started["fanned_out"]
	assert len(queued(run)) == parts  # one job per part, on the long queue
	assert fanout.unfinished()["run"] == run
	for number in range(parts):
		fanout.run_part(run, number)
	assert standing() == whole
	assert fanout.unfinished() is None
	assert {s["status"] for s in fanout.statuses(run).values()} == {"Done"}


def test_a_failed_part_is_queued_again_alone(population, monkeypatch):
	whole = at_once()
	started = fanned_out()
	run, parts = started["run"], started["fanned_out"]
	drop_jobs(run)  # this test runs them itself
	decided, failing = [], 1
	real = fanout.decide_part

	def decide(part, as_of, settings):
		decided.append(part.number)
		if part.number == failing and decided.count(failing) == 1:
			raise RuntimeError("the database went away (simulated)")
		return real(part, as_of, settings)

	monkeypatch.setattr(fanout, "decide_part", decide)
	for number in range(parts):
		if number == failing:
			with pytest.raises(RuntimeError):
				fanout.run_part(run, number)
		else:
			fanout.run_part(run, number)
	assert fanout.unfinished(), "not recorded while a part is missing"
	assert queued(run) == [f"{SITE}::{fanout.job_id(run, failing, 2)}"]  # that part alone, again
	assert fanout.statuses(run)[failing]["status"] == "Queued"
	fanout.run_part(run, failing)
	assert sorted(decided) == sorted([*range(parts), failing])  # no other part decided or written twice
	assert {n: s["attempts"] for n, s in fanout.statuses(run).items()} == {
		n: 2 if n == failing else 1 for n in range(parts)
	}
	assert standing() == whole
	assert fanout.unfinished() is None


def test_a_part_whose_worker_died_is_queued_again_alone_by_the_next_recompute(population):
	whole = at_once()
	last_run = recorded_on()
	started = fanned_out()
	run, parts = started["run"], started["fanned_out"]
	drop_jobs(run)
	dead = 2
	for number in range(parts):
		if number != dead:
			fanout.run_part(run, number)
	# What a SIGKILLed worker leaves: its part Running, its lock gone with its database connection, its job taken.
	fanout.set_status(run, dead, status="Running", attempts=1, customers=PART)
	assert fanout.unfinished()
	assert recorded_on() == last_run  # the run is recorded only once every part is written
	resumed = recompute.recompute_all(source="Manual")
	assert resumed["resumed"] == [dead]
	assert queued(run) == [f"{SITE}::{fanout.job_id(run, dead, 2)}"]
	fanout.run_part(run, dead)
	assert standing() == whole
	assert fanout.unfinished() is None
	assert recorded_on() != last_run


def test_real_workers_write_the_parts_two_at_a_time(population):
	whole = at_once()
	started = fanned_out()
	run = started["run"]
	jobs = queued(run)
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	for pair in range(0, len(jobs), 2):
		workers = [
			subprocess.Popen(
				[sys.executable, str(PROCS / "one_job_worker.py"), SITE, job],
				cwd=BENCH / "sites",
				env=env,
				stdout=subprocess.PIPE,
				stderr=subprocess.PIPE,
				text=True,
			)
			for job in jobs[pair : pair + 2]
		]
		for worker in workers:
			out, err = worker.communicate(timeout=300)
			assert worker.returncode == 0, (out, err[-3000:])
	assert standing() == whole
	assert fanout.unfinished() is None
