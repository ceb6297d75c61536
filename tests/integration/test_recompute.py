"""The set-based recompute agrees with the hooks, survives being killed, and refuses to run twice at once."""

import random

import pytest

import frappe
from frappe.utils import add_days, flt, getdate
from frappe.utils.nestedset import get_root_of

from customer_priority.api.recompute import start_recompute
from customer_priority.standing import recompute
from customer_priority.standing.stored import AGGREGATE_FIELDS
from tests.integration.helpers import customer_row, make_customer, make_order

AGG = AGGREGATE_FIELDS


@pytest.fixture
def committed_customers():
	"""Recompute commits, so these tests commit their records and delete them afterwards."""
	made = []
	yield made
	frappe.db.rollback()
	for name in made:
		for so in frappe.get_all("Sales Order", filters={"customer": name}, fields=["name", "docstatus"]):
			if so.docstatus == 1:
				frappe.get_doc("Sales Order", so.name).cancel()
		frappe.db.delete(
			"Sales Order Item",
			{"parent": ("in", frappe.get_all("Sales Order", {"customer": name}, pluck="name") or [""])},
		)
		frappe.db.delete("Sales Order", {"customer": name})
		frappe.db.delete("Customer Tier Log", {"party": name})
		frappe.db.delete("Customer", name)
	frappe.db.commit()


def snapshot(names):
	return {
		n: tuple(str(v) if not isinstance(v, float) else round(v, 2) for v in customer_row(n, *AGG).values())
		for n in names
	}


def test_hooks_and_recompute_agree_after_random_submits_and_cancels(committed_customers):
	rng = random.Random(11)
	names = [make_customer() for _ in range(3)]
	committed_customers.extend(names)
	live = []
	for _step in range(14):
		if live and rng.random() < 0.3:
			live.pop(rng.randrange(len(live))).cancel()
		else:
			day = add_days(getdate(), -rng.choice([0, 3, 40, 200, 380, 420, 800]))
			live.append(make_order(rng.choice(names), rng.choice([100, 250.5, 1000]), day))
	frappe.db.commit()
	by_hooks = snapshot(names)
	recompute.recompute_all(source="Manual")
	assert snapshot(names) == by_hooks
	for name in names:
		row = customer_row(name, "cp_rank", "cp_abc_class", "cp_order_count")
		assert row.cp_rank > 0 and (row.cp_abc_class or row.cp_order_count == 0)


def test_recompute_finds_reborn_days_from_the_order_history_as_the_hooks_do(committed_customers):
	"""Orders 900, 850, 300 and 10 days ago: the latest return after a gap of more than a year is 300 days ago;
	a customer without such a gap has none. The recompute reads them from the history when it rebuilds."""
	reborn, steady = make_customer(), make_customer()
	committed_customers.extend([reborn, steady])
	for days_ago in (900, 850, 300, 10):
		make_order(reborn, 100, add_days(getdate(), -days_ago))
	for days_ago in (500, 300, 100):
		make_order(steady, 100, add_days(getdate(), -days_ago))
	frappe.db.commit()
	by_hooks = snapshot([reborn, steady])
	assert customer_row(reborn, "cp_reborn_on").cp_reborn_on == add_days(getdate(), -300)
	frappe.db.sql(
		"update tabCustomer set cp_order_count = 0, cp_reborn_on = null where name in %s", [(reborn, steady)]
	)
	frappe.db.commit()
	recompute.recompute_all(source="Manual")
	assert snapshot([reborn, steady]) == by_hooks
	assert customer_row(steady, "cp_reborn_on").cp_reborn_on is None


