"""Many companies and currencies: an order counts in its company's currency, two currencies are never summed as one
number (other companies' values are converted at ERPNext's Currency Exchange rate), and the company filter of
Settings holds alike in the hooks, the recompute's SQL and the reports."""

import random
import string

import pytest

import frappe
from frappe.utils import add_days, flt, getdate

from customer_priority.customer_priority.report.customer_ranking import customer_ranking
from customer_priority.data import purchases
from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.data.settings import get_engine_settings
from customer_priority.engine.history import window_start
from tests.integration.helpers import company, customer_row, ensure_item, make_customer, unique


def make_company(currency: str) -> str:
	"""A second company keeping its books in another currency (rolled back with the test)."""
	abbr = "CP" + "".join(random.choices(string.ascii_uppercase, k=4))
	doc = frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": unique(f"CP {currency} Company"),
			"abbr": abbr,
			"default_currency": currency,
			"country": "Germany" if currency == "EUR" else "Iran",
			"create_chart_of_accounts_based_on": "Standard Template",
			"chart_of_accounts": "Standard",
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def rate(source: str, target: str, value: float) -> None:
	frappe.get_doc(
		{
			"doctype": "Currency Exchange",
			"date": add_days(getdate(), -1),
			"from_currency": source,
			"to_currency": target,
			"exchange_rate": value,
			"for_selling": 1,
		}
	).insert(ignore_permissions=True)


def order(customer: str, amount: float, in_company: str, currency: str | None = None, conversion: float = 1):
	"""A submitted Sales Order of ``amount`` in ``currency`` (the company's own by default)."""
	own = frappe.get_cached_value("Company", in_company, "default_currency")
	currency = currency or own
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": in_company,
			"currency": currency,
			"conversion_rate": conversion if currency != own else 1,
			"selling_price_list": "Standard Selling",
			"price_list_currency": currency,
			"plc_conversion_rate": conversion if currency != own else 1,
			"ignore_pricing_rule": 1,
			"transaction_date": getdate(),
			"delivery_date": add_days(getdate(), 7),
			"items": [
				{
					"item_code": ensure_item(),
					"qty": 1,
					"rate": amount,
					"delivery_date": add_days(getdate(), 7),
				}
			],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc


def set_companies(*names: str) -> None:
	settings = frappe.get_single(SETTINGS)
	settings.set("companies", [{"company": n} for n in names])
	settings.save()
	frappe.cache.delete_value("customer_priority_engine_settings")


def by_the_recompute(customer: str) -> float:
	"""The customer's lifetime value as the recompute's GROUP BY counts it."""
	settings = get_engine_settings()
	found = purchases.histories_of(
		purchases.current(), (window_start(getdate(), settings), getdate()), [customer]
	)
	return round(flt(found.lifetime[0]), 2) if found.customers else 0.0


def in_the_report(customer: str, **filters) -> float | None:
	# Dates send the report down its computing path over the orders (the stored ranking is the recompute's).
	_c, rows, *_ = customer_ranking.execute(
		frappe._dict({"top": 0, "from_date": add_days(getdate(), -30), "to_date": getdate(), **filters})
	)
	found = [r for r in rows if r["customer"] == customer]
	return round(flt(found[0]["value"]), 2) if found else None


def lifetime(customer: str) -> float:
	return round(flt(customer_row(customer, "cp_lifetime_value").cp_lifetime_value), 2)


@pytest.fixture
def home():
	name = company()
	assert frappe.get_cached_value("Company", name, "default_currency") == "USD"
	return name


def test_an_order_in_another_currency_counts_in_its_company_currency(home):
	rate("EUR", "USD", 1.2)
	customer = make_customer()
	so = order(customer, 100, home, currency="EUR", conversion=1.2)
	assert flt(so.base_net_total) == 120
	assert lifetime(customer) == by_the_recompute(customer) == in_the_report(customer) == 120


def test_two_currencies_are_never_summed_as_one_number(home):
	euro = make_company("EUR")
	with pytest.raises(frappe.ValidationError, match="Currency Exchange"):
		set_companies(home, euro)  # no EUR -> USD rate: refused, with what to do
	rate("EUR", "USD", 1.1)
	set_companies(home, euro)
	customer = make_customer()
	order(customer, 100, home)
	order(customer, 100, euro)  # 100 EUR
	# Both counted in USD, the first company's currency: 100 + 110, never 200.
	assert lifetime(customer) == by_the_recompute(customer) == in_the_report(customer) == 210
	# The euro company alone in the report: its orders, in the value currency.
	assert in_the_report(customer, company=euro) == 110
	set_companies(euro, home)  # now counted in EUR: 100 USD is 90.91 EUR
	assert by_the_recompute(customer) == round(100 + 100 / 1.1, 2)


