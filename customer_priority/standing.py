"""One customer's stored standing: read the stored facts, ask the engine, write back what changed, log it.

Used by the order hooks (after the customer's aggregates moved by one order) and by the override actions.
The full recompute does the same for every customer at once, in SQL batches (``recompute.py``).
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import cint, flt, getdate

from customer_priority import privileges, reasons
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
	get_rfm_cutoffs,
)
from customer_priority.customer_priority.doctype.customer_tier_log.customer_tier_log import write_log
from customer_priority.engine.announcements import announcement_for
from customer_priority.engine.history import Aggregate
from customer_priority.engine.i18n import Reason, reason
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.keyaccount import PotentialProfile
from customer_priority.engine.pipeline import Standing, standing_for
from customer_priority.engine.ranking import Ranked
from customer_priority.engine.settings import Settings

AGGREGATE_FIELDS = (
	"cp_lifetime_value",
	"cp_order_count",
	"cp_window_value",
	"cp_window_order_count",
	"cp_first_order_date",
	"cp_last_order_date",
	"cp_reborn_on",
	"cp_lifetime_profit",
	"cp_window_profit",
	"cp_window_invoiced",
)
PROFILE_FIELDS = (
	"cp_brand_strength",
	"cp_production_volume",
	"cp_sales_network",
	"cp_staff_count",
	"cp_years_in_business",
	"cp_purchase_potential",
)
STATE_FIELDS = (
	"cp_priority_tier",
	"cp_rule_tier",
	"cp_level",
	"cp_key_account",
	"cp_key_account_source",
	"cp_relationship_level",
	"cp_lifecycle",
	"cp_tier_override",
	"cp_override_tier",
	"cp_rank",
	"cp_percentile",
	"cp_abc_class",
	"is_internal_customer",
	"account_manager",
	"cp_at_risk",
	"cp_at_risk_data",
)
# Log label for each tracked decision, with the stored field it lives in.
LOGGED = (
	("Tier", "cp_priority_tier"),
	("Level", "cp_level"),
	("Key Account", "cp_key_account"),
	("Relationship Level", "cp_relationship_level"),
	("Lifecycle", "cp_lifecycle"),
	("At Risk", "cp_at_risk"),
)


def override_reason(text: str | None) -> list[Reason]:
	"""The "why" shown while a tier is set by hand."""
	return [reason(mark("Set by hand: {reason}"), reason=(text or "").strip())]


def reason_values(why: list[Reason]) -> dict:
	"""The stored fields of a reason: English text, and the data each reader's rendering comes from."""
	text, data = reasons.stored_form(why)
	return {"cp_tier_reason": text, "cp_tier_reason_data": data}


def aggregate_values(agg: Aggregate) -> dict:
	"""The stored form of an aggregate (the inverse of ``aggregate_from_row``)."""
	return dict(
		zip(
			AGGREGATE_FIELDS,
			(
				agg.lifetime_value,
				agg.order_count,
				agg.window_value,
				agg.window_order_count,
				agg.first_order,
				agg.last_order,
				agg.reborn_on,
				agg.lifetime_profit,
				agg.window_profit,
				agg.window_invoiced,
			),
			strict=True,
		)
	)


def aggregate_from_row(name: str, row) -> Aggregate:
	return Aggregate(
		name,
		lifetime_value=flt(row.cp_lifetime_value),
		order_count=cint(row.cp_order_count),
		window_value=flt(row.cp_window_value),
		window_order_count=cint(row.cp_window_order_count),
		first_order=getdate(row.cp_first_order_date) if row.cp_first_order_date else None,
		last_order=getdate(row.cp_last_order_date) if row.cp_last_order_date else None,
		reborn_on=getdate(row.cp_reborn_on) if row.cp_reborn_on else None,
		lifetime_profit=flt(row.cp_lifetime_profit),
		window_profit=flt(row.cp_window_profit),
		window_invoiced=flt(row.cp_window_invoiced),
	)