def test_killed_recompute_leaves_customers_whole_and_a_rerun_finishes(committed_customers, monkeypatch):
	names = [make_customer() for _ in range(3)]
	committed_customers.extend(names)
	for i, name in enumerate(names):
		make_order(name, 100 * (i + 1))
	frappe.db.commit()
	frappe.db.sql("update tabCustomer set cp_rank = 0, cp_ranked_on = null where name in %s", [tuple(names)])
	frappe.db.commit()
	last_run = population_record()
	monkeypatch.setattr(recompute, "CHUNK", 1)
	with pytest.raises(RuntimeError):
		recompute.recompute_all(source="Manual", fail_after_chunks=1)
	frappe.db.rollback()
	frappe.db.sql("select release_lock(%s)", recompute.lock_name())
	rows = [customer_row(n, "cp_rank", "cp_ranked_on", "cp_abc_class") for n in names]
	for row in rows:
		assert (row.cp_rank and row.cp_ranked_on and row.cp_abc_class) or (
			not row.cp_rank and not row.cp_ranked_on
		)
	# The population's cut-offs and totals stay the last whole run's, in step with its record.
	assert population_record() == last_run
	monkeypatch.setattr(recompute, "CHUNK", 5000)
	recompute.recompute_all(source="Manual")
	assert all(customer_row(n, "cp_rank").cp_rank for n in names)
	assert population_record() != last_run  # the three new buyers moved them


def test_a_customer_moved_after_the_run_read_it_keeps_what_moved_it(committed_customers, monkeypatch):
	"""A customer marked a key account by hand after the run read it, before its chunk is written: the run leaves
	that customer as the mark left it and writes the others of the chunk."""
	from customer_priority.standing import steps
	from customer_priority.utils.sql import literal

	marked, other = make_customer(), make_customer()
	committed_customers.extend([marked, other])
	make_order(marked, 300)
	make_order(other, 200)
	frappe.db.commit()
	frappe.db.sql("update tabCustomer set cp_rank = 0 where name in %s", [(marked, other)])
	frappe.db.commit()
	by_hand = 1 - customer_row(marked, "cp_key_account").cp_key_account
	write_results = steps.write_results

	def marked_in_between(statements):
		if any(literal(marked) in statement for statement in statements):  # the chunk that holds it
			frappe.db.sql("update tabCustomer set cp_key_account = %s where name = %s", (by_hand, marked))
		write_results(statements)

	monkeypatch.setattr(steps, "write_results", marked_in_between)
	recompute.recompute_all(source="Manual")
	frappe.db.rollback()
	assert customer_row(marked, "cp_key_account", "cp_rank") == {"cp_key_account": by_hand, "cp_rank": 0}
	assert customer_row(other, "cp_rank").cp_rank > 0


def test_customers_the_databases_comparison_leaves_but_no_one_moved_are_written(
	committed_customers, monkeypatch
):
	"""A chunk's UPDATE writes only the customers whose watched values it finds as the run read them; any it leaves
	is checked again as the run compares values, and written when no one moved it: with the database's comparison
	failing for every customer, the run still writes each one."""
	from customer_priority.standing import write

	names = [make_customer(), make_customer()]
	committed_customers.extend(names)
	for name, amount in zip(names, (300, 200), strict=True):
		make_order(name, amount)
	frappe.db.commit()
	frappe.db.sql("update tabCustomer set cp_rank = 0 where name in %s", [tuple(names)])
	frappe.db.commit()
	monkeypatch.setattr(write, "unmoved", lambda: "1 = 0")
	recompute.recompute_all(source="Manual")
	frappe.db.rollback()
	assert all(customer_row(name, "cp_rank").cp_rank > 0 for name in names)


def population_record() -> dict:
	frappe.db.rollback()
	return dict(
		frappe.db.sql(
			"""select field, value from tabSingles where doctype = 'Customer Priority Settings'
			and field in ('rfm_cutoffs', 'ranking_totals', 'last_recompute_on')"""
		)
	)


def test_second_recompute_is_refused_while_one_runs():
	other = frappe.db.__class__  # a second connection holds the lock as a running job would
	from frappe.database import get_db

	second = get_db(host=frappe.conf.db_host, user=frappe.conf.db_name, password=frappe.conf.db_password)
	second.connect()
	try:
		assert second.sql("select get_lock(%s, 0)", recompute.lock_name())[0][0] == 1
		assert "skipped" in recompute.recompute_all(source="Manual")
	finally:
		second.sql("select release_lock(%s)", recompute.lock_name())
		second.close()
	assert other


def test_start_recompute_needs_a_manager_and_queues_once():
	from tests.integration.helpers import make_user

	make_user("cp-sales-user@example.com", ["Sales User"])
	frappe.set_user("cp-sales-user@example.com")
	with pytest.raises(frappe.PermissionError):
		start_recompute()


