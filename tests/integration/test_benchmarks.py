"""The benchmark scripts run on a tiny data set, so they cannot rot between the runs that measure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")


@pytest.fixture(autouse=True)
def no_data_set_left_behind():
	"""A script killed by the timeout cannot remove its data set: it is removed here, so that no other test
	finds a hundred strangers among its customers."""
	yield
	import frappe

	from benchmarks import dataset

	frappe.db.rollback()
	dataset.drop()


def run(script: str, *args: str) -> str:
	result = subprocess.run(
		[sys.executable, str(CHECKOUT / "benchmarks" / script), SITE, *args],
		env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
		cwd=Path(os.environ["FRAPPE_BENCH_PATH"]) / "sites",
		capture_output=True,
		text=True,
		timeout=600,
	)
	assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
	return result.stdout


@pytest.mark.parametrize(
	("script", "args", "expected"),
	[
		("on_bench.py", ("40", "300"), ("Sales Order submit", "bare GROUP BY", "second run")),
		("bulk_insert.py", ("500",), ("frappe.db.bulk_insert", "insert_many")),
		("scale.py", ("60", "600", "50", "--out", "/dev/null"), ("first recompute", "Sales Analytics")),
		("scaling.py", ("30:300", "60:900", "--out", "/dev/null"), ("per 1,000 customers", "MB |")),
		("profit_aggregate.py", ("50", "300", "400", "--out", "/dev/null"), ("daily recompute", "floor")),
		(
			"write_floor.py",
			("40", "300", "--out", "/dev/null"),
			("every column a recompute stores", "the least a first recompute", "× it"),
		),
	],
)
def test_a_benchmark_runs_on_a_tiny_data_set(script, args, expected):
	import frappe

	frappe.db.rollback()  # the script works in its own connection
	output = run(script, *args)
	assert all(words in output for words in expected), output
	assert not frappe.db.count(
		"Customer", {"name": ("like", "BENCH-CP-%")}
	), "the data set is removed afterwards"


def test_the_stages_of_a_first_recompute_are_timed_and_weighed():
	"""``memory_stages.py`` on a tiny data set made a first standing again: each stage's peak memory and seconds,
	the writer thread's statements among them."""
	import json

	import frappe

	from benchmarks import dataset

	dataset.make(30, 200)
	frappe.db.commit()
	found = json.loads(run("memory_stages.py", "--forget").strip().splitlines()[-1])

	assert found["result"]["updated"] >= 30
	timed = found["seconds_by_stage"]
	for stage in ("purchases.histories", "decide.read_stored", "steps.write_results"):
		assert stage in timed, stage
	assert 0 < timed["recompute.take_figures"] <= found["seconds"] + 0.05  # the whole run, rounded to 0.1 s
	assert "recompute.write_part" in found["growth_mb"]
