"""A deterministic data set shaped like ERPNext's rows, inserted and removed with set-based SQL.

N customers (``BENCH-CP-0000001`` ...) and M submitted Sales Orders (or Sales Invoices with their items) over
three years, and optionally L open Leads. Each order's customer is drawn by the data set's shape (``SHAPES``):
``sales`` (the default) is skewed as real sales are, 1 + floor(rand^2 * N); ``even`` draws 1 + floor(rand * N),
which gives every stretch of customers in name order the same number of orders (MariaDB's ``rand(seq)`` of
consecutive seeds reaches only some of the customers: 34% of them at 1,000,000 customers and 10,000,000 orders,
the top 1% holding 5% of the orders); ``skewed`` gives most orders to few customers, 1 + floor(rand^8 * N) (at the
same size the top 1% hold 57% of the orders, the top 10% 87%, one customer 1.8 million). The same
arguments give the same rows (MariaDB's ``rand(seed)``); an order was last modified on its own date, as real ones
mostly were (a recompute looks again at orders modified while it ran); everything is removed by ``drop``. A real
submit costs 50-200 ms, too slow for a million rows, so rows go in with INSERT ... SELECT over MariaDB's sequence
tables.
"""

from __future__ import annotations

import frappe

PREFIX = "BENCH-CP-"

SHAPES = {"sales": "pow(rand(seq), 2)", "even": "rand(seq)", "skewed": "pow(rand(seq), 8)"}
"""How each order's customer is drawn: a number in [0, 1) scaled to the customers."""


def make(customers: int, orders: int, leads: int = 0, shape: str = "sales") -> None:
	drop()
	grow(0, customers, 0, orders, shape)
	add_leads(leads)


def ensure(customers: int, orders: int, leads: int | None = 0, shape: str = "sales") -> bool:
	"""The data set of this size, made only when the site does not hold exactly it already (making 1,000,000
	orders takes a minute, removing them five); whether anything was made. ``leads=None`` leaves the leads as
	they are (a run that does not read them)."""
	bench = PREFIX + "%"
	have = (
		frappe.db.count("Customer", {"name": ("like", bench)}),
		frappe.db.count("Sales Order", {"name": ("like", bench)}),
	)
	if have != (customers, orders):
		make(customers, orders, leads or 0, shape)
		return True
	if leads is not None and frappe.db.count("Lead", {"name": ("like", bench)}) != leads:
		frappe.db.sql("delete from `tabLead` where name like %s", bench)
		add_leads(leads)
		return True
	return False


def add_leads(leads: int) -> None:
	if leads:
		company = frappe.db.get_value("Company", {}, "name")
		frappe.db.sql(
			f"""insert into `tabLead` (name, lead_name, first_name, status, company, creation, modified, owner,
			modified_by, docstatus, idx, cp_priority_tier, cp_tier_reason, cp_respond_by)
			select concat(%(p)s, 'LEAD-', lpad(seq, 7, '0')), concat('Bench lead ', seq), concat('Bench lead ', seq),
				'Open', %(company)s, now() - interval (seq mod 900) hour, now(), 'Administrator', 'Administrator', 0, 0,
				elt(1 + floor(rand(seq * 3) * 4), 'First', 'High', 'Medium', 'Low'),
				'New or unknown contact, evasive about volume and details',
				now() + interval (seq mod 500) hour
			from seq_1_to_{int(leads)}""",
			{"p": PREFIX, "company": company},
		)
	frappe.db.commit()


def grow(
	customers_before: int, customers: int, orders_before: int, orders: int, shape: str = "sales"
) -> None:
	"""Customers ``customers_before + 1`` to ``customers`` and orders ``orders_before + 1`` to ``orders``; the new
	orders go to all ``customers``, skewed. ``grow(0, N, 0, M)`` is the data set of N customers and M orders, and
	growing it step by step keeps every row made before (the scaling run measures each size on its way up)."""
	if shape not in SHAPES:
		raise ValueError(f"unknown shape {shape!r}: one of {', '.join(SHAPES)}")
	company = frappe.db.get_value("Company", {}, "name")
	frappe.db.sql(
		f"""insert into `tabCustomer` (name, customer_name, customer_group, territory, creation, modified,
		owner, modified_by, docstatus, idx)
		select concat(%(p)s, lpad(seq, 7, '0')), concat('Bench customer ', seq), 'All Customer Groups',
			'All Territories', now(), now(), 'Administrator', 'Administrator', 0, 0
		from seq_{int(customers_before) + 1}_to_{int(customers)}""",
		{"p": PREFIX},
	)
	frappe.db.sql(
		f"""insert into `tabSales Order` (name, customer, company, transaction_date, base_net_total,
		docstatus, status, creation, modified, owner, modified_by, idx, currency, conversion_rate, selling_price_list,
		price_list_currency, plc_conversion_rate)
		select concat(%(p)s, 'SO-', lpad(seq, 8, '0')),
			concat(%(p)s, lpad(1 + floor({SHAPES[shape]} * {int(customers)}), 7, '0')), %(company)s,
			date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day), round(10 + rand(seq * 13) * 5000, 2),
			1, 'Completed', timestamp(date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day)),
			timestamp(date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day)),
			'Administrator', 'Administrator', 0, 'USD', 1, 'Standard Selling', 'USD', 1
		from seq_{int(orders_before) + 1}_to_{int(orders)}""",
		{"p": PREFIX, "company": company},
	)
	frappe.db.commit()


