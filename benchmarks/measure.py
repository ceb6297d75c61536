"""Timing helpers and the database's own floor, shared by the benchmark scripts that run on a site."""

from __future__ import annotations

import math
import resource
import sys
import time
from pathlib import Path

import frappe

from benchmarks.timing import best, write_section  # noqa: F401 (the scripts on a site write through here)


def once(fn) -> tuple[float, object]:
	started = time.perf_counter()
	result = fn()
	return time.perf_counter() - started, result


def rss_mb() -> float:
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settle(seconds: float = 300, patience: float = 5) -> None:
	"""Wait until InnoDB has written back the pages the last step left dirty (a few seconds after a 100,000-row
	update) and purged the old versions of rows it deleted (a minute or more after removing a million invoices),
	so that no measure pays for the step before it.

	It stops waiting when neither count has fallen for `patience` seconds: another connection's open snapshot
	holds the purge back, or a small buffer pool keeps its dirty pages, and waiting longer would change nothing."""
	frappe.db.commit()  # this connection's own open snapshot would hold the purge back
	started = last_progress = time.monotonic()
	lowest = (math.inf, math.inf)  # the fewest dirty pages and the shortest history list seen
	while True:
		status = {
			name: int(value)
			for name, value in frappe.db.sql(
				"""show global status where Variable_name in ('Innodb_buffer_pool_pages_dirty',
				'Innodb_buffer_pool_pages_total', 'Innodb_history_list_length')"""
			)
		}
		dirty = status.get("Innodb_buffer_pool_pages_dirty", 0)
		history = status.get("Innodb_history_list_length", 0)
		# InnoDB leaves some pages dirty for later on purpose: 2% of the pool counts as written back.
		if dirty <= 0.02 * status.get("Innodb_buffer_pool_pages_total", 0) and history < 1000:
			return
		now = time.monotonic()
		if dirty < lowest[0] or history < lowest[1]:
			lowest = (min(dirty, lowest[0]), min(history, lowest[1]))
			last_progress = now
		if now - last_progress >= patience or now - started >= seconds:
			print(
				f"the database did not settle ({dirty} dirty pages, history list {history}); measuring anyway",
				file=sys.stderr,
			)
			return
		time.sleep(1)


def floor() -> tuple[float, float]:
	"""The database's own floor: the bare per-customer GROUP BY, and a bare insert-select plus an UPDATE ... JOIN
	writing one column of every customer (rolled back), on a settled database."""
	settle()
	group_by = best(
		lambda: frappe.db.sql(
			"""select customer, sum(base_net_total), count(*), min(transaction_date), max(transaction_date)
			from `tabSales Order` where docstatus = 1 group by customer"""
		)
	)
	return group_by, bare_write(["cp_points"])


def bare_write(columns: list[str]) -> float:
	"""A bare insert-select of the given Customer columns into a temporary table and an UPDATE ... JOIN writing
	them all back to every customer, each row changed (rolled back): best of 3."""
	from customer_priority.standing.stored import RESULT_COLUMNS

	frappe.db.sql("drop temporary table if exists cp_floor")
	frappe.db.sql(
		"create temporary table cp_floor (name varchar(140) primary key, {})".format(
			", ".join(f"`{c}` {RESULT_COLUMNS[c]}" for c in columns)
		)
	)
	names = ", ".join(f"`{c}`" for c in columns)
	changed = ", ".join(
		f"c.`{c}` = f.`{c}` + 1" if c == "cp_points" else f"c.`{c}` = f.`{c}`" for c in columns
	)

	def write():
		frappe.db.sql(f"insert into cp_floor (name, {names}) select name, {names} from `tabCustomer`")
		frappe.db.sql(f"update `tabCustomer` c join cp_floor f on c.name = f.name set {changed}")
		frappe.db.rollback()

	took = best(write)
	frappe.db.sql("drop temporary table if exists cp_floor")
	return took


def another_year() -> tuple:
	"""A year that is not the Customer Ranking's default view (it ends a month ago), so the report groups the
	orders itself."""
	from frappe.utils import add_days, getdate

	to_date = add_days(getdate(), -30)
	return add_days(to_date, -364), to_date


def sales_analytics_year(from_date, to_date) -> float:
	"""ERPNext's Sales Analytics for a year (Customer, Sales Order, Value, Monthly), timed once: the baseline of the
	Customer Ranking for another period."""
	from erpnext.selling.report.sales_analytics import sales_analytics

	filters = frappe._dict(
		tree_type="Customer",
		doc_type="Sales Order",
		value_quantity="Value",
		range="Monthly",
		from_date=from_date,
		to_date=to_date,
		company=frappe.db.get_value("Company", {}, "name"),
	)
	return best(lambda: sales_analytics.execute(filters), rounds=1)


def results_path(argv: list[str]) -> Path:
	"""Where a benchmark writes its figures: ``--out FILE``, or benchmarks/RESULTS.md."""
	if "--out" in argv:
		return Path(argv[argv.index("--out") + 1])
	return Path(__file__).resolve().parent / "RESULTS.md"


def keep_sections(path: Path, head: str) -> None:
	"""Write the main part of a results file and keep the sections other scripts wrote after it."""
	text = path.read_text() if path.exists() else ""
	at = text.find("\n## ")
	path.write_text(head.rstrip("\n") + "\n" + (text[at:] if at >= 0 else ""))
