import ast
import contextlib
import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority import cli
from customer_priority.cli.order_csv import read_order_histories
from customer_priority.cli.profit_csv import read_profits
from customer_priority.engine.history import Order, add_profits
from customer_priority.engine.i18n import render_reasons
from customer_priority.engine.keyaccount import PotentialProfile
from customer_priority.engine.ranking import is_thin_margin, pareto_summary
from customer_priority.engine.reference import aggregate_histories, aggregate_orders, compute_all
from customer_priority.engine.settings import Settings

ENGINE = Path(cli.__file__).parents[1] / "engine"


def test_engine_imports_no_frappe():
	for path in ENGINE.glob("*.py"):
		tree = ast.parse(path.read_text())
		for node in ast.walk(tree):
			names = (
				[a.name for a in node.names]
				if isinstance(node, ast.Import)
				else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
			)
			assert not any(n.split(".")[0] in ("frappe", "erpnext") for n in names), path


def test_engine_modules_import_each_other_in_one_direction():
	"""Engine modules import at the top only, and the graph of their imports has no cycle."""
	graph: dict[str, set[str]] = {}
	for path in ENGINE.glob("*.py"):
		tree = ast.parse(path.read_text())
		top_level = set(tree.body)
		graph[path.stem] = set()
		for node in ast.walk(tree):
			if isinstance(node, ast.ImportFrom) and node.level == 1:
				assert node in top_level, f"{path.name} imports .{node.module} inside a function"
				graph[path.stem].add(node.module or "__init__")
	done: set[str] = set()

	def visit(module: str, path: tuple[str, ...]) -> None:
		assert module not in path, "import cycle: " + " -> ".join((*path, module))
		if module not in done:
			for imported in graph.get(module, ()):
				visit(imported, (*path, module))
			done.add(module)

	for module in graph:
		visit(module, ())


def test_compute_all_orders_and_includes_everyone():
	s = Settings()
	orders = [
		Order("big", date(2026, 6, 1), 9000.0),
		Order("small", date(2026, 6, 1), 10.0),
		Order("own", date(2026, 6, 1), 1e6),
	]
	aggs = aggregate_orders(orders, date(2026, 6, 30), s)
	standings, _cutoffs = compute_all(aggs, date(2026, 6, 30), s, customers=["quiet"], internal={"own"})
	assert [st.customer for st in standings] == ["big", "small", "quiet", "own"]
	assert standings[0].is_key and standings[0].tier == "First"
	assert standings[-1].lifecycle == "Internal" and standings[-1].rank is None
	assert standings[2].lifecycle == "Prospect"
	assert all(st.why("tier") for st in standings)


def run(capsys, *argv):
	code = cli.main(list(argv))
	out = capsys.readouterr()
	return code, out.out, out.err


def test_demo_table(capsys):
	code, out, _err = run(capsys, "demo")
	assert code == 0
	assert "bring 80% of it" in out
	assert "Incoming requests" in out and "First" in out and "Low" in out


def test_demo_json_is_deterministic(capsys):
	_c, first, _e = run(capsys, "demo", "--format", "json")
	_c, second, _e = run(capsys, "demo", "--format", "json")
	assert first == second
	data = json.loads(first)
	assert data["customers"][0]["rank"] == 1 and len(data["customers"]) == 300
	assert {r["tier"] for r in data["requests"]} == {"First", "High", "Medium", "Low"}


def test_demo_with_settings_file(tmp_path, capsys):
	path = tmp_path / "s.json"
	path.write_text(json.dumps({"abc_a_cutoff": 50, "abc_b_cutoff": 90}))
	_c, out, _e = run(capsys, "demo", "--format", "json", "--settings", str(path))
	a_count = sum(1 for c in json.loads(out)["customers"] if c["abc"] == "A")
	_c, out, _e = run(capsys, "demo", "--format", "json")
	assert a_count < sum(1 for c in json.loads(out)["customers"] if c["abc"] == "A")


@pytest.mark.parametrize(
	("content", "message"),
	[
		("{not json", "not valid JSON"),
		("[1, 2]", "expected a JSON object"),
		('{"abc_a_cutoff": 300}', "abc_a_cutoff must be between 0 and 100"),
		('{"no_such": 1}', "Unknown setting"),
	],
)
def test_bad_settings_file(tmp_path, capsys, content, message):
	path = tmp_path / "s.json"
	path.write_text(content)
	code, _out, err = run(capsys, "demo", "--settings", str(path))
	assert code == 2 and message in err and "Traceback" not in err


def write(tmp_path, text):
	path = tmp_path / "orders.csv"
	path.write_text(text)
	return str(path)