def test_without_a_rate_another_currency_is_left_out_not_added(home):
	euro = make_company("EUR")
	customer = make_customer()
	order(customer, 100, home)
	order(customer, 100, euro)
	# Every company counted (Settings list none), but EUR has no rate to USD: only the USD order counts.
	assert lifetime(customer) == by_the_recompute(customer) == in_the_report(customer) == 100
	with pytest.raises(frappe.ValidationError, match="no Currency Exchange"):
		frappe.get_single(SETTINGS).save()


def test_the_company_filter_of_settings_holds_in_hooks_recompute_and_reports(home):
	other = make_company("USD")
	set_companies(home)
	customer = make_customer()
	order(customer, 100, home)
	order(customer, 500, other)
	assert lifetime(customer) == by_the_recompute(customer) == in_the_report(customer) == 100
	assert in_the_report(customer, company=other) is None
	set_companies(home, other)
	assert by_the_recompute(customer) == in_the_report(customer) == 600


def test_the_key_account_watch_counts_two_currencies_in_one(home):
	"""The watch's quarter against last year, for the customer and for its group, converts as the rest of the app
	does instead of adding dollars to euros."""
	from customer_priority.standing import watch

	euro = make_company("EUR")
	rate("EUR", "USD", 1.1)
	set_companies(home, euro)
	group = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": unique("CP Group"),
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	customer = make_customer(customer_group=group.name)
	order(customer, 100, home)
	order(customer, 100, euro)  # 100 EUR is 110 USD
	counted = purchases.current()
	quarter, last_year = watch.quarter_to_date(getdate())
	rounded = lambda pair: tuple(round(flt(v), 2) for v in pair)  # noqa: E731
	assert rounded(purchases.two_period_values(counted, quarter, last_year, [customer])[customer]) == (210, 0)
	assert rounded(
		purchases.group_two_period_values(counted, quarter, last_year, [group.name])[group.name]
	) == (210, 0)
	facts = watch.facts({customer: group.name}, getdate(), get_engine_settings())[customer]
	assert round(facts.quarter_value, 2) == lifetime(customer) == 210 and facts.group_share == 100


def invoice(customer: str, amount: float, in_company: str):
	"""A submitted Sales Invoice of ``amount`` in its company's currency, moving no stock (its cost is nil)."""
	currency = frappe.get_cached_value("Company", in_company, "default_currency")
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": in_company,
			"currency": currency,
			"conversion_rate": 1,
			"selling_price_list": "Standard Selling",
			"price_list_currency": currency,
			"plc_conversion_rate": 1,
			"ignore_pricing_rule": 1,
			"posting_date": getdate(),
			"due_date": add_days(getdate(), 30),
			"items": [{"item_code": ensure_item(), "qty": 1, "rate": amount}],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc


def test_gross_profit_counts_two_currencies_in_one(home):
	"""An invoice's gross profit and net amount are in its company's currency: other companies' are converted
	into the value currency, in the hooks, the recompute's GROUP BY and the report, never added as they are."""
	euro = make_company("EUR")
	rate("EUR", "USD", 1.1)
	set_companies(home, euro)
	customer = make_customer()
	invoice(customer, 100, home)
	invoice(customer, 100, euro)  # 100 EUR is 110 USD
	counted = purchases.current()
	window = (window_start(getdate(), get_engine_settings()), getdate())
	[(name, lifetime_profit, window_profit, invoiced)] = purchases.customer_profits(
		window, counted, [customer]
	)
	assert name == customer
	assert [round(flt(v), 2) for v in (lifetime_profit, window_profit, invoiced)] == [210, 210, 210]
	row = customer_row(customer, "cp_lifetime_profit", "cp_window_profit", "cp_window_invoiced")
	assert [round(flt(v), 2) for v in row.values()] == [210, 210, 210]  # the hooks, invoice by invoice
	period = (add_days(getdate(), -30), getdate())
	rounded = lambda pair: tuple(round(flt(v), 2) for v in pair)  # noqa: E731
	assert rounded(purchases.period_profits(period, counted, [customer])[customer]) == (210, 210)
	assert rounded(purchases.period_profits(period, counted, [customer], euro)[customer]) == (110, 110)
	set_companies(home)  # the euro company no longer counted: its invoice neither
	assert purchases.period_profits(period, purchases.current(), [customer], euro) == {}
