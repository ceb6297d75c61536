"""What the database alone needs to write a first standing: every column a recompute stores, written onto customers
that hold none, from a table that already holds the values (no Python, no decision, no log), against the floor's
bare write of one column, measured in the same run on a settled database; and the database's whole part of writing
a first run, replayed without Python.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/write_floor.py SITE [CUSTOMERS ORDERS [--keep]] [--out FILE]

On the site's data set (``dataset.ensure`` of CUSTOMERS and ORDERS when given: made, and removed at the end unless
``--keep``, when the site does not hold it), a recompute first when it holds no standing: the stored columns are
copied into a temporary table, then, three times in turn, the standing is forgotten (``dataset.forget_standing``)
and written back from the copy in one UPDATE ... JOIN.

Then a first recompute runs once with every statement it sends to write its results kept in a file, chunk by chunk,
and, the standing forgotten again, those statements are sent once more as the run sends them (each chunk's
statements, its ``row_count()`` and its commit) with nothing else to do: the time the database itself takes to take
in and write a first standing, which no change in Python can shorten. When the site has submitted invoices, the
gross-profit pass over every invoice's items is timed too (best of 3). Together with the floor's GROUP BY (the run
reads every order at least once) they give the least a first recompute can take on one connection.

The data set ends with the standing it had. Writes the section "What the database alone needs to write a first
standing" of benchmarks/RESULTS.md (or FILE).
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
from benchmarks.measure import best as best_of  # noqa: E402
from benchmarks.measure import floor, results_path, settle, write_section  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
SITE = args[0] if args else "cp-test.localhost"
SIZE = (int(args[1]), int(args[2])) if len(args) >= 3 else None
KEEP = "--keep" in sys.argv
OUT = results_path(sys.argv)
ROUNDS = 3


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	made = dataset.ensure(*SIZE, leads=None) if SIZE else False
	try:
		measure()
	finally:
		if made and not KEEP:
			dataset.drop()
		frappe.destroy()


def measure() -> None:
	from customer_priority.standing import recompute
	from customer_priority.standing.stored import RESULT_COLUMNS

	if frappe.db.exists(
		"Customer", {"name": ("like", dataset.PREFIX + "%"), "cp_ranked_on": ("is", "not set")}
	):
		recompute.recompute_all(source="Manual")
	columns = list(RESULT_COLUMNS)
	names = ", ".join(f"`{c}`" for c in columns)
	frappe.db.sql("drop temporary table if exists cp_standing_copy")
	frappe.db.sql(
		"create temporary table cp_standing_copy (name varchar(140) primary key, {})".format(
			", ".join(f"`{c}` {RESULT_COLUMNS[c]}" for c in columns)
		)
	)
	frappe.db.sql(
		f"insert into cp_standing_copy (name, {names}) select name, {names} from `tabCustomer` where name like %s",
		dataset.PREFIX + "%",
	)
	customers = frappe.db.sql("select count(*) from cp_standing_copy")[0][0]
	frappe.db.commit()
	written_back = ", ".join(f"c.`{c}` = s.`{c}`" for c in columns)
	best = float("inf")
	for _ in range(ROUNDS):
		dataset.forget_standing()
		settle()
		started = time.perf_counter()
		frappe.db.sql(f"update `tabCustomer` c join cp_standing_copy s on c.name = s.name set {written_back}")
		frappe.db.commit()
		best = min(best, time.perf_counter() - started)
	replayed, chunks = replayed_first_run()
	profit = profit_pass()
	group_by, one_column = floor()
	frappe.db.sql("drop temporary table if exists cp_standing_copy")
	base = group_by + one_column
	least = group_by + replayed + (profit or 0)
	lines = [
		f"Site `{SITE}`: {customers:,} customers with a standing; the project's 2-core machine, load average "
		f"{os.getloadavg()[0]:.1f} at the end. Best of {ROUNDS}, each on a settled database; the replay once.",
		"",
		"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
		f"../env/bin/python <checkout>/benchmarks/write_floor.py {SITE}`",
		"",
		"| write | time | × the floor's write | × the floor |",
		"|---|---|---|---|",
		f"| the floor's bare write of one column (`measure.floor`) | {one_column:.2f} s | 1.0× | |",
		f"| every column a recompute stores ({len(columns)}), onto customers that hold none, from a table already "
		f"holding the values, one UPDATE ... JOIN | {best:.2f} s | {best / one_column:.1f}× | {best / base:.1f}× |",
		f"| the statements a first recompute sent to write its results ({chunks:,} chunks: INSERTs of the values "
		f"into the temporary tables, the guarded UPDATE ... JOIN, `row_count()`, the commit), sent again as the run "
		f"sends them, with no Python between them | {replayed:.2f} s | {replayed / one_column:.1f}× "
		f"| {replayed / base:.1f}× |",
		*(
			[
				f"| the gross-profit pass over every invoice's items (`purchases.customer_profits`) | {profit:.2f} s "
				f"| | {profit / base:.1f}× |"
			]
			if profit is not None
			else []
		),
		f"| **the least a first recompute can take on one connection**: the floor's GROUP BY, "
		f"{'the gross-profit pass, ' if profit is not None else ''}and that replay | {least:.2f} s | "
		f"| **{least / base:.1f}×** |",
		"",
		f"The floor's bare GROUP BY took {group_by:.2f} s in the same run, so the floor is {base:.2f} s and the "
		f"database's own write of a first standing alone is {best / base:.1f}× it.",
	]
	print("\n".join(lines), flush=True)
	if str(OUT) != os.devnull:
		write_section(OUT, "What the database alone needs to write a first standing", lines)


def replayed_first_run() -> tuple[float, int]:
	"""A first recompute with the statements that write its results kept in a file, then, the standing forgotten
	again, those statements sent once more as ``steps.write_part`` sends them: (seconds, chunks). The standing
	ends as that first recompute wrote it."""
	from customer_priority.standing import recompute, steps

	with tempfile.TemporaryFile() as kept:
		write_results = steps.write_results

		def keep(statements: list[str]) -> None:
			pickle.dump(statements, kept)
			write_results(statements)

		dataset.forget_standing()
		steps.write_results = keep
		try:
			recompute.recompute_all(source="Manual", fan_out=False)
		finally:
			steps.write_results = write_results
		dataset.forget_standing()
		kept.seek(0)
		steps.make_temporary_tables()
		settle()
		chunks, took = 0, 0.0
		while True:
			try:
				statements = pickle.load(kept)
			except EOFError:
				break
			started = time.perf_counter()  # reading the file is not the database's time
			write_results(statements)
			frappe.db.sql("select row_count()")
			frappe.db.commit()
			took += time.perf_counter() - started
			chunks += 1
	return took, chunks


def profit_pass() -> float | None:
	"""The gross-profit pass over every invoice's items as a first recompute makes it (best of 3), when the site
	has submitted invoices; None otherwise."""
	from customer_priority.data import purchases
	from customer_priority.data.settings import get_engine_settings
	from customer_priority.engine.history import window_start

	if not frappe.db.exists("Sales Invoice", {"docstatus": 1}):
		return None
	as_of = frappe.utils.getdate()
	window = (window_start(as_of, get_engine_settings()), as_of)
	return best_of(lambda: purchases.customer_profits(window, purchases.current()))


if __name__ == "__main__":
	main()
