"""What saving edited Settings would change, before anything is saved: how many customers would move between
tiers, levels, ABC classes, key-account status, lifecycle and relationship level (``engine.transitions``), and a
few of them with the reason of their new tier.

It reads, never writes. The population is decided by the recompute's own columnar path
(``bulk.decide_population`` through ``decide.population``) from the stored aggregates, the stored levels (which
hysteresis keeps) and the stored purchase predictions, and compared with the standing each customer holds now.
Settings that change the aggregates themselves are honoured by reading them again: a new look-back window or lapse
period groups the orders (and the invoices that moved) again, as the next recompute will; a new prediction
horizon fits the purchase models again.
"""

from __future__ import annotations

from datetime import date

import numpy as np

import frappe
from frappe import _
from frappe.utils import cint

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
	AGGREGATE_FIELDS,
	DAY_COLUMNS,
	PROFILE_FIELDS,
	ordinal,
	read_stored,
	stored_profiles,
	stored_risks,
)
from customer_priority.standing.totals import fresh_totals
from customer_priority.utils import reasons

READ = (
	*AGGREGATE_FIELDS,
	*PROFILE_FIELDS,
	"is_internal_customer",
	"cp_priority_tier",
	"cp_level",
	"cp_abc_class",
	"cp_key_account",
	"cp_key_account_source",
	"cp_lifecycle",
	"cp_relationship_level",
	"cp_tier_override",
	"cp_override_tier",
	"cp_override_reason",
	"cp_at_risk_data",
	"cp_p_alive",
	"cp_expected_orders",
	"cp_expected_value",
)
"""What the preview reads of each customer: the aggregates, what the rules read besides, and the standing now."""

SAMPLE = 20
"""Customers shown with their new reason."""


def numbers(values: list, dtype=float) -> np.ndarray:
	return np.array([v or 0 for v in values], dtype=dtype)


def stored_totals(stored: dict) -> dict[str, np.ndarray]:
	"""The aggregates as the recompute's fresh totals hold them (days as ordinals)."""
	days = {c: np.array([ordinal(d) for d in stored[c]], dtype=np.int64) for c in DAY_COLUMNS}
	return {
		"lifetime": numbers(stored["cp_lifetime_value"]),
		"count": numbers(stored["cp_order_count"], np.int64),
		"window": numbers(stored["cp_window_value"]),
		"window_count": numbers(stored["cp_window_order_count"], np.int64),
		"first": days["cp_first_order_date"],
		"last": days["cp_last_order_date"],
		"reborn": days["cp_reborn_on"],
		"lifetime_profit": numbers(stored["cp_lifetime_profit"]),
		"window_profit": numbers(stored["cp_window_profit"]),
		"window_invoiced": numbers(stored["cp_window_invoiced"]),
	}


def stored_predictions(stored: dict) -> Predicted:
	"""The predictions the last recompute stored; NaN where none (a fitted P(alive) is never 0)."""
	p_alive = numbers(stored["cp_p_alive"]) / 100.0
	none = p_alive <= 0
	return Predicted(
		np.where(none, np.nan, p_alive),
		np.where(none, np.nan, numbers(stored["cp_expected_orders"])),
		np.where(none, np.nan, numbers(stored["cp_expected_value"])),
		"",
	)


def standing_now(stored: dict) -> dict[str, list]:
	"""Each customer's standing as stored, in the dimensions of ``engine.transitions``."""
	return {
		"tier": stored["cp_priority_tier"],
		"level": stored["cp_level"],
		"abc": stored["cp_abc_class"],
		"key_account": [KEY if cint(v) else NOT_KEY for v in stored["cp_key_account"]],
		"lifecycle": stored["cp_lifecycle"],
		"relationship": stored["cp_relationship_level"],
	}


def preview(settings: Settings, saved: Settings, as_of: date, sample: int = SAMPLE) -> dict:
	"""The moves saving ``settings`` (in place of ``saved``) and recomputing as of ``as_of`` would make."""
	stored = read_stored(READ)
	if (settings.lookback_days, settings.lapse_days) != (saved.lookback_days, saved.lapse_days):
		totals = fresh_totals(stored, as_of, settings)
	else:
		totals = stored_totals(stored)
	if settings.prediction_horizon_days != saved.prediction_horizon_days:
		predicted = predict_customers(stored["name"], as_of, settings)
	else:
		predicted = stored_predictions(stored)
	profiles = stored_profiles(stored)
	pop = population(stored, totals, profiles, settings, predicted)
	decided = decide_population(pop, as_of, settings)
	overridden = [
		t if cint(o) else None
		for o, t in zip(stored["cp_tier_override"], stored["cp_override_tier"], strict=True)
	]
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
	"""The customers of ``names`` the reader may see (User Permissions applied), with their names."""
	if not names:
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
