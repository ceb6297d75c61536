"""Concurrency: 8 processes submit and cancel orders for one customer at the same moment, alone and while full
recomputes run: no user sees an error (no deadlock), the stored aggregates equal the orders' sums and a full
recompute, and the tier log holds one row per real change."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import frappe
from frappe.utils import add_days, flt, getdate

from customer_priority.standing import recompute
from customer_priority.standing.rebuild import retier_customer
from customer_priority.standing.stored import AGGREGATE_FIELDS
from tests.integration.helpers import (
	customer_row,
	ensure_item,
	make_customer,
	make_order,
	on_another_connection,
)

BENCH = Path(os.environ["FRAPPE_BENCH_PATH"])
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
PROCS = Path(__file__).resolve().parent / "procs"
WORKERS, ORDERS_EACH = 8, 5  # 40 submits, 16 cancels


@pytest.fixture
def customer():
	"""Committed, because other processes work on it; removed with its orders afterwards."""
	frappe.db.rollback()
	ensure_item()
	name = make_customer()
	# Frappe makes a naming series' row on its first use, and first uses at the same moment deadlock inside
	# Frappe's own naming (with or without this app): the workers' years are given their series first.
	for days_back in (0, 5, 60, 400):  # as the workers pick their days
		draft = make_order(name, 1, add_days(getdate(), -days_back), submit=False)
		frappe.delete_doc("Sales Order", draft.name, force=True)
	frappe.db.commit()
	yield name
	frappe.db.rollback()
	for so in frappe.get_all("Sales Order", {"customer": name}, ["name", "docstatus"]):
		frappe.db.delete("Sales Order Item", {"parent": so.name})
		frappe.db.delete("Sales Order", so.name)
	frappe.db.delete("Customer Tier Log", {"party": name})
	frappe.db.delete("Error Log", {"reference_doctype": "Sales Order", "error": ("like", f"%{name}%")})
	frappe.db.delete("Customer", name)
	frappe.db.commit()


WORK = re.compile(r"^work=([0-9.]+) ([0-9.]+)$", re.MULTILINE)


def assert_overlapped(outputs: list[str], recomputes: list[tuple[float, float]]) -> None:
	"""Started together is not enough: every worker was still working when the last one began (their work
	intervals share a moment), and, while recomputing, a recompute ran inside that shared moment's span."""
	intervals = []
	for out in outputs:
		found = WORK.findall(out)
		assert found, f"a worker did not report when it worked: {out[-1500:]}"
		intervals.append(tuple(float(t) for t in found[-1]))
	last_start, first_end = max(s for s, _e in intervals), min(e for _s, e in intervals)
	assert last_start < first_end, f"the workers ran one after another, not together: {sorted(intervals)}"
	if recomputes:
		first_start, last_end = min(s for s, _e in intervals), max(e for _s, e in intervals)
		assert any(
			s < last_end and e > first_start for s, e in recomputes
		), f"no recompute ran while the workers did: {recomputes} vs {first_start}..{last_end}"
	print(f"workers all at work together for {first_end - last_start:.2f}s")


def run_at_once(customer: str, recomputing: bool) -> list[str]:
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	start = f"{time.time() + 3}\n"  # time for every interpreter to load
	processes = [
		subprocess.Popen(
			[sys.executable, str(PROCS / "order_worker.py"), SITE, customer, str(ORDERS_EACH), str(seed)],
			cwd=BENCH / "sites",
			env=env,
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			stderr=subprocess.STDOUT,
			text=True,
		)
		for seed in range(WORKERS)
	]
	for process in processes:
		process.stdin.write(start)
		process.stdin.close()
	runs: list[tuple[float, float]] = []
	if recomputing:
		while any(p.poll() is None for p in processes):
			frappe.db.rollback()
			began = time.time()
			assert "skipped" not in recompute.recompute_all(source="Scheduler")
			runs.append((began, time.time()))
	failures, outputs = [], []
	for process in processes:
		out = process.stdout.read()
		outputs.append(out)
		if process.wait(600) != 0:
			failures.append(out[-3000:])
	assert not recomputing or len(runs) >= 1
	if not failures:
		assert_overlapped(outputs, runs)
	print(f"{WORKERS} processes, {WORKERS * ORDERS_EACH} submits; {len(runs)} full recomputes ran alongside")
	return failures


