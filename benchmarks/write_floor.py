"""What the database alone needs to write a first standing: every column a recompute stores, written onto customers
that hold none, from a table that already holds the values (no Python, no decision, no log), against the floor's
bare write of one column, measured in the same run on a settled database.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/write_floor.py SITE [CUSTOMERS ORDERS [--keep]] [--out FILE]

On the site's data set (``dataset.ensure`` of CUSTOMERS and ORDERS when given: made, and removed at the end unless
``--keep``, when the site does not hold it), a recompute first when it holds no standing: the stored columns are
copied into a temporary table, then, three times in turn, the standing is forgotten (``dataset.forget_standing``)
and written back from the copy in one UPDATE ... JOIN. The data set ends with the standing it had. Writes the
section "What the database alone needs to write a first standing" of benchmarks/RESULTS.md (or FILE).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
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
	group_by, one_column = floor()
	frappe.db.sql("drop temporary table if exists cp_standing_copy")
	lines = [
		f"Site `{SITE}`: {customers:,} customers with a standing; the project's 2-core machine, load average "
		f"{os.getloadavg()[0]:.1f} at the end. Best of {ROUNDS}, each on a settled database.",
		"",
		"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
		f"../env/bin/python <checkout>/benchmarks/write_floor.py {SITE}`",
		"",
		"| write | time | × the floor's write |",
		"|---|---|---|",
		f"| the floor's bare write of one column (`measure.floor`) | {one_column:.2f} s | 1.0× |",
		f"| every column a recompute stores ({len(columns)}), onto customers that hold none, from a table already "
		f"holding the values, one UPDATE ... JOIN | {best:.2f} s | {best / one_column:.1f}× |",
		"",
		f"The floor's bare GROUP BY took {group_by:.2f} s in the same run, so the floor is "
		f"{group_by + one_column:.2f} s and the database's own write of a first standing alone is "
		f"{best / (group_by + one_column):.1f}× it.",
	]
	print("\n".join(lines), flush=True)
	if str(OUT) != os.devnull:
		write_section(OUT, "What the database alone needs to write a first standing", lines)


if __name__ == "__main__":
	main()
