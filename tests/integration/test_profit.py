"""Gross profit per customer: kept by the Sales Invoice hooks, summed by the recompute, equal to ERPNext's Gross
Profit report by customer; ranking by it."""

import pytest

import frappe
from frappe.utils import add_days, flt, getdate

from customer_priority import purchases, recompute
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	CACHE_KEY,
)
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	DOCTYPE as SETTINGS_DOCTYPE,
)
from customer_priority.engine.ranking import rank
from customer_priority.engine.settings import Settings
from tests.integration.helpers import (
	company,
	customer_row,
	fiscal_year_start,
	make_customer,
	make_invoice,
	make_return,
	make_stock_item,
)


def gross_profit_report(from_date, to_date) -> dict[str, tuple[float, float]]:
	"""ERPNext's Gross Profit report grouped by customer: customer -> (revenue, gross profit)."""
	from erpnext.accounts.report.gross_profit.gross_profit import execute

	columns, data = execute(
		frappe._dict(company=company(), from_date=from_date, to_date=to_date, group_by="Customer")
	)[:2]
	fields = [c["fieldname"] for c in columns]
	out = {}
	for row in data:
		line = dict(zip(fields, row, strict=False))
		if line.get("customer") and line["customer"] != "Total":
			out[line["customer"]] = (flt(line["selling_amount"]), flt(line["gross_profit"]))
	return out


@pytest.fixture
def sales():
	"""Two customers' invoices at known costs: a sale, a second sale, a return of part of the first, and a
	cancelled invoice that must count for nothing."""
	item = make_stock_item(rate=60)
	other = make_stock_item(rate=25.5)
	a, b = make_customer(), make_customer()
	first = make_invoice(a, [(item, 10, 100), (other, 4, 30)])  # 1000 - 600 + 120 - 102 = 418
	earlier = max(fiscal_year_start(), add_days(getdate(), -20))
	make_invoice(a, [(item, 5, 90)], day=earlier)  # 450 - 300 = 150
	make_return(first, [(item, 2)])  # -200 + 120 = -80
	make_invoice(b, [(item, 4, 70)])  # 280 - 240 = 40
	make_invoice(b, [(item, 3, 100)]).cancel()
	return {"a": a, "b": b, "expected": {a: 418 + 150 - 80, b: 40}}


def test_gross_profit_per_customer_equals_erpnext_gross_profit_report(sales):
	report = gross_profit_report(fiscal_year_start(), getdate())
	for customer, expected in sales["expected"].items():
		stored = customer_row(customer, "cp_lifetime_profit", "cp_window_profit", "cp_window_invoiced")
		assert round(flt(stored.cp_lifetime_profit), 2) == round(report[customer][1], 2) == expected
		assert round(flt(stored.cp_window_profit), 2) == expected
		# The margin is taken of what the report calls the selling amount.
		assert round(flt(stored.cp_window_invoiced), 2) == round(report[customer][0], 2)
	assert round(report[sales["a"]][0], 2) == 1000 + 120 + 450 - 200
	# The set-based sum the recompute uses gives the same figures as the hooks.
	window = (add_days(getdate(), -364), getdate())
	summed = purchases.customer_profits(window, (), list(sales["expected"]))
	assert {name: (round(flt(life), 2), round(flt(win), 2)) for name, life, win, _net in summed} == {
		name: (float(e), float(e)) for name, e in sales["expected"].items()
	}


def test_cancelling_an_invoice_takes_its_profit_back():
	item = make_stock_item(rate=10)
	customer = make_customer()
	invoice = make_invoice(customer, [(item, 3, 50)])
	assert flt(customer_row(customer, "cp_lifetime_profit").cp_lifetime_profit) == 120
	invoice.cancel()
	row = customer_row(customer, "cp_lifetime_profit", "cp_window_profit")
	assert (flt(row.cp_lifetime_profit), flt(row.cp_window_profit)) == (0, 0)


@pytest.fixture
def no_commit(monkeypatch):
	"""The recompute commits per chunk; here it runs inside the test's transaction, which is rolled back (its
	temporary table commits nothing in MariaDB, so Frappe's guard against implicit commits can stand aside)."""
	monkeypatch.setattr(frappe.db, "commit", lambda *args, **kwargs: None)
	monkeypatch.setattr(frappe.db, "check_implicit_commit", lambda *args, **kwargs: None)


def rank_by(measure: str) -> None:
	"""Rank by ``measure``, with invoices as the purchases (so revenue and gross profit speak of the same sales)."""
	frappe.db.set_single_value(SETTINGS_DOCTYPE, {"rank_by": measure, "value_source": "Sales Invoice"})
	frappe.clear_document_cache(SETTINGS_DOCTYPE, SETTINGS_DOCTYPE)
	frappe.cache.delete_value(CACHE_KEY)


def test_ranking_by_gross_profit_orders_and_classes_customers_as_the_engine_says(no_commit):
	item = make_stock_item(rate=95)
	cheap = make_stock_item(rate=20)
	big, lean = make_customer(), make_customer()
	make_invoice(big, [(item, 100, 100)])  # revenue 10,000, profit 500: 5%
	make_invoice(lean, [(cheap, 50, 80)])  # revenue 4,000, profit 3,000: 75%
	rank_by("Gross Profit")
	recompute.recompute_all(source="Manual")
	rows = frappe.get_all(
		"Customer",
		filters={"is_internal_customer": 0},
		fields=["name", "cp_window_profit", "cp_lifetime_profit", "cp_rank", "cp_abc_class"],
	)
	expected = {
		r.customer: (r.rank, r.abc)
		for r in rank(
			{row.name: (flt(row.cp_window_profit), flt(row.cp_lifetime_profit)) for row in rows},
			Settings(rank_by="Gross Profit"),
		)
	}
	assert {row.name: (row.cp_rank, row.cp_abc_class) for row in rows} == expected
	assert expected[lean][0] < expected[big][0], "the lean customer earns more, so ranks above"
	why = customer_row(big, "cp_tier_reason", "cp_margin_percent")
	assert round(flt(why.cp_margin_percent), 2) == 5.0
	assert "Thin margin: gross profit 500 is 5.0% of revenue 10,000 (below 10%)" in why.cp_tier_reason

	from customer_priority.customer_priority.report.customer_ranking import customer_ranking

	columns, data, _m, _chart, summary = customer_ranking.execute({"top": 0})
	by_name = {row["customer"]: row for row in data}
	assert [c["fieldname"] for c in columns][3:6] == ["value", "profit", "margin"]
	assert by_name[big]["why"].startswith("Thin margin") and by_name[big]["thin_margin"]
	assert by_name[lean]["profit"] == 3000 and round(by_name[lean]["margin"], 1) == 75.0
	assert "Gross Profit" in summary[2]["label"]
	# The same period ranked by revenue puts the big buyer first, with the same figures beside it.
	_c, by_revenue, *_rest = customer_ranking.execute({"top": 0, "rank_by": "Revenue"})
	order = [row["customer"] for row in by_revenue]
	assert order.index(big) < order.index(lean)