def test_review_todo_for_a_key_account_due():
	from customer_priority.standing.reviews import MARKER, create_review_todos

	customer = make_customer(account_manager="Administrator")
	frappe.db.set_value(
		"Customer", customer, {"cp_key_account": 1, "cp_next_review_date": add_days(getdate(), -1)}
	)
	create_review_todos()
	create_review_todos()  # once per due review, not once per run
	todos = frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Customer",
			"reference_name": customer,
			"description": ("like", f"%{MARKER}%"),
		},
	)
	assert len(todos) == 1


def test_concurrent_submits_for_one_customer_lose_nothing(committed_customers):
	"""Two sessions submit orders for the same customer at once: the row lock queues them, no update is lost."""
	import threading

	customer = make_customer()
	committed_customers.append(customer)
	drafts = [make_order(customer, 100 * (i + 1), submit=False).name for i in range(4)]
	frappe.db.commit()
	site, sites_path = frappe.local.site, frappe.local.sites_path
	errors: list[BaseException] = []
	barrier = threading.Barrier(2)

	def submit(names):
		frappe.init(site=site, sites_path=sites_path)
		frappe.connect()
		frappe.set_user("Administrator")
		try:
			barrier.wait()
			for name in names:
				frappe.get_doc("Sales Order", name).submit()
				frappe.db.commit()
		except BaseException as exc:
			errors.append(exc)
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=submit, args=(drafts[i::2],)) for i in range(2)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(120)
	assert not errors, errors
	frappe.db.rollback()
	row = customer_row(customer, "cp_lifetime_value", "cp_order_count")
	assert (flt(row.cp_lifetime_value), row.cp_order_count) == (1000, 4)


def drop_queued_recompute():
	from frappe.utils.background_jobs import get_queue

	for job in get_queue("long").jobs:
		if job.id.endswith(recompute.JOB_ID):
			job.cancel()
			job.delete()


def test_recompute_now_queues_once():
	drop_queued_recompute()  # no worker runs here: a job queued earlier would still be waiting
	try:
		assert "started" in start_recompute().lower()
		assert "already running" in start_recompute().lower()
	finally:
		drop_queued_recompute()


def test_the_ranking_default_view_is_the_stored_ranking_and_equals_the_computed_one(committed_customers):
	from customer_priority.customer_priority.report.customer_ranking import customer_ranking

	names = [make_customer() for _ in range(4)]
	committed_customers.extend(names)
	for name, value in zip(names, (4000, 2500, 2500, 10), strict=True):
		make_order(name, value)
	frappe.db.commit()
	recompute.recompute_all(source="Manual")
	_c, stored, _m, _chart, stored_summary = customer_ranking.execute({"top": 0})
	# The root customer group narrows nothing, but sends the report down the computing path over the orders (of
	# every company Settings count, however many the site has).
	everyone = get_root_of("Customer Group")
	_c, computed, _m, _chart, computed_summary = customer_ranking.execute(
		{"top": 0, "customer_group": everyone}
	)
	fields = ("rank", "customer", "value", "abc_class", "orders")
	assert [tuple(r[f] for f in fields) for r in stored] == [tuple(r[f] for f in fields) for r in computed]
	assert [round(r["cumulative_share"], 6) for r in stored] == [
		round(r["cumulative_share"], 6) for r in computed
	]
	assert [c["value"] for c in stored_summary] == [c["value"] for c in computed_summary]
	positions = [r["customer"] for r in stored]
	assert positions.index(names[0]) < positions.index(names[1]) < positions.index(names[3])
	assert [r["rank"] for r in stored] == sorted(r["rank"] for r in stored)


@pytest.fixture
def no_commit(monkeypatch):
	"""The recompute inside the test's transaction, rolled back afterwards (its temporary tables commit nothing)."""
	monkeypatch.setattr(frappe.db, "commit", lambda *args, **kwargs: None)
	monkeypatch.setattr(frappe.db, "check_implicit_commit", lambda *args, **kwargs: None)


def stored_reasons() -> dict[str, tuple]:
	return {
		row[0]: tuple(row[1:])
		for row in frappe.db.sql("select name, cp_tier_reason, cp_tier_reason_data from `tabCustomer`")
	}


