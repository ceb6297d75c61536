"""A recompute fanned out over the workers of the ``long`` queue: each part of the customers a job of its own.

The run's first pass (``figures.take_figures``) is taken where the run starts; each part's share of it (its
customers' totals, predictions and places in the ranking, with the population's cut-offs) goes into Redis, and
one job per part is queued with ``frappe.enqueue``. Any worker of the queue, on this host or another sharing the
site's Redis and database, reads its part's stored rows, decides them and writes them, as the recompute in one
process writes a part (``steps.write_part``). Nothing a part writes depends on another part.

Each part's status is kept with the run (Queued, Running, Done, Failed, with its attempts). A part that fails is
queued again, alone, up to ``MAX_ATTEMPTS`` times; a part whose worker died (its status Running while its lock,
held on the worker's database connection, is free) or whose job was lost is queued again by the next recompute
(the daily one, or "Recompute Now"), alone too: parts already written are never written again. The job that
writes the last part records the run in Settings, as the recompute in one process does at its end.
"""

from __future__ import annotations

import traceback
from datetime import date

import frappe
from frappe import _
from frappe.utils import get_datetime, getdate
from frappe.utils.background_jobs import get_job

from customer_priority.standing import repair
from customer_priority.standing.decide import decide_part
from customer_priority.standing.figures import Part
from customer_priority.standing.steps import (
	lock_is_free,
	lock_name,
	make_temporary_tables,
	publish_progress,
	record_run,
	write_part,
)
from customer_priority.standing.write import drop_temporary_tables

QUEUE = "long"
PART_JOB = "customer_priority.standing.fanout.run_part"
RUN = "customer_priority:fanout:run"
"""The run under way (or the last one, marked finished), in Redis."""
MAX_ATTEMPTS = 3
"""A part that fails is queued again at once until it has been tried this many times."""
KEEP_FOR = 2 * 24 * 3600
"""Seconds a run's record and its parts' figures stay in Redis."""
PART_TIMEOUT = 3600
CHUNK = 5000

QUEUED, RUNNING, DONE, FAILED = "Queued", "Running", "Done", "Failed"


def parts_key(run: str) -> str:
	return f"customer_priority:fanout:{run}:parts"


def figures_key(run: str, number: int) -> str:
	return f"customer_priority:fanout:{run}:figures:{number}"


def job_id(run: str, number: int, attempt: int) -> str:
	return f"customer_priority_recompute_part:{run}:{number}:{attempt}"


def unfinished() -> dict | None:
	"""The fanned-out run still under way, if any."""
	run = frappe.cache.get_value(RUN, expires=True)
	return run if run and not run.get("finished") else None


def statuses(run: str) -> dict[int, dict]:
	"""Each part's status: status, attempts, customers, written, changes, error."""
	return {int(number): status for number, status in frappe.cache.hgetall(parts_key(run)).items()}


def set_status(run: str, number: int, **status) -> None:
	frappe.cache.hset(parts_key(run), str(number), status)
	frappe.cache.expire(frappe.cache.make_key(parts_key(run)), KEEP_FOR)


def start(figures, source: str, as_of: date, started, settings) -> dict:
	"""Put each part's figures in Redis and queue one job per part."""
	run = frappe.generate_hash(length=12)
	meta = {
		"run": run,
		"as_of": str(as_of),
		"source": source,
		"started": str(started),
		"parts": figures.parts,
		"customers": figures.customers,
		"with_orders": figures.with_orders,
		"record": figures.record,
		"lapse_days": settings.lapse_days,
		"profit_state": figures.plan.state,
		"prediction_state": figures.predicted.state,
		"settings": settings,
	}
	for number in range(figures.parts):
		part = figures.part(number)
		frappe.cache.set_value(figures_key(run, number), part.to_bytes(), expires_in_sec=KEEP_FOR)
		set_status(run, number, status=QUEUED, attempts=0, customers=len(part.names))
	frappe.cache.set_value(RUN, meta, expires_in_sec=KEEP_FOR)
	publish_progress(0, figures.parts, _("{0} of {1} parts written").format(0, figures.parts))
	for number in range(figures.parts):
		enqueue_part(run, number, 1)
	return {"fanned_out": figures.parts, "run": run, "customers": figures.customers}


def enqueue_part(run: str, number: int, attempt: int) -> None:
	frappe.enqueue(
		PART_JOB,
		queue=QUEUE,
		timeout=PART_TIMEOUT,
		job_id=job_id(run, number, attempt),
		run=run,
		number=number,
	)


