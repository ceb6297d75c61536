import json

import pytest

from customer_priority.engine.settings import Level, Settings, SettingsError

BAD = [
	("lookback_days", {"lookback_days": 0}),
	("lookback_days", {"lookback_days": 12.5}),
	("abc_a_cutoff", {"abc_a_cutoff": 120}),
	("abc_a_cutoff", {"abc_a_cutoff": -1}),
	("abc_b_cutoff", {"abc_a_cutoff": 90, "abc_b_cutoff": 80}),
	("abc_b_cutoff", {"abc_b_cutoff": float("nan")}),
	("recency_weight", {"recency_weight": -1}),
	("monetary_weight", {"recency_weight": 0, "frequency_weight": 0, "monetary_weight": 0}),
	("levels", {"levels": []}),
	("levels", {"levels": [Level("A", 0), Level("B", 50), Level("C", 40)]}),
	("levels", {"levels": [Level("A", 10), Level("B", 50)]}),
	("levels", {"levels": [Level("A", 0), Level("A", 50)]}),
	("levels", {"levels": [Level("A", 0), Level("B", 150)]}),
	("hysteresis_margin", {"hysteresis_margin": -5}),
	("key_account_top_percent", {"key_account_top_percent": 101}),
	("potential_weights", {"potential_weights": {"brand_strength": 1}}),
	(
		"potential_weights",
		{
			"potential_weights": dict.fromkeys(
				(
					"brand_strength",
					"production_volume",
					"sales_network",
					"staff_count",
					"years_in_business",
					"purchase_potential",
				),
				-1,
			)
		},
	),
	("staff_count_bands", {"staff_count_bands": [10, 5, 250, 1000, 5000]}),
	("years_in_business_bands", {"years_in_business_bands": [1, 2, 3]}),
	("lapse_days", {"lapse_days": 0}),
	("key_account_routine_tier", {"key_account_routine_tier": "Urgent"}),
	("urgent_current_tier", {"urgent_current_tier": ""}),
	("basic_request_types", {"basic_request_types": ["Complaint"]}),
	("final_sales_stages", {"final_sales_stages": [""]}),
	("review_interval_days", {"review_interval_days": -30}),
	("evaluation_weights", {"evaluation_weights": {"q1": 1}}),
	("evaluation_bands", {"evaluation_bands": [("Good", 50), ("Bad", 60)]}),
	("potential_threshold", {"potential_threshold": "high"}),
]


def test_defaults_are_valid():
	assert Settings().validate() == Settings()


@pytest.mark.parametrize(("field", "changes"), BAD, ids=[f"{f}-{i}" for i, (f, _c) in enumerate(BAD)])
def test_bad_values_are_refused_with_a_message_naming_the_field(field, changes):
	with pytest.raises(SettingsError) as caught:
		Settings().replace(**changes).validate()
	assert field in caught.value.fields
	assert str(caught.value)


def test_all_problems_are_reported_at_once():
	with pytest.raises(SettingsError) as caught:
		Settings().replace(lookback_days=0, abc_a_cutoff=200, hysteresis_margin=-1).validate()
	assert {"lookback_days", "abc_a_cutoff", "hysteresis_margin"} <= set(caught.value.fields)


def test_round_trip_through_json():
	settings = Settings().replace(
		abc_a_cutoff=70.0, levels=[Level("Base", 0, "gray"), Level("Top", 60, "green")]
	)
	again = Settings.from_dict(json.loads(json.dumps(settings.to_dict())))
	assert again == settings


def test_unknown_key_is_refused():
	with pytest.raises(SettingsError, match="Unknown setting"):
		Settings.from_dict({"abc_cutoff": 10})


def test_malformed_levels_are_refused():
	with pytest.raises(SettingsError):
		Settings.from_dict({"levels": [{"title": "x"}]})
