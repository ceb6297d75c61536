"""A real RQ worker for one job: takes the named job off its queue and runs it as `bench worker` runs jobs (RQ's
worker calling Frappe's execute_job), so a test can SIGKILL it or drop its database connection half-way.

    cd sites && python one_job_worker.py SITE JOB_ID [CHUNK]

Only the named job is taken, never another site's. CHUNK, when given, makes the recompute write smaller chunks
(its module constant, set in this process only), so there is a "half-way" to kill it at.
"""

import sys

from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job

import frappe
from frappe.utils.background_jobs import get_job, get_redis_conn


def main(site: str, job_id: str, chunk: int | None) -> int:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	connection = get_redis_conn()
	try:
		job = Job.fetch(job_id, connection=connection)  # an id as RQ gave it
	except NoSuchJobError:
		job = get_job(job_id)  # an id the app chose, which Frappe prefixes with the site
	if job is None:
		print(f"no job {job_id}", flush=True)
		return 2
	queue = Queue(job.origin, connection=connection)
	queue.remove(job)
	frappe.destroy()
	if chunk:
		import customer_priority.standing.recompute

		customer_priority.standing.recompute.CHUNK = chunk
	worker = SimpleWorker([queue], connection=connection)
	worker.register_birth()
	print("running", flush=True)
	try:
		worker.execute_job(job, queue)
	finally:
		worker.register_death()
	job.refresh()
	print(job.get_status(), flush=True)
	return 0 if job.get_status() == "finished" else 1


if __name__ == "__main__":
	sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None))
