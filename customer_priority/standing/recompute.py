"""The full recompute: every customer's standing from all submitted orders, in a few set-based statements.

1. One GROUP BY over submitted orders (served by the app's covering index). The Reborn day and gross profit are
   looked up again only for the customers whose orders or invoices moved since the last run.
2. The engine decides for the whole population as arrays (``bulk.decide_population``, proved equal to the
   per-customer engine), and the results are compared with what is stored.
3. Only the customers that changed are written back, in chunks: each chunk is bulk-inserted into a temporary
   table and applied with one UPDATE ... JOIN, with its log rows, and committed. A job killed half-way leaves
   every customer either fully old or fully new; running it again finishes the work.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import date

import numpy as np

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate, now_datetime

from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.memory import paused_gc
from customer_priority.engine.pipeline import DecisionMemo
from customer_priority.standing import privileges, repair
from customer_priority.standing.decide import changed_mask, decide_everyone, new_values
from customer_priority.standing.explain import changed_rows
from customer_priority.standing.log import write_log
from customer_priority.standing.write import (
	TEMPORARY_TABLES,
	drop_temporary_tables,
	result_statements,
	write_results,
)

JOB_ID = "customer_priority_recompute"
LOCK = "customer_priority_recompute"
"""MariaDB's named locks are server-wide: each site's lock is named after its database (``lock_name``), so a
recompute on one site never makes another site's skip."""
CHUNK = 5000


def lock_is_free() -> bool:
	return bool(frappe.db.sql("select is_free_lock(%s)", lock_name())[0][0])


def lock_name() -> str:
	return f"{LOCK}:{frappe.conf.db_name}"


def publish_progress(done: int, total: int, description: str) -> None:
	"""Frappe's progress bar, on the Settings form of whoever has it open."""
	frappe.publish_progress(
		done * 100 / total,
		title=_("Recomputing customer priority"),
		doctype=SETTINGS,
		docname=SETTINGS,
		description=description,
	)


def recompute_all(
	source: str = "Scheduler",
	as_of: date | None = None,
	fail_after_chunks: int | None = None,
) -> dict:
	"""Recompute every customer. ``fail_after_chunks`` simulates a job killed mid-way (tests only)."""
	if not frappe.db.sql("select get_lock(%s, 0)", lock_name())[0][0]:
		return {"skipped": _("Another recompute holds the lock")}
	try:
		started = now_datetime()
		result = _recompute(source, as_of or getdate(), fail_after_chunks)
		if not as_of or getdate(as_of) == getdate():
			# An order submitted or cancelled while this ran may have been overwritten by the totals read at the
			# start: those customers are rebuilt from their orders before the lock is let go.
			repair.rebuild_customers(repair.out_of_step_since(started), source)
		return result
	finally:
		frappe.db.sql("select release_lock(%s)", lock_name())


def _recompute(source: str, as_of: date, fail_after_chunks) -> dict:
	settings = get_engine_settings()
	started = now_datetime()
	with paused_gc():
		everyone = decide_everyone(as_of, settings, regroup_all=source == "Manual")
		stored, totals, decided = everyone.stored, everyone.totals, everyone.decided
		values = new_values(stored, totals, decided, everyone.predicted)
		changed = np.flatnonzero(changed_mask(stored, totals["stored_days"], values))
	total, changed_count, written = len(stored["name"]), 0, 0
	drop_temporary_tables()
	for table, definition in TEMPORARY_TABLES.items():
		frappe.db.sql(f"create temporary table {table} ({definition})")
	memo = DecisionMemo(settings)
	grants = privileges.in_use(settings)

	def write_chunk(statements: list[str], log: list[dict], done: int, seen: dict[str, tuple]) -> None:
		# A customer an order hook (or an override) moved since this run read it keeps what that change wrote,
		# and its log is not written twice: the finishing pass rebuilds those whose orders moved.
		moved = moved_since_read(seen)
		if moved:
			skip = "delete from cp_recompute where name in %(moved)s"
			statements = [*statements[:-1], frappe.db.mogrify(skip, {"moved": tuple(moved)}), statements[-1]]
			log = [entry for entry in log if entry.get("party") not in moved]
		write_results(statements)
		write_log(log)
		frappe.db.commit()  # each chunk whole: a job killed later leaves these customers fully new
		publish_progress(done, len(changed), _("{0} of {1} changed customers").format(done, len(changed)))

	# While the database writes one chunk, the next is built. Building reads no database unless levels grant
	# privileges (then each chunk is written before the next is built); one chunk is in flight at a time, in order,
	# and the job's connection is used by one thread at a time.
	with ThreadPoolExecutor(max_workers=1) as writer:
		in_flight = None
		try:
			for chunk_no, start in enumerate(range(0, len(changed), CHUNK)):
				if fail_after_chunks is not None and chunk_no >= fail_after_chunks:
					raise RuntimeError("recompute interrupted (simulated)")
				chunk = changed[start : start + CHUNK]
				with paused_gc():
					rows, log = changed_rows(chunk, everyone, values, settings, as_of, source, memo, grants)
					statements = result_statements(rows, started) if rows else []
					seen = as_read(stored, chunk)
				if in_flight:
					in_flight.result()
				done = min(start + CHUNK, len(changed))
				if grants:
					write_chunk(statements, log, done, seen)
				else:
					in_flight = writer.submit(copy_context().run, write_chunk, statements, log, done, seen)
				written += len(rows)
				changed_count += len(log)
		finally:
			if in_flight:
				in_flight.result()  # a failure stops the job only once the chunk being written is whole
	drop_temporary_tables()
	with_orders = int((totals["count"] > 0).sum())
	summary = _("{0} customers ranked from {1} with orders; {2} updated, {3} changes logged").format(
		total, with_orders, written, changed_count
	)
	# What the stored values were computed with (the population's cut-offs and totals too) is recorded only now that
	# every customer holds them: a job killed half-way leaves the last run's record whole, so the hooks keep deciding
	# against it and the next run takes again every customer this one did not finish.
	frappe.db.set_single_value(
		SETTINGS,
		{
			**everyone.population_record,
			"last_recompute_on": started,
			"last_recompute_summary": summary,
			"reborn_lapse_days": settings.lapse_days,
			"profit_state": json.dumps(totals["profit_state"]),
			"purchase_prediction_state": everyone.predicted.state,
		},
	)
	frappe.db.commit()
	publish_progress(1, 1, summary)
	frappe.get_doc(SETTINGS).notify_update()  # an open Settings form shows the new summary
	return {"customers": total, "with_orders": with_orders, "updated": written, "changes": changed_count}


WATCHED = ("cp_order_count", "cp_lifetime_value", "cp_priority_tier", "cp_level", "cp_key_account")
"""What every order hook, override or mark by hand changes on a customer: if any moved, someone else wrote it."""


def watched_form(values) -> tuple:
	count, lifetime, tier, level, key = values
	return (cint(count), round(flt(lifetime), 6), tier or "", level or "", cint(key))


def as_read(stored: dict, rows) -> dict[str, tuple]:
	return {stored["name"][r]: watched_form([stored[c][r] for c in WATCHED]) for r in rows.tolist()}


def moved_since_read(seen: dict[str, tuple]) -> set[str]:
	"""The chunk's customers whose watched values are no longer what the run read, their rows locked until the
	chunk commits (so no hook can move them between this look and the write)."""
	if not seen:
		return set()
	now = frappe.db.sql(
		f"select name, {', '.join(WATCHED)} from `tabCustomer` where name in %(names)s for update",
		{"names": tuple(seen)},
	)
	return {row[0] for row in now if watched_form(row[1:]) != seen.get(row[0])}
