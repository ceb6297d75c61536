"""Conversion probability: the table model, its fit, its choice by a time-based holdout and its reasons."""

import math

import numpy as np
import pytest

from customer_priority.engine.conversion import (
	FEATURE_LABELS,
	OTHER,
	TOO_LITTLE,
	ConversionModel,
	calibration_table,
	fit,
	numeric_category,
	train,
)


def history(n=1500, seed=1):
	"""Closed leads whose buying depends on their source, their final stage and how often we wrote to them;
	territory and industry are noise."""
	rng = np.random.default_rng(seed)
	source = rng.choice(["Campaign", "Cold Calling", "Existing Customer", "Advertisement"], n)
	final = rng.choice(["Yes", "No", "Not Asked"], n)
	messages = rng.poisson(3, n)
	territory = rng.choice(["North", "South", "East", "West"], n)
	industry = rng.choice(["Steel", "Food", "Textile"], n)
	log_odds = (
		-1.5
		+ 1.6 * (source == "Existing Customer")
		- 1.0 * (source == "Cold Calling")
		+ 1.3 * (final == "Yes")
		+ 0.35 * (messages - 3)
	)
	bought = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
	columns = {
		"source": source.tolist(),
		"final_stage": final.tolist(),
		"messages": messages.tolist(),
		"territory": territory.tolist(),
		"industry": industry.tolist(),
	}
	return columns, bought, np.arange(n)


def test_the_fit_finds_the_features_the_outcome_depends_on():
	columns, bought, day = history()
	result = train(columns, bought, day, stage_feature="final_stage")
	model = result.model
	assert model is not None and result.closed == 1500 and result.holdout == 375
	spread = {f: max(t.values()) - min(t.values()) for f, t in model.contributions.items()}
	assert min(spread["source"], spread["final_stage"], spread["messages"]) > 2 * max(
		spread["territory"], spread["industry"]
	)
	assert (
		model.contributions["source"]["Existing Customer"] > 0 > model.contributions["source"]["Cold Calling"]
	)
	# Better than both baselines on the newest quarter.
	chosen = result.metrics[model.kind]
	assert chosen["auc"] > result.metrics["stage_only"]["auc"] > result.metrics["overall_rate"]["auc"] - 1e-9
	assert chosen["brier"] < result.metrics["overall_rate"]["brier"]
	assert result.metrics["overall_rate"]["auc"] == pytest.approx(0.5)


def test_table_scores_equal_scikit_learns_own():
	from sklearn.linear_model import LogisticRegression
	from sklearn.preprocessing import OneHotEncoder

	columns, bought, _day = history(600, seed=4)
	columns = {f: columns[f] for f in ("source", "final_stage", "territory")}
	model = fit("logistic", columns, bought)
	matrix = np.array([columns[f] for f in columns], dtype=object).T.astype(str)
	encoder = OneHotEncoder(handle_unknown="ignore")
	reference = LogisticRegression(C=1.0, max_iter=2000).fit(encoder.fit_transform(matrix), bought)
	expected = reference.predict_proba(encoder.transform(matrix))[:, 1]
	assert np.allclose(model.score_columns(columns), expected, atol=1e-9)
	record = {f: columns[f][0] for f in columns}
	assert model.score(record)[0] == pytest.approx(expected[0], abs=1e-9)


def test_naive_bayes_is_the_frequency_count():
	columns = {"source": ["A"] * 6 + ["B"] * 4}
	bought = np.array([1, 1, 1, 0, 0, 0, 1, 0, 0, 0])
	model = fit("naive_bayes", columns, bought)
	# P(A|bought) = (3+1)/(4+2), P(A|not) = (3+1)/(6+2); prior odds 4/6.
	expected = (4 / 6) * ((4 / 6) / (4 / 8))
	assert model.score({"source": "A"})[0] == pytest.approx(expected / (1 + expected))


def test_too_little_history_gives_no_model_and_says_why():
	columns, bought, day = history(150)
	result = train(columns, bought, day)
	assert result.model is None and result.message.template == TOO_LITTLE
	assert result.message.params["closed"] == 150
	few = np.zeros(1500, dtype=int)
	few[:10] = 1
	assert train(history()[0], few, np.arange(1500)).model is None


def test_values_never_seen_and_rare_ones_score_as_other():
	columns, bought, day = history()
	columns["territory"][0] = "Atlantis"  # seen once: grouped with the rare ones
	model = train(columns, bought, day).model
	assert "Atlantis" not in model.contributions["territory"]
	assert model.contribution("territory", "Atlantis") == (OTHER, model.contributions["territory"][OTHER])
	assert model.contribution("territory", "Mars")[0] == OTHER
	assert 0 < model.score({})[0] < 1  # nothing known at all: still a probability


def test_reasons_name_the_strongest_features_in_order():
	columns, bought, day = history()
	model = train(columns, bought, day).model
	probability, reasons = model.score({"source": "Existing Customer", "final_stage": "Yes", "messages": 9})
	assert probability > 0.8 and 1 <= len(reasons) <= 3
	assert reasons[0].params["feature"] in (
		FEATURE_LABELS["source"],
		FEATURE_LABELS["final_stage"],
		FEATURE_LABELS["messages"],
	)
	assert "×" in reasons[0].template
	_p, low = model.score({"source": "Cold Calling", "final_stage": "No", "messages": 0})
	assert any("÷" in r.template for r in low)


def test_model_survives_a_round_trip_through_json():
	import json

	columns, bought, day = history()
	model = train(columns, bought, day).model
	again = ConversionModel.from_dict(json.loads(json.dumps(model.as_dict())))
	record = {"source": "Campaign", "final_stage": "Not Asked", "messages": 2, "territory": "West"}
	assert again.score(record) == model.score(record)


def test_numeric_ranges():
	edges = [2.0, 5.0]
	assert [numeric_category(v, edges) for v in (0, 2, 4.9, 5, 80)] == ["< 2", "2–5", "2–5", "≥ 5", "≥ 5"]
	assert numeric_category(None, edges) == numeric_category("x", edges) == "(unknown)"
	assert numeric_category(math.nan, edges) == "(unknown)"


def test_calibration_table_counts_every_record():
	rng = np.random.default_rng(0)
	p = rng.random(1000)
	truth = (rng.random(1000) < p).astype(int)
	table = calibration_table(truth, p)
	assert sum(row["records"] for row in table) == 1000
	assert [row["predicted"] for row in table] == sorted(row["predicted"] for row in table)
	assert all(abs(row["predicted"] - row["actual"]) < 0.1 for row in table)