def profile_from_row(row) -> PotentialProfile:
	return PotentialProfile(
		cint(row.cp_brand_strength),
		cint(row.cp_production_volume),
		cint(row.cp_sales_network),
		cint(row.cp_staff_count),
		flt(row.cp_years_in_business),
		cint(row.cp_purchase_potential),
	)


def marked_key(row) -> bool:
	"""A key account marked by hand (``api.set_key_account``): the rules keep it key until it is unmarked."""
	return row.cp_key_account_source == "Manual" and bool(cint(row.cp_key_account))


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


def tier_reason(why: list[Reason], row) -> tuple[str, str]:
	"""The stored (text, data) of a customer's tier reason: the rules' reason, or the override's while a tier is
	set by hand."""
	if cint(row.cp_tier_override):
		why = override_reason(row.get("cp_override_reason"))
	return reasons.stored_form(why)


def changes_to_log(
	party: str,
	before,
	after: dict,
	st: Standing,
	source: str,
	reference=None,
	settings=None,
	privileges_in_use: bool = True,
) -> list[dict]:
	"""The log entries of one customer's changes, and its level's privileges applied. ``privileges_in_use`` False
	(no level grants anything and nothing is applied: the recompute asks once for all its customers) skips them."""
	# A first standing (a new customer, or every customer on the first recompute after install) is a starting
	# point, not a change: the customer's record holds it with its reason, and the log, its report, its chart
	# and the "lapsed this month" card stay about moves (the same rule as the announcements').
	had_standing = bool(before.get("cp_priority_tier"))
	entries = []
	topic = {
		"Tier": "tier",
		"Level": "level",
		"Key Account": "key",
		"Relationship Level": "relationship",
		"Lifecycle": "lifecycle",
		"At Risk": "risk",
	}
	for label, field in LOGGED if had_standing else ():
		old, new = before.get(field), after.get(field)
		if field in ("cp_key_account", "cp_at_risk"):
			old, new = cint(old), cint(new)
		if (old or "") == (new or ""):
			continue
		entries.append(
			{
				"party_type": "Customer",
				"party": party,
				"field": label,
				"old_value": str(old or ""),
				"new_value": str(new or ""),
				"account_manager": before.get("account_manager"),
				"announcement": announcement_for(
					label,
					str(old or ""),
					str(new or ""),
					bool(cint(after.get("cp_key_account"))),
					True,
				),
				"reasons": st.why(topic[label]),
				"source": source,
				"reference_doctype": reference.doctype if reference else None,
				"reference_name": reference.name if reference else None,
			}
		)
	if "cp_level" in after and privileges_in_use:
		# A level that grants privileges applies them on the customer's record as the level changes (a first level
		# too: its privileges are no news, but they are the customer's).
		entries.extend(
			privileges.apply_level_change(
				party, before.get("cp_level"), after["cp_level"], source, reference, settings=settings
			)
		)
	if cint(before.get("cp_tier_override")) and (before.get("cp_rule_tier") or "") != after["cp_rule_tier"]:
		entries.append(
			{
				"party_type": "Customer",
				"party": party,
				"field": "Tier",
				"old_value": before.get("cp_rule_tier") or "",
				"new_value": after["cp_rule_tier"],
				"source": source,
				"reasons": [
					reason(
						mark("Rules now say {rule}, the manual override keeps {kept}"),
						rule=after["cp_rule_tier"],
						kept=before.get("cp_override_tier"),
					),
					*st.why("tier"),
				],
				"reference_doctype": reference.doctype if reference else None,
				"reference_name": reference.name if reference else None,
			}
		)
	return entries


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
	"""
	settings = settings or get_engine_settings()
	fields = ["name", *AGGREGATE_FIELDS, *PROFILE_FIELDS, *STATE_FIELDS, "cp_override_reason"]
	row = frappe.db.get_value("Customer", customer, fields, as_dict=True)
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
	)
	values = standing_values(st, row, settings)
	frappe.db.set_value("Customer", customer, values, update_modified=False)
	write_log(changes_to_log(customer, row, values, st, source, reference, settings=settings))
	return st
