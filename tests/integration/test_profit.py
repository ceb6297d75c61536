"""Gross profit per customer: kept by the Sales Invoice hooks, summed by the recompute, equal to ERPNext's Gross
Profit report by customer; ranking by it."""

import pytest

import frappe
from frappe.utils import add_days, flt, getdate

from customer_priority.data import purchases
from customer_priority.data.settings import (
	CACHE_KEY,
)
from customer_priority.data.settings import (
	DOCTYPE as SETTINGS_DOCTYPE,
)
from customer_priority.engine.ranking import rank
from customer_priority.engine.settings import Settings
from customer_priority.standing import recompute, totals
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
	summed = purchases.customer_profits(window, purchases.current(), list(sales["expected"]))
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
	figures = {row["customer"]: (row["profit"], round(row["margin"], 1)) for row in by_revenue}
	assert figures[big] == (500, 5.0) and figures[lean] == (3000, 75.0)
	# Ranked by revenue, gross profit is grouped for the rows shown only, with the same figures.
	_c, page, *_rest = customer_ranking.execute({"top": order.index(big) + 1, "rank_by": "Revenue"})
	assert (page[-1]["customer"], page[-1]["profit"], page[-1]["thin_margin"]) == (big, 500, 1)


# ---------------------------------------------------------------------- the recompute groups again only what moved
def profits_stored() -> dict[str, tuple[float, float, float]]:
	rows = frappe.db.sql(
		"select name, cp_lifetime_profit, cp_window_profit, cp_window_invoiced from `tabCustomer`"
	)
	return {name: tuple(round(flt(v), 2) for v in values) for name, *values in rows}


def profits_summed(as_of) -> dict[str, tuple[float, float, float]]:
	"""Every customer's gross profit from one full GROUP BY over the invoices, as the first recompute takes it."""
	from customer_priority.data.settings import (
		get_engine_settings,
	)
	from customer_priority.engine.history import window_start

	window = (window_start(getdate(as_of), get_engine_settings()), getdate(as_of))
	summed = {name: (0.0, 0.0, 0.0) for name in frappe.get_all("Customer", pluck="name")}
	for name, *values in purchases.customer_profits(window, purchases.current()):
		summed[name] = tuple(round(flt(v), 2) for v in values)
	return summed


@pytest.fixture
def grouped_again(no_commit, monkeypatch):
	"""Every invoice and item row last modified long ago, no record of an earlier pass (so the first recompute
	groups everything); yields the customers each later pass grouped again (None: all of them)."""
	frappe.db.sql("update `tabSales Invoice` set modified = '2001-01-01'")
	frappe.db.sql("update `tabSales Invoice Item` set modified = '2001-01-01'")
	frappe.db.set_single_value(SETTINGS_DOCTYPE, "profit_state", None)
	asked = []
	summed = purchases.customer_profits

	def spy(window, counted, customers=None, span=None):
		asked.append(None if customers is None else sorted(customers))
		return summed(window, counted, customers, span=span)

	monkeypatch.setattr(purchases, "customer_profits", spy)
	# The site holds other tests' invoices too: however many of their customers a pass finds moved, it groups
	# them again rather than everyone.
	monkeypatch.setattr(totals, "REGROUP_ALL_ABOVE", 1.0)
	return asked


def grouped_by_pass(asked: list, **run) -> list[str] | None:
	"""Run a recompute; which customers its gross-profit pass grouped again (None: all of them)."""
	before = len(asked)
	recompute.recompute_all(**{"source": "Scheduler", **run})
	return asked[before]


def test_a_later_recompute_groups_again_only_customers_whose_invoices_moved(grouped_again):
	item = make_stock_item(rate=40)
	moved, repriced, still = make_customer(), make_customer(), make_customer()
	for customer in (moved, repriced, still):
		make_invoice(customer, [(item, 2, 100)])
	frappe.db.sql("update `tabSales Invoice Item` set modified = '2001-01-01'")
	frappe.db.sql("update `tabSales Invoice` set modified = '2001-01-01'")
	assert grouped_by_pass(grouped_again) is None, "no earlier pass: every invoice is grouped"
	assert profits_stored() == profits_summed(getdate())

	make_invoice(moved, [(item, 1, 90)])  # submitted: the hook and the next pass both see it
	# ERPNext's stock revaluation rewrites a sold row's cost in place, with no hook of the app's running.
	row = frappe.db.get_value("Sales Invoice Item", {"parent": ("in", invoices_of(repriced))}, "name")
	frappe.db.set_value("Sales Invoice Item", row, "incoming_rate", 55)
	assert profits_stored()[repriced] != profits_summed(getdate())[repriced]
	again = grouped_by_pass(grouped_again)
	assert again is not None and moved in again and repriced in again and still not in again
	assert profits_stored() == profits_summed(getdate())
	assert profits_stored()[repriced][0] == 2 * 100 - 2 * 55
	assert grouped_by_pass(grouped_again, source="Manual") is None, '"Recompute Now" groups every invoice'


def invoices_of(customer: str) -> list[str]:
	return frappe.get_all("Sales Invoice", {"customer": customer, "docstatus": 1}, pluck="name")


def test_invoices_leaving_and_entering_the_window_are_grouped_again(grouped_again):
	item = make_stock_item(rate=10)
	early, late = make_customer(), make_customer()
	make_invoice(early, [(item, 3, 30)], day=fiscal_year_start())
	make_invoice(late, [(item, 3, 30)])
	frappe.db.sql("update `tabSales Invoice` set modified = '2001-01-01'")
	frappe.db.sql("update `tabSales Invoice Item` set modified = '2001-01-01'")
	recompute.recompute_all(source="Scheduler")
	assert profits_stored()[early] == (60, 60, 90)
	# A year on, the early invoice has left the window and the late one not yet.
	later = add_days(fiscal_year_start(), 370)
	again = grouped_by_pass(grouped_again, as_of=later)
	assert again is not None and early in again
	assert profits_stored()[early] == (60, 0, 0) and profits_stored()[late] == (60, 60, 90)
	assert profits_stored() == profits_summed(later)
	# A longer look-back window takes it in again.
	frappe.db.set_single_value(SETTINGS_DOCTYPE, "lookback_days", 800)
	frappe.clear_document_cache(SETTINGS_DOCTYPE, SETTINGS_DOCTYPE)
	frappe.cache.delete_value(CACHE_KEY)
	again = grouped_by_pass(grouped_again, as_of=later)
	assert again is not None and early in again
	assert profits_stored()[early] == (60, 60, 90)
	assert profits_stored() == profits_summed(later)


def test_a_recompute_killed_half_way_leaves_the_last_pass_on_record(grouped_again):
	item = make_stock_item(rate=10)
	customer = make_customer()
	make_invoice(customer, [(item, 1, 30)])
	recompute.recompute_all(source="Scheduler")
	record = frappe.db.get_single_value(SETTINGS_DOCTYPE, "profit_state")
	frappe.db.sql("update `tabCustomer` set cp_rank = 0, cp_lifetime_profit = 0 where name = %s", customer)
	with pytest.raises(RuntimeError):
		recompute.recompute_all(source="Scheduler", fail_after_chunks=0)
	assert frappe.db.get_single_value(SETTINGS_DOCTYPE, "profit_state") == record
	recompute.recompute_all(source="Scheduler")
	assert profits_stored()[customer] == (20, 20, 30)
