"""The full recompute: every customer's standing from all submitted orders, one part of the customers at a time.

1. A first pass (``figures.take_figures``) reads every customer's totals, a part at a time (one GROUP BY over
   the part's orders on the app's covering index; the Reborn day and gross profit looked up again only for the
   customers whose orders or invoices moved since the last run), and takes from those numbers what any decision
   needs of the whole population: the ranking, the RFM cut-offs, the purchase models' fit.
2. Then each part in turn: its stored rows are read, the engine decides its customers as arrays
   (``bulk.decide_population`` against the population's figures, proved equal to the per-customer engine), and
   only the customers that changed are written back, in chunks: each chunk is bulk-inserted into a temporary
   table and applied with one UPDATE ... JOIN, with its log rows, and committed. The part is then dropped, so
   memory follows the size of a part, not of the population. A job killed half-way leaves every customer either
   fully old or fully new; running it again finishes the work.
3. Above the size set in Settings ("Fan out above"), the parts are written by the workers of the ``long`` queue
   in parallel instead (``fanout``), each part a job of its own, retried alone when it fails.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import cint, getdate, now_datetime

from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.data.settings import get_engine_settings
from customer_priority.standing import fanout, repair
from customer_priority.standing.decide import decide_part
from customer_priority.standing.figures import take_figures
from customer_priority.standing.steps import (
	LOCK,
	lock_is_free,
	lock_name,
	make_temporary_tables,
	publish_progress,
	record_run,
	write_part,
)
from customer_priority.standing.write import drop_temporary_tables

__all__ = ["CHUNK", "JOB_ID", "LOCK", "lock_is_free", "lock_name", "recompute_all"]

JOB_ID = "customer_priority_recompute"
CHUNK = 5000


def fan_out_wanted() -> bool:
	"""Whether the site has more customers than Settings' "Fan out above" (0: never fan out)."""
	above = cint(frappe.db.get_single_value(SETTINGS, "fan_out_above"))
	return above > 0 and frappe.db.count("Customer") > above


def recompute_all(
	source: str = "Scheduler",
	as_of: date | None = None,
	fail_after_chunks: int | None = None,
	fan_out: bool | None = None,
	part_size: int | None = None,
) -> dict:
	"""Recompute every customer. ``fan_out``: write the parts on the ``long`` queue's workers (None: when the site
	has more customers than Settings say). A fanned-out run still going is not started again: its failed parts,
	and those whose job was lost, are queued again, alone. ``fail_after_chunks`` simulates a job killed mid-way
	and ``part_size`` sets how many customers make a part (tests and benchmarks only)."""
	if not frappe.db.sql("select get_lock(%s, 0)", lock_name())[0][0]:
		return {"skipped": _("Another recompute holds the lock")}
	try:
		as_of = getdate(as_of) if as_of else getdate()
		going = fanout.unfinished()
		if going and going["as_of"] == str(as_of):
			return fanout.resume(going)
		if going:
			fanout.discard(going)  # left unfinished on an earlier day: this run takes every customer again
		started = now_datetime()
		settings = get_engine_settings()
		figures = take_figures(as_of, settings, regroup_all=source == "Manual", size=part_size)
		if (fan_out_wanted() if fan_out is None else fan_out) and figures.parts > 1:
			return fanout.start(figures, source, as_of, started, settings)
		result = _recompute(figures, source, as_of, started, settings, fail_after_chunks)
		if as_of == getdate():
			# An order submitted or cancelled while this ran may have been overwritten by the totals read at the
			# start: those customers are rebuilt from their orders before the lock is let go.
			repair.rebuild_customers(repair.out_of_step_since(started), source)
		return result
	finally:
		frappe.db.sql("select release_lock(%s)", lock_name())


def _recompute(figures, source: str, as_of: date, started, settings, fail_after_chunks) -> dict:
	make_temporary_tables()
	written = changes = 0
	chunks = [0]
	for number in range(figures.parts):
		everyone = decide_part(figures.part(number), as_of, settings)
		done = write_part(everyone, settings, as_of, source, started, CHUNK, chunks, fail_after_chunks)
		written, changes = written + done[0], changes + done[1]
		del everyone
		publish_progress(
			number + 1, figures.parts, _("{0} of {1} parts written").format(number + 1, figures.parts)
		)
	drop_temporary_tables()
	return record_run(
		figures.customers,
		figures.with_orders,
		written,
		changes,
		started,
		figures.record,
		settings.lapse_days,
		figures.plan.state,
		figures.predicted.state,
	)
