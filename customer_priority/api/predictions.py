"""Settings' "Retrain Now": the conversion models learned again in the background."""

from rq.job import JobStatus

import frappe
from frappe import _
from frappe.utils.background_jobs import get_job_status

from customer_priority.utils.permissions import require_manager

JOB_ID = "customer_priority::retrain_conversion"


@frappe.whitelist()
def start_retraining() -> str:
	require_manager()
	if get_job_status(JOB_ID) in (JobStatus.QUEUED, JobStatus.STARTED):
		return _("The models are already being trained; they will finish on their own.")
	frappe.enqueue(
		"customer_priority.requests.conversion.retrain_all",
		queue="long",
		job_id=JOB_ID,
		deduplicate=True,
		timeout=3600,
	)
	return _("Training started: the results appear under Conversion Model; you can leave this page.")
