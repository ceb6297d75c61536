"""Ranking by gross profit: what ranks and classes customers, and the thin-margin reason."""

import json
from datetime import date

import pytest

from customer_priority.engine.history import Aggregate, Profit, add_profits
from customer_priority.engine.ranking import is_thin_margin
from customer_priority.engine.reference import compute_all
from customer_priority.engine.settings import Settings, SettingsError

AS_OF = date(2026, 6, 30)


def population() -> dict[str, Aggregate]:
	# Big buys the most but at a thin margin; Lean buys less and earns the most.
	return {
		"Big": Aggregate("Big", 10_000, 5, 10_000, 5, date(2026, 1, 1), AS_OF, None, 300, 300, 10_000),
		"Lean": Aggregate("Lean", 4_000, 5, 4_000, 5, date(2026, 1, 1), AS_OF, None, 2_000, 2_000, 4_000),
		"Mid": Aggregate("Mid", 2_000, 5, 2_000, 5, date(2026, 1, 1), AS_OF, None, 500, 500, 2_000),
	}


def order(settings: Settings) -> list[tuple[str, int, str]]:
	standings, _cutoffs = compute_all(population(), AS_OF, settings)
	return [(s.customer, s.rank, s.abc) for s in standings]


def test_revenue_ranks_by_what_was_bought_and_gross_profit_by_what_it_earned():
	assert order(Settings()) == [("Big", 1, "A"), ("Lean", 2, "A"), ("Mid", 3, "B")]
	by_profit = Settings(rank_by="Gross Profit")
	# Profit 2,000 / 500 / 300 of 2,800: Lean alone starts below 80%, Mid starts at 71% (A), Big at 89% (B).
	assert order(by_profit) == [("Lean", 1, "A"), ("Mid", 2, "A"), ("Big", 3, "B")]


def test_the_why_of_a_high_revenue_thin_margin_customer_says_so():
	standings, _cutoffs = compute_all(population(), AS_OF, Settings())
	big = next(s for s in standings if s.customer == "Big")
	tier_why = [str(r) for r in big.why("tier")]
	assert "Thin margin: gross profit 300 is 3.0% of revenue 10,000 (below 10%)" in tier_why
	assert any("Rank 1 of 3 by value" in str(r) for r in big.why("rank"))
	lean = next(s for s in standings if s.customer == "Lean")
	assert not any("Thin margin" in str(r) for r in lean.why("tier"))
	assert "Gross profit 2,000 is 50.0% of revenue 4,000" in [str(r) for r in lean.why("rank")]


def test_the_rank_reason_names_the_measure():
	standings, _cutoffs = compute_all(population(), AS_OF, Settings(rank_by="Gross Profit"))
	assert str(standings[0].why("rank")[0]).startswith("Rank 1 of 3 by gross profit in the last 365 days")


def test_thin_margin_threshold_zero_turns_it_off():
	assert is_thin_margin(100, 1, Settings())
	assert not is_thin_margin(100, 1, Settings(thin_margin_percent=0))
	assert not is_thin_margin(0, -5, Settings()), "no revenue, no margin to speak of"


def test_profits_add_up_per_customer_with_returns_subtracting_and_the_window_respected():
	aggregates = add_profits(
		{"A": Aggregate("A", 100, 1, 100, 1, AS_OF, AS_OF)},
		[
			Profit("A", AS_OF, 100.0, 40.0),
			Profit("A", date(2024, 1, 1), 30.0, 10.0),  # outside the 365-day window
			Profit("A", AS_OF, -20.0, -8.0),  # a return
			Profit("B", AS_OF, 20.0, 5.0),  # profit without a counted order
		],
		AS_OF,
		Settings(),
	)
	assert (aggregates["A"].lifetime_profit, aggregates["A"].window_profit) == (42.0, 32.0)
	assert aggregates["A"].window_invoiced == 80.0
	assert aggregates["A"].window_margin == 40.0
	assert (aggregates["B"].lifetime_profit, aggregates["B"].order_count) == (5.0, 0)


@pytest.mark.parametrize(
	("changes", "field"),
	[({"rank_by": "Margin"}, "rank_by"), ({"thin_margin_percent": 120}, "thin_margin_percent")],
)
def test_bad_profit_settings_are_refused_naming_the_field(changes, field):
	with pytest.raises(SettingsError) as caught:
		Settings(**changes).validate()
	assert caught.value.fields == [field]


def test_the_demo_shows_profit_and_margin_and_ranks_by_gross_profit_when_asked(capsys, tmp_path):
	from customer_priority import cli

	assert cli.main(["demo", "--format", "json"]) == 0
	rows = json.loads(capsys.readouterr().out)["customers"]
	ranked = [r for r in rows if r["rank"]]
	assert all(isinstance(r["margin"], float) for r in ranked if r["profit"])
	thin = [r for r in ranked if r["margin"] != "" and r["margin"] < 10 and r["profit"] > 0]
	assert thin and all("Thin margin" in r["reason"] for r in thin)
	settings = tmp_path / "by_profit.json"
	settings.write_text('{"rank_by": "Gross Profit"}')
	assert cli.main(["demo", "--format", "json", "--settings", str(settings)]) == 0
	by_profit = [r for r in json.loads(capsys.readouterr().out)["customers"] if r["rank"]]
	profits = [r["profit"] for r in sorted(by_profit, key=lambda r: r["rank"])]
	assert profits == sorted(profits, reverse=True)


def test_ranking_a_file_by_gross_profit_needs_the_profits_and_reads_them_strictly(capsys, tmp_path):
	from customer_priority import cli

	orders = tmp_path / "orders.csv"
	orders.write_text("Customer,Date,Net Total (Company Currency),Status\nA,2026-06-01,100,Completed\n")
	settings = tmp_path / "by_profit.json"
	settings.write_text('{"rank_by": "Gross Profit"}')
	assert cli.main(["rank", str(orders), "--settings", str(settings)]) == 2
	assert "needs --profits FILE" in capsys.readouterr().err
	profits = tmp_path / "gp.csv"
	profits.write_text("Customer,Posting Date,Selling Amount,Gross Profit\nA,2026-06-01,100,lots\n")
	assert cli.main(["rank", str(orders), "--profits", str(profits)]) == 2
	assert "line 2: Gross Profit is not a number: 'lots'" in capsys.readouterr().err
	profits.write_text(
		"Customer,Posting Date,Selling Amount,Gross Profit\nA,2026-06-01,100,4\nA,2026-05-20,-50,-2\n"
	)
	assert cli.main(["rank", str(orders), "--profits", str(profits), "--format", "json"]) == 0
	(row,) = json.loads(capsys.readouterr().out)
	assert (row["profit"], row["margin"]) == (2.0, 4.0)
	assert row["reason"].endswith("Thin margin: gross profit 2 is 4.0% of revenue 50 (below 10%)")