def test_first_standings_get_the_reasons_the_per_customer_engine_gives(no_commit, monkeypatch):
	"""The first recompute after install asks the reference once per distinct set of facts; a later one asks it
	for each changed customer. Both write the same reasons."""
	from customer_priority.engine import columnar
	from customer_priority.standing import explain

	rng = random.Random(5)
	for _customer in range(6):
		name = make_customer()
		for _order in range(rng.randint(1, 4)):
			make_order(name, rng.choice([80, 900, 12000]), add_days(getdate(), -rng.randint(0, 500)))
	frappe.db.sql(
		"update `tabCustomer` set cp_priority_tier = null, cp_tier_reason = null, cp_tier_reason_data = null"
	)
	asked = []
	monkeypatch.setattr(
		explain,
		"tier_reasons",
		lambda *args, **kwargs: asked.append(1) or columnar.tier_reasons(*args, **kwargs),
	)
	recompute.recompute_all(source="Manual")
	assert asked, "the first standings took the columnar reasons"
	first = stored_reasons()
	assert all(text for text, _data in first.values())
	# Every customer now has a standing: a changed value sends each through the per-customer reference.
	frappe.db.sql("update `tabCustomer` set cp_points = cp_points + 1, cp_tier_reason = null")
	recompute.recompute_all(source="Manual")
	assert stored_reasons() == first


def test_a_decimal_stored_on_a_rounding_edge_is_not_written_again_every_day():
	"""A value stored as 0.0021625 (nine places ending in 500) and decided again as 0.00216250016 is the same
	value: rounded to six places each they differ, and the customer was written again on every run."""
	import numpy as np

	from customer_priority.standing.decide import changed_mask
	from customer_priority.standing.stored import COMPARED, DAY_COLUMNS, DECIMAL_COLUMNS

	whole = ("cp_rank", "cp_order_count", "cp_window_order_count", "cp_key_account", "cp_at_risk")
	stored = {"name": ["edge", "moved"]}
	values = {}
	for column in COMPARED:
		if column in DECIMAL_COLUMNS:
			stored[column], values[column] = ["1.5", "1.5"], np.array([1.5, 1.5])
		elif column in DAY_COLUMNS or column in whole:
			stored[column], values[column] = [3, 3], np.array([3, 3], dtype=np.int64)
		else:
			stored[column], values[column] = ["A", "A"], np.array(["A", "A"], dtype=object)
	days = {column: np.array([3, 3], dtype=np.int64) for column in DAY_COLUMNS}
	stored["cp_expected_orders"] = ["0.0021625", "0.0021625"]
	values["cp_expected_orders"] = np.array([0.002162500156367539, 0.0021635])

	assert changed_mask(stored, days, values).tolist() == [False, True]


def test_histories_read_each_buying_day_once_with_the_totals_of_every_order():
	"""Three orders on one day and one on another are two buying days (the day's value their sum) for the Reborn
	day and the purchase models, and still four orders in the totals, equal to the per-order GROUP BY."""
	from customer_priority.data import purchases
	from customer_priority.data.settings import get_engine_settings
	from customer_priority.engine.history import window_start

	customer = make_customer()
	for amount in (100, 200, 300):
		make_order(customer, amount, add_days(getdate(), -40))
	make_order(customer, 50, add_days(getdate(), -400))
	counted, settings = purchases.current(), get_engine_settings()
	window = (window_start(getdate(), settings), getdate())
	found = purchases.histories(counted, window, (customer, customer))

	assert found.customers == [customer]
	assert found.day_counts.tolist() == [2]
	assert found.days.tolist() == [
		add_days(getdate(), -400).toordinal(),
		add_days(getdate(), -40).toordinal(),
	]
	assert [round(v, 2) for v in found.values.tolist()] == [50.0, 600.0]
	# Against the totals of every single order, summed with no day in between.
	(by_order,) = frappe.db.sql(
		"""select sum(base_net_total), count(*), sum(if(transaction_date between %(start)s and %(end)s,
			base_net_total, 0)), sum(transaction_date between %(start)s and %(end)s),
			to_days(min(transaction_date)) - 365, to_days(max(transaction_date)) - 365
		from `tabSales Order` where docstatus = 1 and customer = %(customer)s""",
		{"customer": customer, "start": window[0], "end": window[1]},
	)
	assert (found.lifetime[0], found.count[0], found.window[0], found.window_count[0]) == (
		flt(by_order[0]),
		by_order[1],
		flt(by_order[2]),
		by_order[3],
	)
	assert (found.first[0], found.last[0]) == (by_order[4], by_order[5])
	frappe.db.rollback()


