"""The steps a recompute is made of, in one process or fanned out over workers: the lock, the progress bar,
writing one part of the customers, and the record a whole run leaves in Settings."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import date, datetime

import numpy as np

import frappe
from frappe import _

from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.engine.memory import paused_gc
from customer_priority.engine.pipeline import DecisionMemo
from customer_priority.standing import privileges
from customer_priority.standing.decide import Everyone, changed_mask, new_values
from customer_priority.standing.explain import changed_rows
from customer_priority.standing.log import write_log
from customer_priority.standing.write import (
	CHUNK_TABLE_BYTES,
	TEMPORARY_TABLES,
	WATCHED,
	drop_temporary_tables,
	result_statements,
	update_statement,
	watched_form,
	write_results,
)

LOCK = "customer_priority_recompute"
"""MariaDB's named locks are server-wide: each site's lock is named after its database (``lock_name``), so a
recompute on one site never makes another site's skip."""


def lock_name(part: str | None = None) -> str:
	"""The run's lock, or one part's (``part``: the run and the part's number)."""
	return f"{LOCK}:{frappe.conf.db_name}{f':{part}' if part else ''}"


def lock_is_free(part: str | None = None) -> bool:
	return bool(frappe.db.sql("select is_free_lock(%s)", lock_name(part))[0][0])


def publish_progress(done: int, total: int, description: str) -> None:
	"""Frappe's progress bar, on the Settings form of whoever has it open."""
	frappe.publish_progress(
		done * 100 / max(total, 1),
		title=_("Recomputing customer priority"),
		doctype=SETTINGS,
		docname=SETTINGS,
		description=description,
	)


def make_temporary_tables() -> None:
	drop_temporary_tables()
	frappe.db.sql(f"set session max_heap_table_size = {CHUNK_TABLE_BYTES}")
	for table, definition in TEMPORARY_TABLES.items():
		frappe.db.sql(f"create temporary table {table} {definition}")


class Interrupted(RuntimeError):
	"""A run stopped on purpose after some chunks (tests: a job killed half-way)."""


def write_part(
	everyone: Everyone,
	settings,
	as_of: date,
	source: str,
	started: datetime,
	chunk: int,
	chunks: list[int] | None = None,
	fail_after_chunks: int | None = None,
) -> tuple[int, int]:
	"""Write the customers of one decided part whose results changed, ``chunk`` at a time, each chunk with its log
	rows and committed: (customers written, changes logged). ``chunks`` counts the chunks written in the run so
	far (for ``fail_after_chunks``, which stops the run there as a killed job would). Needs the temporary tables
	(``make_temporary_tables``) on this connection."""
	stored, totals = everyone.stored, everyone.totals
	with paused_gc():
		values = new_values(stored, totals, everyone.decided, everyone.predicted)
		changed = np.flatnonzero(changed_mask(stored, totals["stored_days"], values))
	memo = DecisionMemo(settings)
	grants = privileges.in_use(settings)
	chunks = chunks if chunks is not None else [0]
	written = changes = 0

	def write_chunk(statements: list[str], log: list[dict], read: dict[str, tuple], count: int) -> None:
		# A customer an order hook (or an override) moved since this run read it keeps what that change wrote,
		# and its log is not written twice: the finishing pass rebuilds those whose orders moved.
		write_results(statements)
		if count and frappe.db.sql("select row_count()")[0][0] < count:
			moved = left_by_the_write(read, started)
			log = [entry for entry in log if entry.get("party") not in moved]
		write_log(log)
		frappe.db.commit()  # each chunk whole: a job killed later leaves these customers fully new

	# While the database writes one chunk, the next is built. Building reads no database unless levels grant
	# privileges (then each chunk is written before the next is built); one chunk is in flight at a time, in order,
	# and the job's connection is used by one thread at a time.
	with ThreadPoolExecutor(max_workers=1) as writer:
		in_flight = None
		try:
			for start in range(0, len(changed), chunk):
				if fail_after_chunks is not None and chunks[0] >= fail_after_chunks:
					raise Interrupted("recompute interrupted (simulated)")
				rows_of_chunk = changed[start : start + chunk]
				with paused_gc():
					rows, log = changed_rows(
						rows_of_chunk, everyone, values, settings, as_of, source, memo, grants
					)
					read = as_read(stored, rows_of_chunk)
					statements = result_statements(rows, read, started) if rows else []
				if in_flight:
					in_flight.result()
				if grants:
					write_chunk(statements, log, read, len(rows))
				else:
					in_flight = writer.submit(
						copy_context().run, write_chunk, statements, log, read, len(rows)
					)
				chunks[0] += 1
				written += len(rows)
				changes += len(log)
		finally:
			if in_flight:
				in_flight.result()  # a failure stops the job only once the chunk being written is whole
	return written, changes


def record_run(
	customers: int,
	with_orders: int,
	written: int,
	changes: int,
	started: datetime,
	population_record: dict,
	lapse_days: int,
	profit_state: dict,
	prediction_state: str,
) -> dict:
	"""What the stored values were computed with (the population's cut-offs and totals too), recorded only once
	every customer holds them: a run killed half-way leaves the last run's record whole, so the hooks keep deciding
	against it and the next run takes again every customer this one did not finish."""
	summary = _("{0} customers ranked from {1} with orders; {2} updated, {3} changes logged").format(
		customers, with_orders, written, changes
	)
	frappe.db.set_single_value(
		SETTINGS,
		{
			**population_record,
			"last_recompute_on": started,
			"last_recompute_summary": summary,
			"reborn_lapse_days": lapse_days,
			"profit_state": json.dumps(profit_state),
			"purchase_prediction_state": prediction_state,
		},
	)
	frappe.db.commit()
	publish_progress(1, 1, summary)
	frappe.get_doc(SETTINGS).notify_update()  # an open Settings form shows the new summary
	return {"customers": customers, "with_orders": with_orders, "updated": written, "changes": changes}


def as_read(stored: dict, rows) -> dict[str, tuple]:
	"""The ``WATCHED`` values of the given rows as the run read them, by customer."""
	picked = rows.tolist()
	columns = [[stored[column][r] for r in picked] for column in WATCHED]
	return dict(zip([stored["name"][r] for r in picked], zip(*columns, strict=True), strict=True))


def left_by_the_write(read: dict[str, tuple], ranked_on: datetime) -> set[str]:
	"""When a chunk's UPDATE wrote fewer customers than it holds: those it left because someone else moved them (or
	deleted them) since the run read them, checked again as the run compares values (``watched_form``), their rows
	locked until the chunk commits. Any the database's comparison left that did not move (a float it compares
	otherwise) is written now."""
	left = frappe.db.sql_list(
		"""select n.name from cp_recompute n left join `tabCustomer` c on c.name = n.name
		where c.name is null or not c.cp_ranked_on <=> %(ranked_on)s""",
		{"ranked_on": ranked_on},
	)
	if not left:
		return set()
	now = frappe.db.sql(
		f"select name, {', '.join(WATCHED)} from `tabCustomer` where name in %(names)s for update",
		{"names": tuple(left)},
	)
	unmoved = {row[0] for row in now if watched_form(row[1:]) == watched_form(read[row[0]])}
	if unmoved:
		frappe.db.sql(update_statement(ranked_on, "n.name in %(names)s"), {"names": tuple(unmoved)})
	return set(left) - unmoved