def test_rank_csv_as_erpnext_exports_it(tmp_path, capsys):
	path = write(
		tmp_path,
		"ID,Customer,Date,Net Total (Company Currency),Status\n"
		'SO-1,Acme,2026-05-01,"1,000.50",Completed\nSO-2,Beta,2026-05-02,200,To Deliver and Bill\n'
		"SO-3,Beta,2026-05-03,5000,Cancelled\nSO-4,Beta,03-05-2026,100,Draft\n",
	)
	code, out, _e = run(capsys, "rank", path, "--format", "csv")
	assert code == 0
	lines = out.strip().splitlines()
	assert lines[0].startswith("rank,customer,value")
	assert lines[1].split(",")[1:3] == ["Acme", "1000.5"]
	assert lines[2].split(",")[1:3] == ["Beta", "200.0"]


def test_rank_csv_with_field_names_and_docstatus(tmp_path, capsys):
	path = write(
		tmp_path,
		"name,customer,transaction_date,base_net_total,docstatus\nSO-1,A,2026-01-01,5,1\n"
		"SO-2,A,2026-01-02,7,2\n",
	)
	code, out, _e = run(capsys, "rank", path, "--format", "json")
	assert code == 0 and json.loads(out)[0]["value"] == 5.0


@pytest.mark.parametrize(
	("text", "message"),
	[
		("", "the file is empty"),
		("ID,Customer,Date\nSO-1,A,2026-01-01\n", "line 1: missing column 'Net Total (Company Currency)'"),
		("Customer,Date,Net Total (Company Currency)\nA,2026-01-01,abc\n", "line 2: could not convert"),
		(
			"Customer,Date,Net Total (Company Currency)\nA,2026-01-01,1\nB,someday,2\n",
			"line 3: unreadable date",
		),
		(
			"Customer,Date,Net Total (Company Currency)\nA,2026-01-01,1\n,2026-01-01,2\n",
			"line 3: empty customer",
		),
		("Customer,Date,Net Total (Company Currency)\nA,2026-01-01\n", "line 2: expected at least 3 columns"),
		("Customer,Date,Net Total (Company Currency)\nA,2026-01-01,nan\n", "line 2: amount"),
	],
)
def test_rank_bad_csv_names_the_line(tmp_path, capsys, text, message):
	code, _out, err = run(capsys, "rank", write(tmp_path, text))
	assert code == 2 and message in err and "Traceback" not in err


def test_rank_missing_file(capsys):
	code, _out, err = run(capsys, "rank", "/no/such/orders.csv")
	assert code == 2 and "no such file" in err


def test_progress_bar(tmp_path, capsys):
	from customer_priority.cli.order_csv import read_order_histories

	path = write(tmp_path, "Customer,Date,Net Total (Company Currency)\n" + "A,2026-01-01,1\n" * 50)
	assert read_order_histories(path, progress=True).orders == 50
	assert "100%" in capsys.readouterr().err


def test_bulk_work_and_reports_import_nothing_from_the_doc_events_package():
	app = ENGINE.parent
	for path in [*(app / "standing").rglob("*.py"), *(app / "customer_priority" / "report").rglob("*.py")]:
		for node in ast.walk(ast.parse(path.read_text())):
			if isinstance(node, ast.ImportFrom):
				assert not (node.module or "").startswith("customer_priority.events"), path


def test_a_key_account_marked_by_hand_or_not_buying_yet_comes_first():
	s = Settings()
	as_of = date(2026, 6, 30)
	orders = [Order(f"c{i}", date(2026, 6, 1), 1000.0 * (i + 1)) for i in range(40)]
	orders.append(Order("one order", date(2026, 6, 1), 10.0))
	aggs = aggregate_orders(orders, as_of, s)
	thin = PotentialProfile(1, 0, 0, 0, 0, 1)
	strong = PotentialProfile(5, 5, 5, 500, 30, 5)
	standings, _cutoffs = compute_all(
		aggs,
		as_of,
		s,
		customers=["marked prospect", "potential prospect", "plain prospect"],
		profiles={"marked prospect": thin, "potential prospect": strong},
		marked_keys={"one order", "marked prospect"},
	)
	by_name = {st.customer: st for st in standings}
	for name, source in (
		("one order", "Manual"),
		("marked prospect", "Manual"),
		("potential prospect", "Potential"),
	):
		st = by_name[name]
		assert (st.is_key, st.key_source, st.tier) == (True, source, "First"), name
	assert "by hand" in render_reasons(by_name["one order"].why("tier"))
	assert by_name["plain prospect"].tier == "Low" and not by_name["plain prospect"].is_key


# ---------------------------------------------------------------------- the columnar path prints what the reference prints

