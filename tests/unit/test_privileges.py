"""Levels that grant privileges: applied on the way up, taken back on the way down, hands off what a person set."""

from customer_priority.engine.privileges import decide_privileges, restore
from customer_priority.engine.settings import Level

BRONZE = Level("Bronze", 0)
SILVER = Level("Silver", 40, price_list="Silver Prices")
GOLD = Level(
	"Gold", 65, customer_group="Gold Customers", price_list="Gold Prices", loyalty_program="Gold Club"
)
DEFAULTS = {"customer_group": "All Customer Groups"}
NEW_CUSTOMER = {"customer_group": "All Customer Groups", "default_price_list": "", "loyalty_program": ""}


def test_a_promotion_applies_the_new_levels_privileges_and_remembers_what_was_there():
	decision = decide_privileges(SILVER, GOLD, NEW_CUSTOMER, {}, DEFAULTS)
	assert {(c.field, c.old, c.new) for c in decision.changes} == {
		("customer_group", "All Customer Groups", "Gold Customers"),
		("default_price_list", "", "Gold Prices"),
		("loyalty_program", "", "Gold Club"),
	}
	assert decision.applied["customer_group"] == {"value": "Gold Customers", "before": "All Customer Groups"}
	assert "Level Silver to Gold: Gold grants Customer Group Gold Customers" in [
		str(r) for c in decision.changes for r in c.reasons
	]


def test_a_demotion_takes_back_what_the_old_level_gave_and_keeps_what_the_new_one_gives():
	up = decide_privileges(SILVER, GOLD, NEW_CUSTOMER, {}, DEFAULTS)
	now = {
		"customer_group": "Gold Customers",
		"default_price_list": "Gold Prices",
		"loyalty_program": "Gold Club",
	}
	down = decide_privileges(GOLD, SILVER, now, up.applied, DEFAULTS)
	assert {(c.field, c.old, c.new) for c in down.changes} == {
		("customer_group", "Gold Customers", "All Customer Groups"),
		("default_price_list", "Gold Prices", "Silver Prices"),
		("loyalty_program", "Gold Club", ""),
	}
	# The price list is still the app's, and still restores to what the customer had before any level.
	assert down.applied == {"default_price_list": {"value": "Silver Prices", "before": ""}}
	back = decide_privileges(
		SILVER, BRONZE, {**NEW_CUSTOMER, "default_price_list": "Silver Prices"}, down.applied, DEFAULTS
	)
	assert [(c.field, c.new) for c in back.changes] == [("default_price_list", "")] and back.applied == {}


def test_a_group_set_by_hand_is_left_alone_unless_settings_say_so():
	by_hand = {**NEW_CUSTOMER, "customer_group": "Government"}
	decision = decide_privileges(SILVER, GOLD, by_hand, {}, DEFAULTS)
	assert "customer_group" not in {c.field for c in decision.changes}
	assert {c.field for c in decision.changes} == {"default_price_list", "loyalty_program"}
	forced = decide_privileges(SILVER, GOLD, by_hand, {}, DEFAULTS, override_by_hand=True)
	assert forced.applied["customer_group"] == {"value": "Gold Customers", "before": "Government"}


def test_a_value_changed_by_hand_after_the_app_applied_it_is_the_persons_from_then_on():
	up = decide_privileges(SILVER, GOLD, NEW_CUSTOMER, {}, DEFAULTS)
	changed = {
		"customer_group": "Commercial",
		"default_price_list": "Gold Prices",
		"loyalty_program": "Gold Club",
	}
	down = decide_privileges(GOLD, BRONZE, changed, up.applied, DEFAULTS)
	assert "customer_group" not in {c.field for c in down.changes}
	assert "customer_group" not in down.applied


def test_restore_leaves_the_customer_as_before_the_app_applied_anything():
	up = decide_privileges(SILVER, GOLD, NEW_CUSTOMER, {}, DEFAULTS)
	now = {
		"customer_group": "Gold Customers",
		"default_price_list": "Special",
		"loyalty_program": "Gold Club",
	}
	assert restore(now, up.applied) == {"customer_group": "All Customer Groups", "loyalty_program": ""}


def test_a_level_without_privileges_changes_nothing():
	assert decide_privileges(BRONZE, SILVER.__class__("Silver", 40), NEW_CUSTOMER, {}, DEFAULTS).changes == []