def test_histories_read_in_parts_equal_one_read(monkeypatch):
	"""Many customers' histories are read a part of the customers at a time (one GROUP BY of a million customers'
	days spills to disk): joined, the parts are the one read, for the customers asked for only."""
	from customer_priority.data import purchases

	names = [make_customer() for _ in range(3)]
	for day, (name, amount) in enumerate(zip(names, (100, 200, 300), strict=True)):
		make_order(name, amount, add_days(getdate(), -10 - day))
		make_order(name, amount, add_days(getdate(), -200 - day))
	counted, window = purchases.current(), (add_days(getdate(), -90), getdate())
	everyone = frappe.db.sql_list("select name from `tabCustomer` order by name")
	asked = [name for name in everyone if name != names[1]]
	whole = purchases.histories(counted, window).only(set(asked))
	monkeypatch.setattr(purchases, "HISTORY_PART", len(everyone) // 3 + 1)  # three parts or four
	parts = purchases.histories_of(counted, window, asked)

	assert parts.customers == whole.customers
	assert names[0] in parts.customers and names[1] not in parts.customers
	for column in (*purchases.PER_CUSTOMER, "days", "values"):
		assert getattr(parts, column).tolist() == getattr(whole, column).tolist(), column
	frappe.db.rollback()


def test_reborn_days_from_the_buying_days_alone_equal_the_histories(monkeypatch):
	"""A new lapse period's preview reads only the buying days (``purchases.every_reborn_day``, a part of the
	customers at a time): each customer's Reborn day is the one the recompute's histories give, with two orders on
	one day counted as one buying day."""
	from customer_priority.data import purchases

	back = [
		(700, 690, 300, 250),
		(400, 400, 20),
		(50,),
	]  # a Reborn day, one after a day with two orders, none
	names = [make_customer() for _ in back]
	for name, days in zip(names, back, strict=True):
		for ago in days:
			make_order(name, 100, add_days(getdate(), -ago))
	counted, lapse = purchases.current(), 200
	whole = purchases.histories(counted, (getdate(), getdate()))
	expected = dict(zip(whole.customers, whole.reborn(lapse).tolist(), strict=True))
	monkeypatch.setattr(purchases, "HISTORY_PART", 2)  # a part of two buyers, each starting after the last
	buyers, reborn = purchases.every_reborn_day(counted, lapse)

	assert (buyers, reborn.tolist()) == (whole.customers, whole.reborn(lapse).tolist())
	assert [expected[name] for name in names] == [
		add_days(getdate(), -300).toordinal(),
		add_days(getdate(), -20).toordinal(),
		0,
	]
	assert purchases.reborn_dates(counted, lapse, names) == {
		names[0]: add_days(getdate(), -300),
		names[1]: add_days(getdate(), -20),
	}
	frappe.db.rollback()


def test_a_run_no_one_moves_writes_each_chunk_with_its_one_update(committed_customers, monkeypatch):
	"""No customer moved under the run, customers with no standing yet among them (their columns as after install):
	each chunk's UPDATE writes every customer it holds, and no customer is looked at again."""
	from customer_priority.standing import steps
	from customer_priority.standing.stored import RESULT_COLUMNS

	names = [make_customer(), make_customer()]
	committed_customers.extend(names)
	make_order(names[0], 300)
	frappe.db.commit()
	defaults = ", ".join(f"`{column}` = default(`{column}`)" for column in RESULT_COLUMNS)
	frappe.db.sql(f"update tabCustomer set {defaults} where name in %s", [tuple(names)])  # as after install
	frappe.db.commit()
	looked_again = []
	monkeypatch.setattr(
		steps, "left_by_the_write", lambda read, ranked_on: looked_again.append(read) or set()
	)
	recompute.recompute_all(source="Manual")
	frappe.db.rollback()
	assert looked_again == []
	assert customer_row(names[0], "cp_rank").cp_rank > 0
