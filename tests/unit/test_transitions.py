"""Moves between two standings (``engine.transitions``) and ``customer-priority compare``, which prints them."""

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from customer_priority import cli
from customer_priority.cli.sample_data import SAMPLE_DIR
from customer_priority.engine.transitions import DIMENSIONS, KEY, NOT_KEY, standing_columns, transitions

ORDERS = str(SAMPLE_DIR / "sales_orders.csv")
CUSTOMERS = str(SAMPLE_DIR / "customers.csv")
PROFITS = str(SAMPLE_DIR / "gross_profit.csv")
NEW = {"abc_a_cutoff": 60, "key_account_top_percent": 10, "lapse_days": 200, "reborn_window_days": 365}


def run(capsys, *argv):
	code = cli.main(list(argv))
	out = capsys.readouterr()
	return code, out.out, out.err


def test_transitions_count_each_pair_most_frequent_first():
	before = {"tier": ["High", "High", "Low", "Low", "Low", None], "abc": ["A", "B", "C", "C", "C", ""]}
	after = {"tier": ["First", "High", "High", "High", "Medium", ""], "abc": ["B", "B", "C", "B", "C", "C"]}
	moves = transitions(before, after)
	assert moves.table["tier"] == [("Low", "High", 2), ("High", "First", 1), ("Low", "Medium", 1)]
	assert moves.table["abc"] == [("", "C", 1), ("A", "B", 1), ("C", "B", 1)]
	assert set(moves.table) == {"tier", "abc"}  # only the dimensions both sides hold
	assert moves.count("tier") == 4 and moves.count("abc") == 3
	assert moves.any_moved.tolist() == [True, False, True, True, True, True]


def test_transitions_refuse_rows_that_do_not_line_up():
	with pytest.raises(ValueError):
		transitions({"tier": ["High"]}, {"tier": ["High", "Low"]})


def test_sample_shows_every_kind_of_move_before_a_second_of_any():
	before = {"tier": ["Low"] * 6 + ["High"], "lifecycle": ["New"] * 7}
	after = {"tier": ["High"] * 6 + ["High"], "lifecycle": ["New"] * 6 + ["Repeat"]}
	moves = transitions(before, after)
	assert moves.sample(2).tolist() == [
		0,
		6,
	]  # one Low -> High, then the lifecycle move, not two of the first
	assert moves.sample(3).tolist() == [0, 6, 1]
	assert len(moves.sample(100)) == 7
	assert moves.sample(0).tolist() == []


def test_nobody_moves_under_the_same_settings(tmp_path, capsys):
	path = tmp_path / "same.json"
	path.write_text(json.dumps(NEW))
	code, out, _err = run(
		capsys, "compare", ORDERS, "--settings", str(path), "--against", str(path), "--format", "json"
	)
	data = json.loads(out)
	assert code == 0 and data["moved"] == 0 and data["customers"] > 0
	assert all(data["dimensions"][d] == {"moved": 0, "transitions": []} for d in DIMENSIONS)


def rank_csv(capsys, settings: Path | None) -> dict[str, dict]:
	argv = ["rank", ORDERS, "--customers", CUSTOMERS, "--profits", PROFITS, "--format", "csv"]
	code, out, _err = run(capsys, *argv, *(["--settings", str(settings)] if settings else []))
	assert code == 0
	return {row["customer"]: row for row in csv.DictReader(io.StringIO(out))}


def test_compare_counts_what_two_rankings_give(tmp_path, capsys):
	"""Every (from, to, count) but the level's equals what two separate rankings of the export give customer by
	customer (a level also remembers the one before, which a lone ranking does not)."""
	new = tmp_path / "new.json"
	new.write_text(json.dumps(NEW))
	code, out, _err = run(
		capsys,
		"compare",
		ORDERS,
		"--customers",
		CUSTOMERS,
		"--profits",
		PROFITS,
		"--settings",
		str(new),
		"--format",
		"json",
		"--limit",
		"5",
	)
	assert code == 0
	data = json.loads(out)
	old_rows, new_rows = rank_csv(capsys, None), rank_csv(capsys, new)
	column = {
		"tier": "tier",
		"abc": "abc",
		"key_account": "key_account",
		"lifecycle": "lifecycle",
		"relationship": "relationship",
	}
	word = {"yes": "yes", "": "no"}
	moved = set()
	for dimension, field in column.items():
		expected = Counter()
		for name, old in old_rows.items():
			a, b = old[field], new_rows[name][field]
			if dimension == "key_account":
				a, b = word[a], word[b]
			if a != b:
				expected[(a or "-", b or "-")] += 1
				moved.add(name)
		got = {(t["from"], t["to"]): t["count"] for t in data["dimensions"][dimension]["transitions"]}
		assert got == dict(expected), dimension
		assert data["dimensions"][dimension]["moved"] == sum(expected.values())
	assert data["moved"] >= len(moved) > 0
	assert 0 < len(data["sample"]) <= 5
	for row in data["sample"]:
		assert row["reason"] and row["moves"]
		assert row["reason"].split("; ")[0] in new_rows[row["customer"]]["reason"]


def test_compare_csv_and_table(tmp_path, capsys):
	new = tmp_path / "new.json"
	new.write_text(json.dumps(NEW))
	_code, out, _err = run(capsys, "compare", ORDERS, "--settings", str(new), "--format", "json")
	data = json.loads(out)
	code, out, _err = run(capsys, "compare", ORDERS, "--settings", str(new), "--format", "csv")
	rows = list(csv.DictReader(io.StringIO(out)))
	assert code == 0 and list(rows[0]) == ["dimension", "from", "to", "count"]
	assert sum(int(r["count"]) for r in rows) == sum(d["moved"] for d in data["dimensions"].values())
	code, out, _err = run(capsys, "compare", ORDERS, "--settings", str(new))
	assert code == 0
	assert f"{data['moved']} of {data['customers']} customers would move" in out
	assert "dimension" in out and "with their new tier's reason" in out


def test_compare_needs_new_settings_and_valid_files(tmp_path, capsys):
	code, _out, err = run(capsys, "compare", ORDERS)
	assert code == 2 and "--settings" in err
	bad = tmp_path / "bad.json"
	bad.write_text(json.dumps({"abc_a_cutoff": 90, "abc_b_cutoff": 80}))
	code, _out, err = run(capsys, "compare", ORDERS, "--settings", str(bad))
	assert code == 2 and "bad.json" in err
	code, _out, err = run(capsys, "compare", ORDERS, "--settings", str(tmp_path / "missing.json"))
	assert code == 2 and "cannot read" in err


def test_standing_columns_keep_a_tier_set_by_hand():
	orders = cli.read_orders(ORDERS)
	ranking = cli.rank_orders(ORDERS, cli.Settings(), orders.newest)
	decided = ranking.decided
	override = [None] * len(decided.tier)
	override[0] = "Low" if decided.tier[0] != "Low" else "First"
	columns = standing_columns(decided, override)
	assert columns["tier"][0] == override[0]
	assert columns["tier"][1:].tolist() == decided.tier[1:].tolist()
	assert set(columns["key_account"].tolist()) <= {KEY, NOT_KEY}
	assert columns["key_account"].tolist() == [KEY if k else NOT_KEY for k in decided.is_key.tolist()]
	assert all(c == "" for c, r in zip(columns["abc"], decided.rank, strict=True) if not r)
