"""What saving edited Settings would change, before anything is saved: how many customers would move between
tiers, levels, ABC classes, key-account status, lifecycle and relationship level (``engine.transitions``), and a
few of them with the reason of their new tier.

It reads, never writes. The population is decided by the recompute's own columnar path
(``bulk.decide_population`` through ``decide.population``) from the stored aggregates, the stored levels (which
hysteresis keeps) and the stored purchase predictions, and compared with the standing each customer holds now.
Settings that change the aggregates themselves are honoured by reading again what they move: a new look-back window
the orders and invoices inside it, a new lapse period every customer's buying days, as the next recompute will; a
new prediction horizon fits the purchase models again.
"""

from __future__ import annotations

from datetime import date

import numpy as np

import frappe
from frappe import _

from customer_priority.engine.bulk import decide_population
from customer_priority.engine.columnar import tier_reasons
from customer_priority.engine.settings import Settings
from customer_priority.engine.transitions import (
	DIMENSIONS,
	KEY,
	LABELS,
	NOT_KEY,
	standing_columns,
	transitions,
)
from customer_priority.standing.decide import population
from customer_priority.standing.explain import override_reason
from customer_priority.standing.predictions import Predicted, predict_customers
from customer_priority.standing.stored import (
	DAY,
	NUMBER,
	PROFILE_FIELDS,
	TEXT,
	WHOLE,
	read_columns,
	stored_profiles,
	stored_risks,
)
from customer_priority.standing.totals import profit_plan, reborn_totals, window_totals
from customer_priority.utils import reasons

READ = {
	"cp_lifetime_value": NUMBER,
	"cp_order_count": WHOLE,
	"cp_window_value": NUMBER,
	"cp_window_order_count": WHOLE,
	"cp_first_order_date": DAY,
	"cp_last_order_date": DAY,
	"cp_reborn_on": DAY,
	"cp_lifetime_profit": NUMBER,
	"cp_window_profit": NUMBER,
	"cp_window_invoiced": NUMBER,
	**{
		field: TEXT for field in PROFILE_FIELDS
	},  # as stored (ratings are Select texts): the profile reads them
	"is_internal_customer": WHOLE,
	"cp_priority_tier": TEXT,
	"cp_level": TEXT,
	"cp_abc_class": TEXT,
	"cp_key_account": WHOLE,
	"cp_key_account_source": TEXT,
	"cp_lifecycle": TEXT,
	"cp_relationship_level": TEXT,
	"cp_tier_override": WHOLE,
	"cp_override_tier": TEXT,
	"cp_override_reason": TEXT,
	"cp_at_risk_data": TEXT,
	"cp_p_alive": NUMBER,
	"cp_expected_orders": NUMBER,
	"cp_expected_value": NUMBER,
}
"""What the preview reads of each customer: the aggregates, what the rules read besides, and the standing now."""

SAMPLE = 20
"""Customers shown with their new reason."""


def stored_totals(stored: dict) -> dict[str, np.ndarray]:
	"""The aggregates as the recompute's fresh totals hold them (days as ordinals)."""
	return {
		"lifetime": stored["cp_lifetime_value"],
		"count": stored["cp_order_count"],
		"window": stored["cp_window_value"],
		"window_count": stored["cp_window_order_count"],
		"first": stored["cp_first_order_date"],
		"last": stored["cp_last_order_date"],
		"reborn": stored["cp_reborn_on"],
		"lifetime_profit": stored["cp_lifetime_profit"],
		"window_profit": stored["cp_window_profit"],
		"window_invoiced": stored["cp_window_invoiced"],
	}


def stored_predictions(stored: dict) -> Predicted:
	"""The predictions the last recompute stored; NaN where none (a fitted P(alive) is never 0)."""
	p_alive = stored["cp_p_alive"] / 100.0
	none = p_alive <= 0
	return Predicted(
		np.where(none, np.nan, p_alive),
		np.where(none, np.nan, stored["cp_expected_orders"]),
		np.where(none, np.nan, stored["cp_expected_value"]),
		"",
	)


