"""Settings' (and Customer Ranking's) "Recompute Now"."""

from rq.job import JobStatus

import frappe
from frappe import _
from frappe.utils.background_jobs import get_job, get_job_status

from customer_priority.standing.recompute import JOB_ID, lock_is_free
from customer_priority.utils.permissions import require_manager


@frappe.whitelist()
def start_recompute() -> str:
	"""Settings' "Recompute Now": queue the job unless one is queued or running."""
	require_manager()
	status = get_job_status(JOB_ID)
	if status == JobStatus.STARTED and lock_is_free():
		# Its worker died (killed, out of memory) without telling RQ, which would keep it "started" for an hour;
		# MariaDB released the lock with the worker's connection, so nothing is running.
		get_job(JOB_ID).delete()
	elif status in (JobStatus.QUEUED, JobStatus.STARTED):
		return _("A recompute is already running; it will finish on its own.")
	frappe.enqueue(
		"customer_priority.standing.recompute.recompute_all",
		queue="long",
		job_id=JOB_ID,
		deduplicate=True,
		timeout=3600,
		source="Manual",
	)
	return _("Recompute started: progress is shown here; you can leave this page.")