def sums(customer: str) -> tuple:
	count, value = frappe.db.sql(
		"select count(*), ifnull(sum(base_net_total), 0) from `tabSales Order` where docstatus = 1 and customer = %s",
		customer,
	)[0]
	return count, round(flt(value), 2)


def stored(customer: str) -> dict:
	row = customer_row(customer, *AGGREGATE_FIELDS, "cp_priority_tier", "cp_level", "cp_lifecycle")
	row.cp_lifetime_value = round(flt(row.cp_lifetime_value), 2)
	row.cp_window_value = round(flt(row.cp_window_value), 2)
	return row


def assert_one_log_row_per_real_change(customer: str) -> None:
	"""Per logged field, each row starts where the previous one ended, changes something, and the last one ends
	where the customer is: no change logged twice, none lost."""
	now = stored(customer)
	current = {"Tier": now.cp_priority_tier, "Level": now.cp_level, "Lifecycle": now.cp_lifecycle}
	for field, value in current.items():
		moves = frappe.get_all(
			"Customer Tier Log",
			filters={"party": customer, "field": field},
			fields=["old_value", "new_value"],
			order_by="creation asc, modified asc",
		)
		# A first standing is not logged: the chain starts where the first move starts.
		previous = (moves[0].old_value or "") if moves else (value or "")
		for move in moves:
			assert move.old_value != move.new_value, (field, move)
			assert (move.old_value or "") == previous, (field, moves)
			previous = move.new_value
		assert previous == (value or ""), (field, moves, value)


@pytest.mark.parametrize("recomputing", [False, True], ids=["alone", "while-recomputing"])
def test_eight_processes_submitting_and_cancelling_for_one_customer(customer, recomputing):
	failures = run_at_once(customer, recomputing)
	assert not failures, "\n\n".join(failures)
	frappe.db.rollback()
	count, value = sums(customer)
	assert count == WORKERS * (ORDERS_EACH - ORDERS_EACH // 2)
	by_hooks = stored(customer)
	assert (by_hooks.cp_order_count, by_hooks.cp_lifetime_value) == (count, value)
	assert not frappe.db.exists(
		"Error Log", {"reference_doctype": "Sales Order", "error": ("like", f"%{customer}%")}
	)
	assert_one_log_row_per_real_change(customer)
	recompute.recompute_all(source="Manual")
	frappe.db.rollback()
	# The aggregates are the hooks' promise; tier and level may move with the rank only a recompute gives.
	after = stored(customer)
	assert {f: after[f] for f in AGGREGATE_FIELDS} == {f: by_hooks[f] for f in AGGREGATE_FIELDS}
	assert_one_log_row_per_real_change(customer)


def test_a_customer_is_re_decided_from_its_row_as_committed_not_as_the_transaction_first_saw_it(customer):
	"""A lost opportunity or a saved profile re-decide a customer inside a transaction that may have read
	it before another user's submit committed. The re-decision reads the row as it is now (and locks it): it never
	writes back the lifecycle the transaction first saw, which would leave the next order to log the same move
	again."""
	make_order(customer, 100)
	second = make_order(customer, 200, submit=False).name
	frappe.db.commit()
	assert customer_row(customer, "cp_lifecycle").cp_lifecycle == "New"  # this transaction's first look
	on_another_connection(lambda: frappe.get_doc("Sales Order", second).submit())
	retier_customer(customer, "Hook")
	frappe.db.commit()
	now = stored(customer)
	assert (now.cp_order_count, now.cp_lifecycle) == (2, "Repeat")
	make_order(customer, 300)
	frappe.db.commit()
	assert_one_log_row_per_real_change(customer)


def test_two_managers_overriding_a_tier_at_once_log_one_move_after_the_other(customer):
	def override(tier: str) -> None:
		frappe.call(
			"customer_priority.api.party.set_tier_override",
			doctype="Customer",
			name=customer,
			tier=tier,
			reason=f"call for {tier}",
		)

	frappe.db.commit()
	rule_tier = customer_row(customer, "cp_priority_tier").cp_priority_tier  # this transaction's first look
	on_another_connection(lambda: override("First"))
	override("High")
	frappe.db.commit()
	moves = frappe.get_all(
		"Customer Tier Log",
		filters={"party": customer, "field": "Override"},
		fields=["old_value", "new_value"],
		order_by="creation asc, modified asc",
	)
	assert [(m.old_value, m.new_value) for m in moves] == [(rule_tier or "", "First"), ("First", "High")]