def standing_now(stored: dict) -> dict[str, np.ndarray]:
	"""Each customer's standing as stored, in the dimensions of ``engine.transitions``."""
	return {
		"tier": stored["cp_priority_tier"],
		"level": stored["cp_level"],
		"abc": stored["cp_abc_class"],
		"key_account": np.where(stored["cp_key_account"] != 0, KEY, NOT_KEY).astype(object),
		"lifecycle": stored["cp_lifecycle"],
		"relationship": stored["cp_relationship_level"],
	}


def read() -> dict:
	"""Every customer's ``READ`` fields as columns (the names as a list, as a ``Population`` holds them)."""
	return read_columns(READ)


def preview(settings: Settings, saved: Settings, as_of: date, sample: int = SAMPLE) -> dict:
	"""The moves saving ``settings`` (in place of ``saved``) and recomputing as of ``as_of`` would make."""
	stored = read()
	totals = stored_totals(stored)
	if settings.lookback_days != saved.lookback_days:
		# The window's sums and every invoice grouped again for it, as the recompute after saving would; the
		# lifetime totals, first and last days and Reborn days do not move with the window.
		plan = profit_plan(len(stored["name"]), as_of, settings, regroup_all=True)
		totals = window_totals(totals, stored, plan)
	if settings.lapse_days != saved.lapse_days:
		totals = reborn_totals(totals, stored["name"], settings.lapse_days)
	if settings.prediction_horizon_days != saved.prediction_horizon_days:
		predicted = predict_customers(stored["name"], as_of, settings)
	else:
		predicted = stored_predictions(stored)
	profiles = stored_profiles(stored)
	pop = population(stored, totals, profiles, settings, predicted)
	decided = decide_population(pop, as_of, settings)
	overridden = np.where(stored["cp_tier_override"] != 0, stored["cp_override_tier"], "").astype(object)
	moves = transitions(standing_now(stored), standing_columns(decided, overridden))
	shown = moves.sample(sample * 5)  # more than shown: the reader may not see every customer
	why, which = tier_reasons(pop, decided, shown, as_of, settings, profiles, stored_risks(stored))
	names = readable_names([stored["name"][row] for row in shown.tolist()])
	lang = frappe.local.lang
	customers = []
	for i, row in enumerate(shown.tolist()):
		name = stored["name"][row]
		if name not in names:
			continue
		tier_why = override_reason(stored["cp_override_reason"][row]) if overridden[row] else why[which[i]]
		customers.append(
			{
				"customer": name,
				"customer_name": names[name],
				"moves": [
					{"label": _(LABELS[d]), "from": word(d, old[row]), "to": word(d, new[row])}
					for d, (old, new) in moves.values.items()
					if moves.moved[d][row]
				],
				"reason": reasons.render(tier_why, lang),
			}
		)
		if len(customers) >= sample:
			break
	return {
		"as_of": str(as_of),
		"customers": len(stored["name"]),
		"moved": int(np.count_nonzero(moves.any_moved)),
		"dimensions": [
			{
				"dimension": d,
				"label": _(LABELS[d]),
				"moved": moves.count(d),
				"transitions": [
					{"from": word(d, old), "to": word(d, new), "count": count}
					for old, new, count in moves.table[d]
				],
			}
			for d in DIMENSIONS
		],
		"sample": customers,
	}


def readable_names(names: list[str]) -> dict[str, str]:
	"""The customers of ``names`` the reader may see (User Permissions applied), with their names: none for a
	reader who may read no customer (ERPNext gives a System Manager no role permission on Customer)."""
	if not names or not frappe.has_permission("Customer", "read"):
		return {}
	return dict(
		frappe.get_list(
			"Customer", filters={"name": ("in", names)}, fields=["name", "customer_name"], as_list=True
		)
	)


def word(dimension: str, value: str) -> str:
	"""A dimension's value for the reader: translated, a key account as yes or no, nothing as "Not set"."""
	if dimension == "key_account":
		return _("Yes") if value == KEY else _("No")
	return _(value) if value else _("Not set")