def forget_standing() -> None:
	"""The data set's customers back to no standing and no log, as before the first recompute after install."""
	from customer_priority.standing.stored import RESULT_COLUMNS

	defaults = ", ".join(f"`{c}` = default(`{c}`)" for c in RESULT_COLUMNS)
	frappe.db.sql(f"update `tabCustomer` set {defaults} where name like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabCustomer Tier Log` where party like %s", PREFIX + "%")
	# Nor any record of a gross-profit pass: the next recompute groups every invoice, as the first one does.
	frappe.db.set_single_value("Customer Priority Settings", "profit_state", None)
	frappe.db.commit()


def make_invoices(customers: int, invoices: int) -> None:
	"""M submitted Sales Invoices for the same customers, skewed alike, with their item rows (a second row on every
	third invoice, every 50th invoice a return), each last modified on its own date: the rows ERPNext's Gross Profit
	report and the app's profit aggregate read (net amount, cost rate, stock quantity)."""
	company = frappe.db.get_value("Company", {}, "name")
	frappe.db.sql(
		f"""insert into `tabSales Invoice` (name, customer, company, posting_date, base_net_total, is_return,
		is_opening, docstatus, status, creation, modified, owner, modified_by, idx, currency, conversion_rate)
		select concat(%(p)s, 'SI-', lpad(seq, 8, '0')),
			concat(%(p)s, lpad(1 + floor(pow(rand(seq), 2) * {int(customers)}), 7, '0')), %(company)s,
			date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day),
			if(seq mod 50 = 0, -1, 1) * round(10 + rand(seq * 13) * 5000, 2), seq mod 50 = 0, 'No', 1, 'Paid',
			timestamp(date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day)),
			timestamp(date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day)),
			'Administrator', 'Administrator', 0, 'USD', 1
		from seq_1_to_{int(invoices)}""",
		{"p": PREFIX, "company": company},
	)
	for row, every in ((1, 1), (2, 3)):
		frappe.db.sql(
			f"""insert into `tabSales Invoice Item` (name, parent, parenttype, parentfield, idx, item_code,
			item_name, qty, stock_qty, base_net_amount, incoming_rate, docstatus, creation, modified, owner,
			modified_by)
			select concat(%(p)s, 'SII-', lpad(seq, 8, '0'), '-{row}'), concat(%(p)s, 'SI-', lpad(seq, 8, '0')),
				'Sales Invoice', 'items', {row}, 'BENCH-ITEM', 'Bench item',
				@q := if(seq mod 50 = 0, -1, 1) * (1 + floor(rand(seq * {row + 17}) * 20)), @q,
				@q * round(5 + rand(seq * {row + 29}) * 250, 2), round(3 + rand(seq * {row + 41}) * 200, 2), 1,
				timestamp(date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day)),
				timestamp(date_sub(curdate(), interval floor(rand(seq * 7) * 1095) day)),
				'Administrator', 'Administrator'
			from seq_1_to_{int(invoices)} where seq mod {every} = 0""",
			{"p": PREFIX},
		)
	frappe.db.commit()


def drop() -> None:
	if frappe.db.table_exists("Customer Tier Log"):  # absent while the app is not installed
		frappe.db.sql("delete from `tabCustomer Tier Log` where party like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabSales Invoice Item` where parent like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabSales Invoice` where name like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabSales Order` where name like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabLead` where name like %s", PREFIX + "%")
	frappe.db.sql("delete from `tabCustomer` where name like %s", PREFIX + "%")
	frappe.db.commit()
