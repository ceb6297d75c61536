"""The Settings record as the rest of the app reads it: the engine's validated settings (cached), the RFM cut-offs
of the last recompute, and the few plain values other parts ask for. The doctype's controller only validates."""

import json

import frappe
from frappe.utils import cint, flt

from customer_priority.engine.ranking import RfmCutoffs
from customer_priority.engine.settings import (
	NAME_LIST_FIELDS,
	POTENTIAL_FACTORS,
	TEXT_FIELDS,
	TIER_CHOICE_FIELDS,
	Level,
	Settings,
	SettingsError,
)

DOCTYPE = "Customer Priority Settings"
# Engine settings read straight from a field of the same name.
PLAIN_FIELDS = {
	"lookback_days": cint,
	"thin_margin_percent": flt,
	"abc_a_cutoff": flt,
	"abc_b_cutoff": flt,
	"recency_weight": flt,
	"frequency_weight": flt,
	"monetary_weight": flt,
	"hysteresis_margin": flt,
	"key_account_top_percent": flt,
	"key_account_min_window_value": flt,
	"potential_threshold": flt,
	"key_potential_min_score": flt,
	"major_buyer_min_window_value": flt,
	"loyal_min_orders": cint,
	"at_risk_lost_opportunities": cint,
	"at_risk_value_drop_percent": flt,
	"at_risk_share_drop_percent": flt,
	"lapse_days": cint,
	"lapse_interval_multiplier": flt,
	"lapse_min_days": cint,
	"reborn_window_days": cint,
	"review_interval_days": cint,
	"key_account_review_interval_days": cint,
	"prediction_horizon_days": cint,
	"conversion_final_stage": lambda v: bool(cint(v)),
	"conversion_final_stage_percent": flt,
	"p_alive_may_leave": lambda v: bool(cint(v)),
	"p_alive_may_leave_percent": flt,
	"expected_value_key_potential": lambda v: bool(cint(v)),
	"expected_value_key_potential_min": flt,
	"queue_by_expected_value": lambda v: bool(cint(v)),
}


class BadNumberList(ValueError):
	def __init__(self, fieldname: str, text: str):
		self.fieldname, self.text = fieldname, text


def number_list(doc, fieldname: str) -> list[float]:
	text = doc.get(fieldname) or ""
	try:
		return [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
	except ValueError:
		raise BadNumberList(fieldname, text) from None


def lines(text: str | None) -> list[str]:
	return [line.strip() for line in (text or "").splitlines() if line.strip()]


def engine_settings_from(doc) -> Settings:
	"""The engine's settings from the Settings record (a saved document, or one being validated)."""
	values = {name: cast(doc.get(name) or 0) for name, cast in PLAIN_FIELDS.items()}
	values.update({name: lines(doc.get(name)) for name in NAME_LIST_FIELDS})
	values.update({name: doc.get(name) for name in TIER_CHOICE_FIELDS})
	# An empty phrase list means the shipped one (a site upgraded before the field existed has none stored).
	values.update({name: doc.get(name) or getattr(Settings, name) for name in TEXT_FIELDS})
	values["rank_by"] = doc.rank_by or "Revenue"
	values["levels"] = [
		Level(
			row.level_name,
			flt(row.min_points),
			row.colour or "gray",
			customer_group=row.grant_customer_group or "",
			price_list=row.grant_price_list or "",
			loyalty_program=row.grant_loyalty_program or "",
		)
		for row in doc.levels
	]
	values["potential_weights"] = {f: flt(doc.get(f"weight_{f}")) for f in POTENTIAL_FACTORS}
	values["evaluation_weights"] = {f"q{i}": flt(doc.get(f"weight_q{i}")) for i in range(1, 8)}
	values["evaluation_bands"] = [
		("Strategic", flt(doc.band_strategic)),
		("Strong", flt(doc.band_strong)),
		("Fair", flt(doc.band_fair)),
		("Weak", 0.0),
	]
	values["staff_count_bands"] = number_list(doc, "staff_count_bands")
	values["years_in_business_bands"] = number_list(doc, "years_in_business_bands")
	return Settings(**values)


CACHE_KEY = "customer_priority_engine_settings"


def get_engine_settings() -> Settings:
	"""The validated settings every adapter uses (cached until the settings are saved)."""
	cached = frappe.cache.get_value(CACHE_KEY)
	if cached:
		return Settings.from_dict(cached)
	try:
		settings = engine_settings_from(frappe.get_cached_doc(DOCTYPE)).validate()
	except (SettingsError, BadNumberList):
		# Saved settings are always valid (validate above); this only guards a hand-edited database.
		settings = Settings()
	frappe.cache.set_value(CACHE_KEY, settings.to_dict())
	return settings


def get_rfm_cutoffs() -> RfmCutoffs:
	raw = frappe.db.get_single_value(DOCTYPE, "rfm_cutoffs")
	return RfmCutoffs.from_dict(json.loads(raw) if raw else None)


def issue_priority_for(tier: str) -> str | None:
	return frappe.db.get_single_value(DOCTYPE, f"issue_priority_{tier.lower()}") if tier else None


def ticket_priority_for(tier: str) -> str | None:
	"""The Helpdesk ticket priority (HD Ticket Priority) a tier gives; its SLA row sets the response time."""
	return frappe.db.get_single_value(DOCTYPE, f"ticket_priority_{tier.lower()}") if tier else None


def value_source() -> str:
	return frappe.db.get_single_value(DOCTYPE, "value_source") or "Sales Order"


def included_companies() -> list[str]:
	return [row.company for row in frappe.get_cached_doc(DOCTYPE).companies]