def run_part(run: str, number: int) -> dict | None:
	"""The job of one part: decide and write its customers, then queue again the parts that failed and, when every
	part is written, record the run."""
	meta = unfinished()
	if not meta or meta["run"] != run:
		return None  # a run since finished or replaced by a newer one
	if not frappe.db.sql("select get_lock(%s, 0)", lock_name(f"{run}:{number}"))[0][0]:
		return None  # the same part is being written by another worker
	try:
		status = statuses(run).get(number, {})
		if status.get("status") == DONE:
			return None
		attempts = int(status.get("attempts") or 0) + 1
		set_status(run, number, **{**status, "status": RUNNING, "attempts": attempts, "error": ""})
		try:
			written, changes = write_one(meta, number)
		except Exception:
			frappe.db.rollback()
			set_status(
				run,
				number,
				**{**status, "status": FAILED, "attempts": attempts, "error": traceback.format_exc(limit=5)},
			)
			retry_failed(run)
			raise
		set_status(
			run,
			number,
			**{**status, "status": DONE, "attempts": attempts, "written": written, "changes": changes},
		)
	finally:
		frappe.db.sql("select release_lock(%s)", lock_name(f"{run}:{number}"))
	advance(run)
	return {"written": written, "changes": changes}


def write_one(meta: dict, number: int) -> tuple[int, int]:
	blob = frappe.cache.get_value(figures_key(meta["run"], number), expires=True)
	if blob is None:
		frappe.throw(_("The figures of this part of the recompute are gone; the next recompute starts again"))
	settings, as_of = meta["settings"], getdate(meta["as_of"])
	everyone = decide_part(Part.from_bytes(blob), as_of, settings)
	make_temporary_tables()
	try:
		return write_part(everyone, settings, as_of, meta["source"], get_datetime(meta["started"]), CHUNK)
	finally:
		drop_temporary_tables()


def retry_failed(run: str) -> list[int]:
	"""Queue again the parts that failed and have attempts left."""
	again = []
	for number, status in statuses(run).items():
		if status.get("status") == FAILED and int(status.get("attempts") or 0) < MAX_ATTEMPTS:
			set_status(run, number, **{**status, "status": QUEUED})
			enqueue_part(run, number, int(status.get("attempts") or 0) + 1)
			again.append(number)
	return again


def advance(run: str) -> None:
	"""After a part: the progress, the failed parts queued again, and the run recorded once every part is
	written."""
	parts = statuses(run)
	done = sum(1 for status in parts.values() if status.get("status") == DONE)
	publish_progress(done, len(parts), _("{0} of {1} parts written").format(done, len(parts)))
	retry_failed(run)
	if done == len(parts):
		finish(run)


def finish(run: str) -> dict | None:
	"""Record the run in Settings (under the run's lock, once) when every part is written."""
	if not frappe.db.sql("select get_lock(%s, 30)", lock_name())[0][0]:
		return None  # another job records it, or a recompute is looking at the run: it finishes it
	try:
		meta = unfinished()
		if not meta or meta["run"] != run:
			return None
		parts = statuses(run)
		if len(parts) != meta["parts"] or any(s.get("status") != DONE for s in parts.values()):
			return None
		started = get_datetime(meta["started"])
		result = record_run(
			meta["customers"],
			meta["with_orders"],
			sum(int(s.get("written") or 0) for s in parts.values()),
			sum(int(s.get("changes") or 0) for s in parts.values()),
			started,
			meta["record"],
			meta["lapse_days"],
			meta["profit_state"],
			meta["prediction_state"],
		)
		frappe.cache.set_value(RUN, {**meta, "finished": result}, expires_in_sec=KEEP_FOR)
		frappe.cache.delete_value([figures_key(run, number) for number in range(meta["parts"])])
		if getdate(meta["as_of"]) == getdate():
			# As in one process: customers whose orders moved while the parts were written, rebuilt from them.
			repair.rebuild_customers(repair.out_of_step_since(started), meta["source"])
		return result
	finally:
		frappe.db.sql("select release_lock(%s)", lock_name())


def resume(meta: dict) -> dict:
	"""A recompute asked for while a fanned-out run is under way: the parts that failed, whose worker died or
	whose job was lost are queued again (alone: the others are left as they are), and the run recorded if every
	part is written already."""
	run = meta["run"]
	again = []
	for number, status in statuses(run).items():
		state = status.get("status")
		attempts = int(status.get("attempts") or 0)
		if state == RUNNING and lock_is_free(f"{run}:{number}"):
			dead = True  # its worker's connection, and the lock with it, is gone
		elif state == QUEUED:
			job = get_job(job_id(run, number, attempts + 1))
			dead = job is None or job.get_status() not in ("queued", "started", "deferred", "scheduled")
		else:
			dead = state == FAILED
		if dead:
			set_status(run, number, **{**status, "status": QUEUED})
			enqueue_part(run, number, attempts + 1)
			again.append(number)
	if not again and all(s.get("status") == DONE for s in statuses(run).values()):
		return finish(run) or {}
	return {"resumed": again, "run": run, "parts": meta["parts"]}


def discard(meta: dict) -> None:
	"""Forget a run left unfinished on an earlier day: a new run takes every customer again."""
	frappe.cache.delete_value(
		[RUN, parts_key(meta["run"]), *(figures_key(meta["run"], number) for number in range(meta["parts"]))]
	)