CUSTOMERS = ["Acme", "Beta, Inc.", 'The "Best" Co', "Line\nBreak", "سپهر", "Zed", "Own Co", "Quiet Ltd"]
export_orders = st.lists(
	st.tuples(
		st.sampled_from(CUSTOMERS[:6] + CUSTOMERS[:2] * 4),
		st.integers(0, 1200),
		st.integers(0, 2_000_000),
		st.sampled_from(["Completed", "To Deliver and Bill", "Cancelled", "Draft"]),
	),
	max_size=80,
)
customer_rows = st.lists(
	st.tuples(
		st.sampled_from(CUSTOMERS),
		st.booleans(),
		st.sampled_from(
			[(0, 0, 0, 0, 0, 0), (5, 5, 5, 800, 40, 5), (1, 0, 2, 60, 12, 0), (3, 4, 3, 60, 12, 4)]
		),
	),
	max_size=5,
)


invoice_profits = st.none() | st.lists(
	st.tuples(
		st.sampled_from([*CUSTOMERS[:6], "Only Profit", "Acme", "Acme"]),
		st.integers(0, 1200),
		st.integers(-200_000, 2_000_000),
		st.sampled_from([0.0, 0.03, 0.09, 0.1, 0.25, 1.2, -0.1]),
	),
	max_size=40,
)


def reference_summary(standings, settings, as_of) -> str:
	"""``summary_line`` as the per-customer CLI wrote it."""
	ranked = [s for s in standings if s.rank]
	top, percent = pareto_summary(ranked, settings)
	total = sum(s.aggregate.window_value for s in ranked)
	profit = sum(s.aggregate.window_profit for s in ranked)
	invoiced = sum(s.aggregate.window_invoiced for s in ranked)
	keys = sum(1 for s in standings if s.is_key)
	thin = sum(
		1 for s in ranked if is_thin_margin(s.aggregate.window_invoiced, s.aggregate.window_profit, settings)
	)
	by_profit = settings.rank_by == "Gross Profit"
	ranked_total = f"gross profit {profit:,.2f}" if by_profit else f"value {total:,.2f}"
	beside = f"value {total:,.2f}" if by_profit else f"gross profit {profit:,.2f}"
	margin = f" ({beside}, {100 * profit / invoiced:.1f}% margin)" if invoiced > 0 else ""
	thin_text = f"; {thin} at a thin margin (below {settings.thin_margin_percent:g}%)" if invoiced > 0 else ""
	return (
		f"As of {as_of}: {len(ranked)} customers ranked by {'gross profit' if by_profit else 'value'}, "
		f"{ranked_total} in the last {settings.lookback_days} days{margin}. The top {top} customers "
		f"({percent:.1f}%) bring {settings.abc_a_cutoff:g}% of it; {keys} key accounts{thin_text}."
	)


def reference_output(orders_path, customers_path, fmt, limit, settings, as_of, profits_path=None):
	"""What ``customer-priority rank`` printed when every customer went through the per-customer engine."""
	orders = read_order_histories(orders_path)
	as_of = as_of or orders.newest or date.today()
	names, profiles, internal = cli.load_customers(customers_path)
	aggregates = aggregate_histories(orders.histories, as_of, settings)
	if profits_path:
		add_profits(aggregates, read_profits(profits_path), as_of, settings)
	standings, _cutoffs = compute_all(
		aggregates,
		as_of,
		settings,
		customers=names,
		profiles=profiles,
		internal=internal,
	)
	rows = [cli.standing_row(s) for s in standings]
	out = io.StringIO()
	if fmt == "json":
		json.dump(rows, out, ensure_ascii=False, indent=1)
		return out.getvalue() + "\n"
	if fmt == "csv":
		writer = csv.DictWriter(out, fieldnames=cli.RANK_COLUMNS, lineterminator="\n")
		writer.writeheader()
		writer.writerows(rows)
		return out.getvalue()
	out.write(reference_summary(standings, settings, as_of) + "\n\n")
	limited = rows[:limit] if limit else rows
	widths = {"reason": 60, "customer": 28}
	out.write(cli.format_table(limited, cli.TABLE_COLUMNS, widths, cli.TABLE_HEADERS) + "\n")
	if len(limited) < len(rows):
		out.write(f"... {len(rows) - len(limited)} more (use --limit 0 for all, or --format csv)\n")
	return out.getvalue()


