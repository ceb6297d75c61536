"""One customer's stored standing: read the stored facts, ask the engine, write back what changed, log it.

Used by the order hooks (after the customer's aggregates moved by one order) and by the override actions.
The full recompute does the same for every customer at once, in SQL batches (``recompute.py``); here too is the
rebuild of a few customers' aggregates from their own orders (after a merge, or a failed hook: ``repair.py``).
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import cint, flt, getdate

from customer_priority.data.settings import (
	get_engine_settings,
	get_rfm_cutoffs,
)
from customer_priority.engine.history import Aggregate
from customer_priority.engine.pipeline import Standing, standing_for
from customer_priority.engine.ranking import Ranked
from customer_priority.engine.settings import Settings
from customer_priority.standing.explain import changes_to_log, tier_reason
from customer_priority.standing.log import write_log
from customer_priority.standing.stored import (
	AGGREGATE_FIELDS,
	PROFILE_FIELDS,
	STATE_FIELDS,
	aggregate_from_row,
	aggregate_values,
	marked_key,
	profile_from_row,
	stored_prediction,
)
from customer_priority.standing.totals import order_aggregates
from customer_priority.utils import reasons


def standing_values(st: Standing, row, settings: Settings) -> dict:
	"""The stored fields for a standing; a manual override keeps the visible tier."""
	agg = st.aggregate
	values = {
		"cp_rule_tier": st.tier,
		"cp_priority_tier": row.cp_override_tier if cint(row.cp_tier_override) else st.tier,
		"cp_level": st.level,
		"cp_points": st.points,
		"cp_lifecycle": st.lifecycle,
		"cp_key_account": 1 if st.is_key else 0,
		"cp_key_account_source": st.key_source or "",
		"cp_relationship_level": st.relationship_level,
		"cp_potential_score": st.potential_score,
		"cp_rfm_score": st.rfm_code,
		"cp_rfm_segment": st.segment,
		"cp_average_order_value": agg.average_order_value,
		"cp_margin_percent": agg.window_margin or 0.0,
		"cp_at_risk": 1 if st.at_risk else 0,
	}
	values["cp_tier_reason"], values["cp_tier_reason_data"] = tier_reason(st.why("tier"), row)
	return values


def retier_customer(
	customer: str,
	source: str = "Hook",
	reference=None,
	as_of: date | None = None,
	settings: Settings | None = None,
) -> Standing:
	"""Re-decide one customer from its stored aggregates, against the population cut-offs of the last recompute.

	Rank, percentile and ABC class stay as the last recompute left them (they depend on everyone); the value
	rules for key accounts use the customer's current value.

	The row is read locked, so as another user's submit last committed it, not as this transaction first saw it
	(a lost opportunity or a saved profile may have read the customer before): what was decided since is never written
	back over unlogged, and a concurrent submit waits until this transaction ends.
	"""
	settings = settings or get_engine_settings()
	fields = [
		"name",
		*AGGREGATE_FIELDS,
		*PROFILE_FIELDS,
		*STATE_FIELDS,
		"cp_override_reason",
		"cp_p_alive",
		"cp_expected_value",
	]
	row = frappe.db.get_value("Customer", customer, fields, as_dict=True, for_update=True)
	agg = aggregate_from_row(customer, row)
	ranked = None
	if not cint(row.is_internal_customer):
		# Before the first recompute a customer has no rank yet (0): the value rules still see its value.
		ranked = Ranked(
			customer,
			agg.ranking_values(settings)[0],
			cint(row.cp_rank),
			flt(row.cp_percentile),
			0.0,
			0.0,
			row.cp_abc_class or "C",
		)
	profile = profile_from_row(row)
	st = standing_for(
		agg,
		ranked,
		get_rfm_cutoffs(),
		as_of or getdate(),
		settings,
		row.cp_level or None,
		None if profile.is_empty else profile,
		is_internal=bool(cint(row.is_internal_customer)),
		marked_key=marked_key(row),
		risk=reasons.decode(row.cp_at_risk_data) if row.cp_at_risk_data else None,
		prediction=stored_prediction(row),
	)
	values = standing_values(st, row, settings)
	frappe.db.set_value("Customer", customer, values, update_modified=False)
	write_log(changes_to_log(customer, row, values, st, source, reference, settings=settings))
	return st


def recompute_customers(customers: list[str], source: str = "Hook") -> None:
	"""Rebuild a few customers' aggregates from their own orders (after a merge) and re-decide them."""
	settings = get_engine_settings()
	aggregates = order_aggregates(getdate(), settings, customers=customers)
	for name in customers:
		agg = aggregates.get(name) or Aggregate(name)
		frappe.db.set_value("Customer", name, aggregate_values(agg), update_modified=False)
		retier_customer(name, source, settings=settings)
