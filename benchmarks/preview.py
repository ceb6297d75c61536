"""Settings' "Preview Changes" at a real company's volume, against baselines measured in the same run.

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/preview.py SITE [--keep] [--out FILE]

On a site that holds a standing (a recompute ran; when none did, one runs first and its standing is forgotten
again at the end unless ``--keep``), timed in turns, best of 3:

- the baseline: the bare read of every customer's stored aggregates (one SELECT of those columns);
- the preview of edited Settings that keep the look-back window (ABC cut-offs, the key-account share): the
  whitelisted method itself, validation, reading, deciding every customer, the moves and the sample's reasons;
- the preview of a new look-back window, which groups the orders (and invoices) inside it again;
- the preview of a new lapse period, which reads every customer's buying days again for the Reborn rule.

Each preview is checked to have written nothing (checksums of tabCustomer, the tier log and the Settings).
Writes the "Settings preview" section of benchmarks/RESULTS.md (or --out FILE).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402
from benchmarks.measure import once, results_path, settle, write_section  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
SITE = args[0] if args else "cp-test.localhost"
KEEP = "--keep" in sys.argv
OUT = results_path(sys.argv)
SETTINGS = "Customer Priority Settings"
RECORD = (
	"last_recompute_on",
	"last_recompute_summary",
	"rfm_cutoffs",
	"ranking_totals",
	"profit_state",
	"reborn_lapse_days",
	"purchase_prediction_state",
)


def checksums() -> tuple:
	return (
		frappe.db.sql("checksum table `tabCustomer`, `tabCustomer Tier Log`"),
		frappe.db.sql("select field, value from tabSingles where doctype = %s order by field", SETTINGS),
	)


def edited(changes: dict) -> str:
	doc = frappe.get_doc(SETTINGS).as_dict(convert_dates_to_str=True)
	return json.dumps({**doc, **changes}, default=str)


def in_turns(timed: dict, rounds: int = 3) -> dict[str, float]:
	"""Each function timed ``rounds`` times, one after the other in turns; the best of each."""
	out = {name: float("inf") for name in timed}
	for _ in range(rounds):
		for name, fn in timed.items():
			started = time.perf_counter()
			fn()
			out[name] = min(out[name], time.perf_counter() - started)
	return out


def main() -> None:
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	from customer_priority.api.preview import preview_settings
	from customer_priority.standing import recompute
	from customer_priority.standing.stored import AGGREGATE_FIELDS

	customers = frappe.db.count("Customer")
	orders = frappe.db.count("Sales Order", {"docstatus": 1})
	invoices = frappe.db.count("Sales Invoice", {"docstatus": 1})
	made_standing = bool(frappe.db.exists("Customer", {"cp_priority_tier": ("is", "not set")}))
	record = {field: frappe.db.get_single_value(SETTINGS, field) for field in RECORD}
	try:
		if made_standing:
			took, _result = once(lambda: recompute.recompute_all(source="Manual"))
			print(f"no standing yet: recomputed first in {took:.1f} s", flush=True)
			settle()
		columns = ", ".join(f"`{c}`" for c in ("name", *AGGREGATE_FIELDS))
		keep_window = edited({"abc_a_cutoff": 60, "abc_b_cutoff": 85, "key_account_top_percent": 10})
		new_window = edited({"lookback_days": 180})
		new_lapse = edited({"lapse_days": 120})
		before = checksums()
		results = {}
		times = in_turns(
			{
				"bare": lambda: frappe.db.sql(f"select {columns} from `tabCustomer`"),
				"preview": lambda: results.setdefault("preview", preview_settings(doc=keep_window)),
				"window": lambda: results.setdefault("window", preview_settings(doc=new_window)),
				"lapse": lambda: results.setdefault("lapse", preview_settings(doc=new_lapse)),
			}
		)
		frappe.db.rollback()
		assert checksums() == before, "a preview wrote something"
		bare, preview, window, lapse = times["bare"], times["preview"], times["window"], times["lapse"]
		moved, moved_window = results["preview"]["moved"], results["window"]["moved"]
		moved_lapse = results["lapse"]["moved"]
		lines = [
			f"Site `{SITE}`: {customers:,} customers, {orders:,} submitted Sales Orders, {invoices:,} submitted Sales "
			f"Invoices{', its standing made by one recompute first' if made_standing else ''}; the project's 2-core "
			f"machine, load average {os.getloadavg()[0]:.1f} at the end. Best of 3, in turns.",
			"",
			"Command: `cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=<checkout> "
			f"../env/bin/python <checkout>/benchmarks/preview.py {SITE}`",
			"",
			"| what | baseline, same run | time | ratio |",
			"|---|---|---|---|",
			f"| Preview Changes: new ABC cut-offs and key-account share ({moved:,} customers would move), the "
			f"whitelisted method whole | bare read of every customer's stored aggregates, {bare:.2f} s "
			f"| {preview:.2f} s | {preview / bare:.1f}× |",
			f"| Preview Changes: a new look-back window ({moved_window:,} would move; the orders and invoices "
			f"grouped again) | the same bare read, {bare:.2f} s | {window:.2f} s | {window / bare:.1f}× |",
			f"| Preview Changes: a new lapse period ({moved_lapse:,} would move; every customer's buying days read "
			f"again) | the same bare read, {bare:.2f} s | {lapse:.2f} s | {lapse / bare:.1f}× |",
			"",
			"Nothing written: the checksums of tabCustomer, the tier log and the Settings are the same after the "
			"previews as before.",
		]
		print("\n".join(lines), flush=True)
		if str(OUT) != os.devnull:
			write_section(OUT, "Settings preview", lines)
	finally:
		if made_standing and not KEEP:
			dataset.forget_standing()
			frappe.db.set_single_value(SETTINGS, record)
			frappe.db.commit()
		frappe.destroy()


if __name__ == "__main__":
	main()