@settings(max_examples=60, deadline=None)
@given(
	export_orders,
	customer_rows,
	st.sampled_from(["table", "csv", "json"]),
	st.sampled_from([0, 1, 3]),
	st.sampled_from(
		[
			{},
			{"key_account_min_window_value": 5000, "lookback_days": 200, "lapse_days": 60},
			{"rank_by": "Gross Profit"},
			{"rank_by": "Gross Profit", "key_account_min_window_value": 5000, "thin_margin_percent": 0},
		]
	),
	st.sampled_from([None, "2025-06-30"]),
	st.booleans(),
	invoice_profits,
)
def test_rank_prints_what_the_per_customer_engine_printed(
	tmp_path_factory, orders, customers, fmt, limit, overrides, as_of, thousands, profits
):
	folder = tmp_path_factory.mktemp("rank")
	with open(folder / "orders.csv", "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(["ID", "Customer", "Date", "Net Total (Company Currency)", "Status"])
		for number, (name, offset, cents, status) in enumerate(orders):
			day = date(2023, 7, 1) + timedelta(days=offset)
			# "1,234.50" now and then: such a file is read by the careful reader, the rest as columns
			amount = f"{cents / 100:,.2f}" if thousands and number % 3 == 0 else f"{cents / 100:.2f}"
			writer.writerow([f"SO-{number}", name, day.isoformat(), amount, status])
	with open(folder / "customers.csv", "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(["Customer", "Is Internal Customer", *cli_profile_columns()])
		for name, internal, profile in customers:
			writer.writerow([name, int(internal), *profile])
	(folder / "settings.json").write_text(json.dumps(overrides))
	argv = ["rank", str(folder / "orders.csv"), "--customers", str(folder / "customers.csv")]
	argv += ["--format", fmt, "--limit", str(limit), "--settings", str(folder / "settings.json")]
	argv += ["--as-of", as_of] if as_of else []
	profits_path = None
	if profits is not None:
		profits_path = str(folder / "profits.csv")
		with open(profits_path, "w", newline="", encoding="utf-8") as handle:
			writer = csv.writer(handle)
			writer.writerow(["Sales Invoice", "Customer", "Posting Date", "Selling Amount", "Gross Profit"])
			for number, (name, offset, cents, margin) in enumerate(profits):
				day = date(2023, 7, 1) + timedelta(days=offset)
				writer.writerow(
					[f"SINV-{number}", name, day.isoformat(), cents / 100, round(cents * margin) / 100]
				)
		argv += ["--profits", profits_path]
	out = io.StringIO()
	with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
		code = cli.main(argv)
	if profits is None and overrides.get("rank_by") == "Gross Profit":
		assert code == 2  # ranking by gross profit needs the profits
		return
	assert code == 0
	expected = reference_output(
		str(folder / "orders.csv"),
		folder / "customers.csv",
		fmt,
		limit,
		Settings.from_dict(overrides),
		date.fromisoformat(as_of) if as_of else None,
		profits_path,
	)
	assert out.getvalue() == expected


def cli_profile_columns():
	return [
		"Brand Strength",
		"Production Volume",
		"Sales Network",
		"Staff Count",
		"Years In Business",
		"Purchase Potential",
	]


@settings(max_examples=200, deadline=None)
@given(
	st.lists(
		st.fixed_dictionaries(
			{
				"rank": st.one_of(st.integers(0, 10**6), st.just("")),
				"customer": st.one_of(st.text(), st.sampled_from(["Acme", "", 'x"\ny', "سپهر"])),
				"value": st.floats(allow_nan=False, allow_infinity=False),
				"tier": st.sampled_from(["First", "Low", 'a"b\\']),
				"odd": st.one_of(st.floats(), st.text(max_size=3), st.integers(), st.booleans(), st.none()),
			}
		),
		max_size=30,
	)
)
def test_json_records_are_what_the_json_module_writes(rows):
	keys = ("rank", "customer", "value", "tier", "odd")
	out = io.StringIO()
	cli.write_json_records({k: [row[k] for row in rows] for k in keys}, out)
	expected = io.StringIO()
	json.dump([{k: row[k] for k in keys} for row in rows], expected, ensure_ascii=False, indent=1)
	assert out.getvalue() == expected.getvalue() + "\n"


@settings(max_examples=300, deadline=None)
@given(
	st.lists(
		st.one_of(
			st.floats(allow_nan=False, allow_infinity=False),
			st.floats(-1e7, 1e7),
			st.integers(-(10**9), 10**9).map(lambda n: n / 1000),  # halves of a cent: 2.675, 1.005, 0.125
			st.integers(-(10**6), 10**6).map(lambda n: n / 8),
			st.sampled_from(
				[0.0, -0.0, 2.675, 1.005, 0.125, 0.375, -2.5e-3, 5e-3, 4503599627370495.5, 1e300]
			),
		),
		max_size=50,
	)
)
def test_rounding_as_columns_is_pythons_round(values):
	got = cli.rounded(np.array(values, dtype=float))
	assert list(map(repr, got)) == [repr(round(v, 2)) for v in values]
