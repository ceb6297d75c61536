"""Customer Priority Settings: the admin's page for every threshold; the engine's ``Settings`` decides validity."""

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, flt

from customer_priority.engine.i18n import Reason
from customer_priority.engine.ranking import RfmCutoffs
from customer_priority.engine.settings import (
	NAME_LIST_FIELDS,
	POTENTIAL_FACTORS,
	TIER_CHOICE_FIELDS,
	TIERS,
	Level,
	Settings,
	SettingsError,
)

DOCTYPE = "Customer Priority Settings"
ROUTES = ("Account Manager", "Assignment Rule", "Nobody")
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
}
# Where an engine setting lives in the form, for messages that name the field the user sees.
FORM_FIELD = {
	"potential_weights": "weight_purchase_potential",
	"evaluation_weights": "weight_q1",
	"evaluation_bands": "band_strategic",
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


class CustomerPrioritySettings(Document):
	def to_engine_settings(self) -> Settings:
		values = {name: cast(self.get(name) or 0) for name, cast in PLAIN_FIELDS.items()}
		values.update({name: lines(self.get(name)) for name in NAME_LIST_FIELDS})
		values.update({name: self.get(name) for name in TIER_CHOICE_FIELDS})
		values["rank_by"] = self.rank_by or "Revenue"
		values["levels"] = [
			Level(
				row.level_name,
				flt(row.min_points),
				row.colour or "gray",
				customer_group=row.grant_customer_group or "",
				price_list=row.grant_price_list or "",
				loyalty_program=row.grant_loyalty_program or "",
			)
			for row in self.levels
		]
		values["potential_weights"] = {f: flt(self.get(f"weight_{f}")) for f in POTENTIAL_FACTORS}
		values["evaluation_weights"] = {f"q{i}": flt(self.get(f"weight_q{i}")) for i in range(1, 8)}
		values["evaluation_bands"] = [
			("Strategic", flt(self.band_strategic)),
			("Strong", flt(self.band_strong)),
			("Fair", flt(self.band_fair)),
			("Weak", 0.0),
		]
		values["staff_count_bands"] = number_list(self, "staff_count_bands")
		values["years_in_business_bands"] = number_list(self, "years_in_business_bands")
		return Settings(**values)

	def validate(self):
		try:
			settings = self.to_engine_settings()
		except BadNumberList as exc:
			frappe.throw(
				_("{0}: {1} is not a list of numbers separated by commas").format(
					_(self.meta.get_label(exc.fieldname)), frappe.bold(exc.text)
				),
				title=_("Invalid Settings"),
			)
		messages = [self.describe(field, why) for field, why in settings.problems()]
		messages += self.unknown_sales_stages(settings)
		messages += self.bad_routing()
		messages += self.companies_without_rate()
		messages += self.bad_privileges()
		if messages:
			frappe.throw("<br>".join(messages), title=_("Invalid Settings"), exc=frappe.ValidationError)

	def describe(self, field: str, why: Reason) -> str:
		label = (
			_(self.meta.get_label(FORM_FIELD.get(field, field)))
			if self.meta.get_field(FORM_FIELD.get(field, field))
			else _("Levels")
		)
		params = {**why.params, "field": label}
		return _(why.template).format(**params)

	def bad_routing(self) -> list[str]:
		"""Every tier needs a way to route and a response time; an escalation target must exist."""
		messages = []
		for tier in TIERS:
			route_field, time_field = f"route_{tier.lower()}", f"response_time_{tier.lower()}"
			if self.get(route_field) not in ROUTES:
				messages.append(
					_("Routing of {0} requests must be one of {1}").format(
						_(tier), ", ".join(_(r) for r in ROUTES)
					)
				)
			if cint(self.get(time_field)) <= 0:
				messages.append(_("Response Time {0} must be longer than zero").format(_(tier)))
		return messages

	def companies_without_rate(self) -> list[str]:
		"""Values are counted in one currency: a company keeping its books in another needs an exchange rate."""
		from customer_priority.purchases import company_currencies, company_rate, value_currency

		included = tuple(row.company for row in self.companies)
		currency = value_currency(included)
		return [
			_(
				"{0} keeps its books in {1} and there is no Currency Exchange from {1} to {2}: add one, or list "
				"only companies in {2} under Companies"
			).format(frappe.bold(company), own, currency)
			for company, own in company_currencies(included).items()
			if company_rate(own, currency) is None
		]

	def bad_privileges(self) -> list[str]:
		"""A level can only grant what a customer can hold: a Customer Group that is not a group of groups, an
		enabled selling Price List."""
		messages = []
		for row in self.levels:
			if row.grant_customer_group and frappe.db.get_value(
				"Customer Group", row.grant_customer_group, "is_group"
			):
				messages.append(
					_(
						"Level {0}: Customer Group {1} is a group of groups; choose one a customer can belong to"
					).format(frappe.bold(row.level_name), frappe.bold(row.grant_customer_group))
				)
			if row.grant_price_list:
				selling, enabled = frappe.db.get_value(
					"Price List", row.grant_price_list, ["selling", "enabled"]
				) or (0, 0)
				if not (selling and enabled):
					messages.append(
						_("Level {0}: Price List {1} must be an enabled selling price list").format(
							frappe.bold(row.level_name), frappe.bold(row.grant_price_list)
						)
					)
		return messages

	def unknown_sales_stages(self, settings: Settings) -> list[str]:
		stages = set(settings.final_sales_stages) | set(settings.negotiation_sales_stages)
		missing = sorted(s for s in stages if not frappe.db.exists("Sales Stage", s))
		return [_("Sales Stage {0} does not exist").format(frappe.bold(s)) for s in missing]

	def on_update(self):
		frappe.cache.delete_value(CACHE_KEY)


CACHE_KEY = "customer_priority_engine_settings"


def get_engine_settings() -> Settings:
	"""The validated settings every adapter uses (cached until the settings are saved)."""
	cached = frappe.cache.get_value(CACHE_KEY)
	if cached:
		return Settings.from_dict(cached)
	try:
		settings = frappe.get_cached_doc(DOCTYPE).to_engine_settings().validate()
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


def value_source() -> str:
	return frappe.db.get_single_value(DOCTYPE, "value_source") or "Sales Order"


def included_companies() -> list[str]:
	return [row.company for row in frappe.get_cached_doc(DOCTYPE).companies]
