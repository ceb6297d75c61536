"""The currencies values are counted in: each company's own, the one value currency, and the rate between them
(ERPNext's Currency Exchange, never the network)."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.query_builder import Order
from frappe.utils import flt, getdate


def company_currencies(included: tuple[str, ...] = ()) -> dict[str, str]:
	"""The counted companies (all when Settings name none) and the currency each keeps its books in."""
	filters = {"name": ("in", included)} if included else {}
	return dict(frappe.get_all("Company", filters=filters, fields=["name", "default_currency"], as_list=True))


def value_currency(included: tuple[str, ...] = ()) -> str | None:
	"""The one currency customer values are counted in: the first company's in Settings, else the default
	company's, else the site's default currency."""
	company = (
		(included[0] if included else None)
		or frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.db.get_value("Company", {}, "name", order_by="creation")
	)
	return (
		company and frappe.get_cached_value("Company", company, "default_currency")
	) or frappe.db.get_default("currency")


def company_rate(currency: str | None, to_currency: str | None, day: date | None = None) -> float | None:
	"""How many ``to_currency`` one ``currency`` is worth: the latest selling Currency Exchange on or before
	``day`` (either direction), as ERPNext keeps it; None when there is none. Never asks the network."""
	if not currency or currency == to_currency:
		return 1.0
	exchange = frappe.qb.DocType("Currency Exchange")
	row = (
		frappe.qb.from_(exchange)
		.select(exchange.from_currency, exchange.exchange_rate)
		.where(
			(exchange.for_selling == 1)
			& (exchange.date <= (day or getdate()))
			& (exchange.exchange_rate > 0)
			& (
				((exchange.from_currency == currency) & (exchange.to_currency == to_currency))
				| ((exchange.from_currency == to_currency) & (exchange.to_currency == currency))
			)
		)
		.orderby(exchange.date, order=Order.desc)
		.orderby(exchange.creation, order=Order.desc)
		.limit(1)
		.run()
	)
	if not row:
		return None
	source, rate = row[0]
	return flt(rate) if source == currency else 1 / flt(rate)
