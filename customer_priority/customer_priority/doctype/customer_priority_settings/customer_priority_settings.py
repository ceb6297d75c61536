"""Customer Priority Settings: the admin's page for every threshold; the engine's ``Settings`` decides validity."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint

from customer_priority.data.currencies import company_currencies, company_rate, value_currency
from customer_priority.data.settings import CACHE_KEY, BadNumberList, engine_settings_from
from customer_priority.engine.i18n import Reason
from customer_priority.engine.settings import TIERS, Settings
from customer_priority.setup.wizard import fill_in, waiting_notes

ROUTES = ("Account Manager", "Assignment Rule", "Nobody")

# Where an engine setting lives in the form, for messages that name the field the user sees.
FORM_FIELD = {
	"potential_weights": "weight_purchase_potential",
	"evaluation_weights": "weight_q1",
	"evaluation_bands": "band_strategic",
}


class CustomerPrioritySettings(Document):
	def to_engine_settings(self) -> Settings:
		return engine_settings_from(self)

	def onload(self):
		self.set_onload("waiting_notes", waiting_notes(self))

	def validate(self):
		fill_in(self)  # defaults that waited for ERPNext's setup wizard, once its records exist
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
