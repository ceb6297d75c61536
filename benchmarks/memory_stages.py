"""Where a first recompute holds its memory and spends its time: the process's resident memory sampled every 10 ms,
the peak of each stage (reading the parts, their totals, the purchase summaries, the models' fit, the ranking,
deciding and writing each part), as growth over what the process held once Frappe and the app were imported; and
the seconds spent in each stage, summed over its calls (stages nest: the first pass holds the reading of the
parts; writing a part holds the writer thread's statements, which run while the next chunk is built).

    cd /opt/frappe-bench/sites && FRAPPE_BENCH_PATH=/opt/frappe-bench PYTHONPATH=/path/to/checkout \\
        ../env/bin/python /path/to/checkout/benchmarks/memory_stages.py SITE [--forget]

``--forget``: the data set's standing forgotten first (``dataset.forget_standing``), so the run is a first one.
Prints one JSON line: the run's time, its result, the peak growth by stage, in MB, and the seconds by stage.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import frappe

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from benchmarks import dataset  # noqa: E402

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def resident_mb() -> float:
	with open("/proc/self/statm") as statm:
		return int(statm.read().split()[1]) * PAGE_MB


class Stages:
	"""The stage the main thread is in (innermost wrapped call) and the peak resident memory seen in each."""

	def __init__(self):
		self.now = ["outside the stages"]
		self.peaks: dict[str, float] = {}
		self.seconds: dict[str, float] = {}

	def sample(self) -> None:
		while True:
			self.note(self.now[-1])
			time.sleep(0.01)

	def note(self, stage: str) -> None:
		mb = resident_mb()
		if mb > self.peaks.get(stage, 0.0):
			self.peaks[stage] = mb

	def wrap(self, module, name: str) -> None:
		function = getattr(module, name)

		label = f"{module.__name__.rsplit('.', 1)[-1]}.{name}"

		def staged(*args, **kwargs):
			self.now.append(label)
			try:
				return self.timed(label, function, args, kwargs)
			finally:
				self.note(label)  # a stage shorter than the sampling interval is weighed once as it ends
				self.now.pop()

		setattr(module, name, staged)

	def wrap_timed(self, module, name: str) -> None:
		"""Timed only: for what runs in the writer thread, which the main thread's stage stack does not follow."""
		function = getattr(module, name)
		label = f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
		setattr(module, name, lambda *args, **kwargs: self.timed(label, function, args, kwargs))

	def timed(self, label: str, function, args, kwargs):
		started = time.perf_counter()
		try:
			return function(*args, **kwargs)
		finally:
			self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started


def main() -> None:
	site = sys.argv[1]
	frappe.init(site=site, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.set_user("Administrator")
	from customer_priority.data import purchases
	from customer_priority.standing import decide, figures, recompute, steps

	if "--forget" in sys.argv:
		dataset.forget_standing()
	stages = Stages()
	for module, name in (
		(figures, "read_stored"),
		(purchases, "histories"),
		(figures, "fresh_totals"),
		(figures, "summarise_part"),
		(figures, "join_summaries"),
		(figures, "predict_from"),
		(figures, "rank_population"),
		(recompute, "take_figures"),
		(recompute, "decide_part"),
		(recompute, "write_part"),
		(decide, "read_stored"),
		(decide, "decide_population"),
		(steps, "changed_rows"),
		(steps, "result_statements"),
	):
		stages.wrap(module, name)
	stages.wrap_timed(steps, "write_results")
	base = resident_mb()
	threading.Thread(target=stages.sample, daemon=True).start()
	started = time.perf_counter()
	result = recompute.recompute_all(source="Manual", fan_out=False)
	took = time.perf_counter() - started
	time.sleep(0.05)
	growth = {stage: round(peak - base) for stage, peak in stages.peaks.items()}
	seconds = {stage: round(spent, 3) for stage, spent in stages.seconds.items()}
	print(
		json.dumps(
			{"seconds": round(took, 1), "result": result, "growth_mb": growth, "seconds_by_stage": seconds},
			default=str,
		)
	)
	frappe.destroy()


if __name__ == "__main__":
	main()
