from hypothesis import given
from hypothesis import strategies as st

from customer_priority.engine.levels import decide_level, level_for_points, points_from_rfm
from customer_priority.engine.ranking import Rfm
from customer_priority.engine.settings import Settings

S = Settings()  # Bronze 0, Silver 40, Gold 65, Platinum 85; margin 5


def test_points_range():
	assert points_from_rfm(Rfm(1, 1, 1, "Lost"), S) == 0
	assert points_from_rfm(Rfm(5, 5, 5, "Champions"), S) == 100
	assert points_from_rfm(Rfm(0, 0, 0, "No Orders"), S) == 0
	heavy_m = S.replace(recency_weight=0, frequency_weight=0, monetary_weight=1)
	assert points_from_rfm(Rfm(1, 1, 5, "x"), heavy_m) == 100


def test_first_assignment_and_promotion_at_the_threshold():
	assert decide_level(39.9, None, S).level == "Bronze"
	assert decide_level(40, None, S).level == "Silver"
	promoted = decide_level(65, "Silver", S)
	assert (promoted.level, promoted.change) == ("Gold", "promoted")
	assert "Promoted" in str(promoted.reasons[0])
	assert decide_level(100, "Bronze", S).level == "Platinum"


def test_hysteresis_keeps_the_level_within_the_margin():
	assert decide_level(61, "Gold", S).level == "Gold"
	assert decide_level(60, "Gold", S).level == "Gold"
	demoted = decide_level(59.9, "Gold", S)
	assert (demoted.level, demoted.change) == ("Silver", "demoted")
	assert decide_level(10, "Platinum", S).level == "Bronze"
	assert decide_level(81, "Platinum", S).level == "Platinum"
	assert decide_level(62, "Platinum", S).level == "Gold", "keeps Gold's own margin on the way down"


def test_unknown_previous_level_is_treated_as_new():
	assert decide_level(70, "Diamond", S).change is None


@given(
	st.floats(min_value=10, max_value=90), st.lists(st.floats(min_value=-0.99, max_value=0.99), max_size=50)
)
def test_never_flaps_around_a_boundary(boundary_offset, wiggles):
	"""Points moving within less than the margin around any value change the level at most once."""
	centre = boundary_offset
	level = None
	changes = 0
	for w in wiggles:
		points = centre + w * S.hysteresis_margin / 2
		decision = decide_level(points, level, S)
		if level is not None and decision.level != level:
			changes += 1
		level = decision.level
	assert changes <= 1


@given(st.floats(min_value=0, max_value=100))
def test_level_without_history_is_the_threshold_level(points):
	assert decide_level(points, None, S).level == level_for_points(points, S.levels).name
