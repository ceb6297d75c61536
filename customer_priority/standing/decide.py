"""The customers of one part decided at once: the population the engine decides as arrays, its new stored values,
and which customers changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from frappe.utils import cint, flt

from customer_priority.engine.bulk import Decided, Population, decide_population
from customer_priority.engine.history import average_order_value, margin_percent
from customer_priority.engine.keyaccount import PotentialProfile, potential_score
from customer_priority.standing.figures import Part
from customer_priority.standing.predictions import Predicted
from customer_priority.standing.stored import (
	COMPARED,
	DAY_COLUMNS,
	DECIMAL_COLUMNS,
	ordinal,
	read_stored,
	stored_profiles,
	stored_risks,
)
from customer_priority.standing.totals import totals_population


def potentials(names: list[str], profiles: dict[str, PotentialProfile], settings) -> np.ndarray:
	"""Each customer's potential score, NaN where no profile is filled in: only the filled ones are scored."""
	potential = np.full(len(names), np.nan)
	if profiles:
		for row, name in enumerate(names):
			if name in profiles:
				potential[row] = potential_score(profiles[name], settings)
	return potential


def population(
	stored: dict,
	totals: dict,
	profiles: dict[str, PotentialProfile],
	settings,
	predicted: Predicted | None = None,
) -> Population:
	return totals_population(
		stored["name"],
		totals,
		np.array([bool(cint(v)) for v in stored["is_internal_customer"]], dtype=bool),
		previous_level=[v or None for v in stored["cp_level"]],
		potential=potentials(stored["name"], profiles, settings),
		marked_key=np.array(
			[
				src == "Manual" and bool(cint(key))
				for src, key in zip(stored["cp_key_account_source"], stored["cp_key_account"], strict=True)
			],
			dtype=bool,
		),
		at_risk=np.array([bool(data) for data in stored["cp_at_risk_data"]], dtype=bool),
		p_alive=predicted.p_alive if predicted else None,
		expected_value=predicted.expected_value if predicted else None,
	)


def new_values(
	stored: dict, totals: dict, decided: Decided, predicted: Predicted | None = None
) -> dict[str, np.ndarray]:
	"""The result columns the bulk decisions give, in the stored form (days as ordinals)."""
	ranked = decided.rank > 0
	overridden = np.array([bool(cint(v)) for v in stored["cp_tier_override"]], dtype=bool)
	count = totals["count"]
	return {
		"cp_lifetime_value": np.where(count > 0, totals["lifetime"], 0.0),
		"cp_order_count": count,
		"cp_window_value": np.where(count > 0, totals["window"], 0.0),
		"cp_window_order_count": totals["window_count"],
		"cp_first_order_date": totals["first"],
		"cp_last_order_date": totals["last"],
		"cp_reborn_on": totals["reborn"],
		"cp_average_order_value": average_order_value(totals["lifetime"], count),
		"cp_lifetime_profit": totals["lifetime_profit"],
		"cp_window_profit": totals["window_profit"],
		"cp_window_invoiced": totals["window_invoiced"],
		"cp_margin_percent": np.nan_to_num(
			margin_percent(totals["window_profit"], totals["window_invoiced"]), nan=0.0
		),
		"cp_rank": decided.rank,
		"cp_percentile": np.where(ranked, decided.percentile, 0.0),
		"cp_abc_class": np.where(ranked, decided.abc, ""),
		"cp_rfm_score": decided.rfm_code,
		"cp_rfm_segment": decided.segment,
		"cp_points": decided.points,
		"cp_level": decided.level,
		"cp_lifecycle": decided.lifecycle,
		"cp_key_account": decided.is_key.astype(np.int64),
		"cp_at_risk": decided.at_risk.astype(np.int64),
		"cp_key_account_source": np.where(decided.is_key, decided.key_source, ""),
		"cp_relationship_level": decided.relationship_level,
		"cp_potential_score": decided.potential_score,
		"cp_rule_tier": decided.tier,
		"cp_priority_tier": np.where(
			overridden, np.array(stored["cp_override_tier"], dtype=object), decided.tier
		),
		# Not predicted: 0, as the columns hold no NULL (a fitted P(alive) is never 0, so 0 reads as "none").
		"cp_p_alive": np.nan_to_num(predicted.p_alive * 100.0) if predicted else np.zeros(len(count)),
		"cp_expected_orders": np.nan_to_num(predicted.expected_orders) if predicted else np.zeros(len(count)),
		"cp_expected_value": np.nan_to_num(predicted.expected_value) if predicted else np.zeros(len(count)),
	}


SAME_WITHIN = 5e-7
"""How far a decimal may move and still count as unchanged. Rounding the stored and the new value to six places
each would not do: a value stored as 0.0021625 (its nine places end in 500) and decided again as
0.00216250016 rounds to 0.002162 and 0.002163, so the customer would be written again on every run."""


def changed_mask(
	stored: dict, stored_days: dict[str, np.ndarray], values: dict[str, np.ndarray]
) -> np.ndarray:
	"""Which customers' stored results differ from the new ones: decimals by half a unit in the sixth place or
	more (``SAME_WITHIN``), days as ordinals, an empty string equal to NULL; column by column over the whole
	population."""
	changed = np.zeros(len(stored["name"]), dtype=bool)
	for column in COMPARED:
		new = values[column]
		if column in DECIMAL_COLUMNS:
			old = np.array([flt(v) for v in stored[column]])
			changed |= np.abs(old - new.astype(float)) >= SAME_WITHIN
		elif column in DAY_COLUMNS:
			changed |= stored_days[column] != new
		elif column in ("cp_rank", "cp_order_count", "cp_window_order_count", "cp_key_account", "cp_at_risk"):
			changed |= np.array([cint(v) for v in stored[column]], dtype=np.int64) != new
		else:
			changed |= np.array([v or "" for v in stored[column]], dtype=object) != np.array(
				[v or "" for v in new], dtype=object
			)
	return changed


@dataclass
class Everyone:
	"""One part of a run's customers: what is stored, the fresh totals, the population the engine decided and its
	decisions, with the profiles and risk reasons the reasons are made of."""

	stored: dict[str, list]
	totals: dict
	population: Population
	decided: Decided
	profiles: dict[str, PotentialProfile]
	risks: dict[str, list]
	predicted: Predicted


def decide_part(part: Part, as_of: date, settings) -> Everyone:
	"""The customers of one part decided with the columnar path, against the population-wide figures the first
	pass took (``figures.take_figures``): the same decisions as deciding everyone at once. Their stored rows are
	read now; a customer made since the first pass waits for the next run, one removed since is left out."""
	stored = read_stored(span=part.span)
	position = {name: row for row, name in enumerate(part.names)}
	keep = [row for row, name in enumerate(stored["name"]) if name in position]
	if len(keep) != len(stored["name"]):
		stored = {column: [values[row] for row in keep] for column, values in stored.items()}
	rows = np.array([position[name] for name in stored["name"]], dtype=np.intp)
	if len(rows) != len(part.names) or (rows != np.arange(len(rows))).any():
		part = part.rows(rows)
	totals = dict(part.totals)
	totals["stored_days"] = {
		column: np.array([ordinal(day) for day in stored[column]], dtype=np.int64) for column in DAY_COLUMNS
	}
	profiles = stored_profiles(stored)
	pop = population(stored, totals, profiles, settings, part.predicted)
	decided = decide_population(pop, as_of, settings, part.ranking)
	return Everyone(stored, totals, pop, decided, profiles, stored_risks(stored), part.predicted)
