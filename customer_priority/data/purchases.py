"""Which submitted documents count as a customer's purchases, and every query over them.

One home for the rule (the value source in Settings, submitted, not a return, one of the included companies)
and for the SQL built on it: the hooks' date look-ups, the recompute's aggregate and Reborn pass, the Customer
Ranking report's period totals and the covering index that serves them all.

Values are in one currency, never a sum of two. An order's value is its ``base_net_total`` (its company's
currency, whatever currency the order was written in). When the counted companies keep their books in different
currencies, each company's values are converted into the **value currency** (the currency of the first company
in Settings, else of the default company) at the latest ERPNext Currency Exchange rate on or before today; a
company with no such rate is not counted (Settings refuse to include it). One rate per company, not one per
order date, so a customer's value stays a sum the hooks can move by one order; the daily recompute re-values
everything at the day's rate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

import numpy as np

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from customer_priority.data.currencies import company_currencies, company_rate, value_currency
from customer_priority.data.settings import included_companies, value_source
from customer_priority.engine.bulk import reborn_days
from customer_priority.engine.history import Aggregate

DATE_FIELD = {"Sales Order": "transaction_date", "Sales Invoice": "posting_date"}
ORDER_INDEX = "cp_customer_value"
"""Covering index for the per-customer aggregate over submitted orders (docstatus, customer, date, value)."""
ORDER_INDEX_COLUMNS = {
	doctype: ("docstatus", "customer", field, "base_net_total") for doctype, field in DATE_FIELD.items()
}


@dataclass(frozen=True)
class Purchases:
	"""The documents that count as purchases under the current Settings."""

	doctype: str
	companies: tuple[str, ...] = ()
	rates: tuple[tuple[str, float], ...] = ()
	"""Company -> factor into the value currency; empty when every counted company uses the value currency."""

	@property
	def date_field(self) -> str:
		return DATE_FIELD[self.doctype]

	@property
	def table(self) -> str:
		return f"`tab{self.doctype}`"

	def counts(self, doc) -> bool:
		"""Whether a document being submitted or cancelled is one of these purchases."""
		if doc.doctype != self.doctype or not doc.get("customer"):
			return False
		if self.doctype == "Sales Invoice" and cint(doc.get("is_return")):
			return False
		return not self.companies or doc.get("company") in self.companies

	def value(self, doc) -> float:
		"""A counted document's value in the value currency."""
		return flt(doc.get("base_net_total")) * dict(self.rates).get(doc.get("company"), 1.0)

	def value_sql(self, alias: str = "") -> str:
		"""The SQL expression of a row's value in the value currency (parameters come with ``where``)."""
		prefix = f"{alias}." if alias else ""
		if not self.rates:
			return f"{prefix}base_net_total"
		return f"({prefix}base_net_total * {self.rate_sql(alias)})"

	def rate_sql(self, alias: str = "") -> str:
		"""The SQL factor that brings a row's company-currency figure into the value currency (1 when every
		counted company keeps its books in it); its parameters come with ``where``."""
		if not self.rates:
			return "1"
		prefix = f"{alias}." if alias else ""
		cases = " ".join(f"when %(cp_rate_company_{i})s then %(cp_rate_{i})s" for i in range(len(self.rates)))
		return f"(case {prefix}company {cases} else 0 end)"

	def rate_of(self, company: str | None) -> float:
		"""The factor of one company's figures into the value currency."""
		return dict(self.rates).get(company, 1.0) if self.rates else 1.0

	def rate_params(self) -> dict:
		return {
			key: value
			for i, (company, rate) in enumerate(self.rates)
			for key, value in ((f"cp_rate_company_{i}", company), (f"cp_rate_{i}", rate))
		}

	def where(self, alias: str = "") -> tuple[str, dict]:
		"""The SQL condition (with its named parameters) that picks these purchases from the document table."""
		prefix = f"{alias}." if alias else ""
		conditions = [f"{prefix}docstatus = 1", f"{prefix}customer is not null"]
		params: dict = {}
		if self.doctype == "Sales Invoice":
			conditions.append(f"{prefix}is_return = 0")
		if self.companies:
			conditions.append(f"{prefix}company in %(cp_companies)s")
			params["cp_companies"] = self.companies
		params.update(self.rate_params())
		return " and ".join(conditions), params


def current() -> Purchases:
	included = tuple(included_companies())
	currencies = company_currencies(included)
	currency = value_currency(included)
	if set(currencies.values()) <= {currency}:
		return Purchases(value_source(), included)  # one currency: no conversion, the index stays covering
	rates = {company: company_rate(own, currency) for company, own in currencies.items()}
	counted = tuple(sorted(c for c, rate in rates.items() if rate))
	return Purchases(value_source(), counted or ("",), tuple((c, rates[c]) for c in counted))


def date_bounds(purchases: Purchases, customer: str) -> tuple[date | None, date | None]:
	"""First and last purchase dates of one customer: two seeks on the covering index."""
	where, params = purchases.where()
	field = purchases.date_field
	first, last = frappe.db.sql(
		f"select min(`{field}`), max(`{field}`) from {purchases.table} where {where} and customer = %(customer)s",
		{**params, "customer": customer},
	)[0]
	return (getdate(first) if first else None, getdate(last) if last else None)


def reborn_dates(purchases: Purchases, lapse_days: int, customers: list[str]) -> dict[str, date]:
	"""The named customers' Reborn days: each one's latest purchase after a gap longer than ``lapse_days``
	(``engine.bulk.reborn_days``, proved equal to ``engine.history.reborn_day``) over its buying days
	(``buying_days``)."""
	names, counts, days = buying_days(purchases, customers=customers)
	reborn = reborn_days(days, counts, lapse_days).tolist()
	return {name: date.fromordinal(day) for name, day in zip(names, reborn, strict=True) if day}


def every_reborn_day(purchases: Purchases, lapse_days: int) -> tuple[list[str], np.ndarray]:
	"""Every buying customer's Reborn day under ``lapse_days`` (``NO_DAY`` when none), ``HISTORY_PART`` customers
	at a time in the database's order of names, so what is held grows with a part, not the population: what a new
	lapse period moves."""
	names, reborn, after = [], [], ""
	while True:
		part, counts, days = buying_days(purchases, after=after)
		names += part
		reborn.append(reborn_days(days, counts, lapse_days))
		if len(part) < HISTORY_PART:
			return names, np.concatenate(reborn)
		after = part[-1]


def buying_days(
	purchases: Purchases, customers: list[str] | None = None, after: str | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
	"""The buying customers (of ``customers``; or the next ``HISTORY_PART`` whose names come after ``after``), how
	many days each bought on and those days one after the other, ascending: all the Reborn rule reads. One GROUP BY
	on the covering index with no sums and no grouping by day first, five times faster than ``histories`` (1.0 s
	against 5.4 s at 100,000 customers with a million buying days); a part ends where the index scan stops, with no
	list of names to read first."""
	where, params = purchases.where()
	field = purchases.date_field
	part = ""
	if customers is not None:
		where += " and customer in %(cp_customers)s"
		params["cp_customers"] = tuple(customers) or ("",)
	if after is not None:
		where += " and customer > %(cp_after)s"
		params["cp_after"] = after
		part = f" order by customer limit {HISTORY_PART}"
	frappe.db.sql("set session group_concat_max_len = 4294967295")
	rows = frappe.db.sql(
		f"""select customer, count(distinct `{field}`),
			group_concat(distinct to_days(`{field}`) - 365 order by `{field}` separator ' ')
		from {purchases.table} where {where} group by customer{part}""",
		params,
	)
	counts = np.array([row[1] for row in rows], dtype=np.int64)
	days = parsed([row[2] for row in rows], " ", np.int64)
	if len(days) != counts.sum():
		frappe.throw(_("The purchase history could not be read whole; nothing was changed"))
	return [row[0] for row in rows], counts, days


def customer_aggregates(
	purchases: Purchases,
	window: tuple[date, date],
	lapse_days: int,
	customers: list[str] | None = None,
) -> dict[str, Aggregate]:
	"""Every customer's (or the named customers') aggregate, totals and Reborn day from one GROUP BY over their
	buying days (``histories``). ``window`` is the look-back window, both ends included."""
	found = histories(purchases, window, customers=customers)
	reborn = found.reborn(lapse_days).tolist()
	return {
		name: Aggregate(
			name,
			float(found.lifetime[row]),
			int(found.count[row]),
			float(found.window[row]),
			int(found.window_count[row]),
			day(found.first[row]),
			day(found.last[row]),
			day(reborn[row]),
		)
		for row, name in enumerate(found.customers)
	}


def parsed(texts: list[str], separator: str, dtype) -> np.ndarray:
	"""Numbers written one after the other in each text, read by numpy straight from the text (a customer with
	millions of orders is one text; splitting it into Python strings first would hold each number as an object)."""
	if not texts:
		return np.zeros(0, dtype=dtype)
	return np.concatenate([np.fromstring(text, dtype=dtype, sep=separator) for text in texts])


def within(span: tuple[str, str] | None, column: str, params: dict) -> str:
	"""The condition (added to ``params``) that keeps the rows whose customer's name lies in ``span``, both ends
	included, in the database's own order of names: one part of the customers, read on the index that starts
	with the customer."""
	if span is None:
		return ""
	params["cp_span_first"], params["cp_span_last"] = span
	return f" and {column} between %(cp_span_first)s and %(cp_span_last)s"


def day(ordinal) -> date | None:
	return date.fromordinal(int(ordinal)) if ordinal else None


def window_sums(purchases: Purchases, window: tuple[date, date]) -> list[tuple]:
	"""(name, value, orders) of every customer who bought within ``window`` (both ends included): the sums a new
	look-back window moves, one GROUP BY over a range of the covering index."""
	where, params = purchases.where()
	field = purchases.date_field
	return frappe.db.sql(
		f"""select customer, sum({purchases.value_sql()}), count(*) from {purchases.table}
		where {where} and `{field}` between %(start)s and %(end)s group by customer""",
		{**params, "start": window[0], "end": window[1]},
	)


def period_totals(
	purchases: Purchases,
	period: tuple[date, date],
	customer_where: str = "",
	params: dict | None = None,
	order_where: str = "",
) -> list[tuple]:
	"""(customer, value, orders, last purchase) of every customer who bought in a period; internal customers are
	never ranked.

	``order_where`` narrows the orders (alias ``o``), ``customer_where`` the customers (alias ``c``). The orders are
	grouped first, on the covering index; with a customer condition each buying customer is then looked up once
	by its key (STRAIGHT_JOIN keeps that order: MariaDB would otherwise scan the customers and probe the grouped
	orders, 20x slower at 1,000,000 orders), without one only the few internal customers are looked up."""
	where, base_params = purchases.where("o")
	field = purchases.date_field
	order_conditions = [where, f"o.`{field}` between %(from_date)s and %(to_date)s"]
	if order_where:
		order_conditions.append(order_where)
	grouped = f"""select o.customer, sum({purchases.value_sql("o")}) value, count(*) orders, max(o.`{field}`) last_order
		from {purchases.table} o where {" and ".join(order_conditions)} group by o.customer"""
	params = {**base_params, **(params or {}), "from_date": period[0], "to_date": period[1]}
	if not customer_where:
		internal = set(frappe.db.sql_list("select name from `tabCustomer` where is_internal_customer = 1"))
		return [row for row in frappe.db.sql(grouped, params) if row[0] not in internal]
	return frappe.db.sql(
		f"""select o.customer, o.value, o.orders, o.last_order
		from ({grouped}) o straight_join `tabCustomer` c on c.name = o.customer
		where ifnull(c.is_internal_customer, 0) = 0 and {customer_where}""",
		params,
	)


def customers_buying_since(purchases: Purchases, since, visible: str = "") -> int:
	"""How many customers have a purchase submitted since ``since`` (on ``CHANGED_INDEX``); ``visible`` a
	condition on ``customer`` that keeps only the customers a reader may see."""
	where, params = purchases.where()
	return frappe.db.sql(
		f"""select count(distinct customer) from {purchases.table}
		where {where} and modified >= %(since)s {"and " + visible if visible else ""}""",
		{**params, "since": since},
	)[0][0]


def profit_out_of_step(counted: Purchases, since) -> list[str]:
	"""Customers with a Sales Invoice changed since ``since`` (read on ``CHANGED_INDEX`` alone) whose stored
	lifetime gross profit no longer matches their invoices: the few an invoice's hook and a recompute's older
	totals left behind."""
	touched = frappe.db.sql(
		"""select distinct customer from `tabSales Invoice`
		where modified >= %(since)s and customer is not null""",
		{"since": since},
		pluck=True,
	)
	if not touched:
		return []
	today = getdate()
	grouped = {
		name: flt(lifetime) for name, lifetime, *_ in customer_profits((today, today), counted, touched)
	}
	stored = frappe.db.sql(
		"select name, cp_lifetime_profit from `tabCustomer` where name in %(touched)s",
		{"touched": tuple(touched)},
	)
	return [name for name, profit in stored if round(grouped.get(name, 0.0), 2) != round(flt(profit), 2)]


def out_of_step(purchases: Purchases, since) -> list[str]:
	"""Customers with a document of this kind changed since ``since`` whose stored totals (orders, value, last
	day) no longer match their orders: the few a concurrent submit and a recompute's older totals left behind.

	The changed customers are found first, on ``CHANGED_INDEX``, and only their orders are grouped (as one
	statement with a subquery, MariaDB grouped every order: 12 s at 1,000,000 orders with nothing changed)."""
	touched = frappe.db.sql(
		f"""select distinct customer from {purchases.table}
		where modified >= %(since)s and customer is not null""",
		{"since": since},
		pluck=True,
	)
	if not touched:
		return []
	where, params = purchases.where("o")
	field = purchases.date_field
	return frappe.db.sql(
		f"""select c.name from `tabCustomer` c
		left join (
			select o.customer, count(*) n, sum({purchases.value_sql("o")}) v, max(o.`{field}`) last
			from {purchases.table} o where {where} and o.customer in %(touched)s group by o.customer
		) t on t.customer = c.name
		where c.name in %(touched)s and (ifnull(t.n, 0) != ifnull(c.cp_order_count, 0)
			or round(ifnull(t.v, 0), 2) != round(ifnull(c.cp_lifetime_value, 0), 2)
			or not (t.last <=> c.cp_last_order_date))""",
		{**params, "touched": tuple(touched)},
		pluck=True,
	)


# ---------------------------------------------------------------------- gross profit
# Gross profit as ERPNext's Gross Profit report takes it: each submitted Sales Invoice item's net amount in company
# currency less its cost, the valuation rate it left stock at (``incoming_rate``) times the stock quantity; a return
# has negative quantities and amounts, so it subtracts. It comes from invoices whatever counts as a purchase
# (orders carry no cost), and opening invoices are left out as the report leaves them out.
PROFIT = "(i.base_net_amount - i.incoming_rate * i.stock_qty)"
NET = "i.base_net_amount"
PROFIT_INDEX = "cp_profit"
"""Covering indexes for the gross-profit aggregate: the invoices by customer (with what picks them), and each
invoice's item rows with the figures profit is made of, so neither table's wide rows are read."""
PROFIT_INDEX_COLUMNS = {
	"Sales Invoice": ("docstatus", "customer", "posting_date", "is_opening", "company"),
	"Sales Invoice Item": ("parent", "parenttype", "base_net_amount", "incoming_rate", "stock_qty"),
}


CHANGED_INDEX = "cp_changed"
"""Orders, invoices and invoice item rows by when they were last modified, for every "what changed since" the
recompute asks (``profit_moved_since``, ``out_of_step``) and the Customer Ranking's "buying since": ERPNext's stock
revaluation rewrites an item's cost (its ``incoming_rate``) without touching the invoice. Declared here rather than
left to the ``modified`` index Frappe v15 gives every table, which Frappe v16 no longer makes."""
CHANGED_INDEX_COLUMNS = {
	"Sales Order": ("modified", "customer"),
	"Sales Invoice": ("modified", "customer"),
	"Sales Invoice Item": ("modified", "parenttype", "parent"),
}


def profit_where(counted: Purchases, company: str | None = None) -> tuple[str, dict]:
	"""The invoices (alias ``si``) whose items make gross profit: those of the counted companies (or of one of
	them), with their named parameters (the rates of ``Purchases.rate_sql`` among them)."""
	conditions = ["si.docstatus = 1", "si.customer is not null", "si.is_opening != 'Yes'"]
	params: dict = counted.rate_params()
	companies = counted.companies
	if company:  # one of the counted companies; another counts nothing
		companies = (company,) if not companies or company in companies else ("",)
	if companies:
		conditions.append("si.company in %(cp_companies)s")
		params["cp_companies"] = tuple(companies)
	return " and ".join(conditions), params


def counts_for_profit(doc, companies: tuple[str, ...] = ()) -> bool:
	"""Whether a Sales Invoice being submitted or cancelled moves its customer's gross profit."""
	return (
		doc.doctype == "Sales Invoice"
		and bool(doc.get("customer"))
		and doc.get("is_opening") != "Yes"
		and (not companies or doc.get("company") in companies)
	)


def invoice_profit(invoice: str) -> tuple[float, float]:
	"""One invoice's (net amount, gross profit), both negative for a return: the hooks' delta."""
	net, profit = frappe.db.sql(
		f"select sum({NET}), sum({PROFIT}) from `tabSales Invoice Item` i where i.parent = %(invoice)s "
		"and i.parenttype = 'Sales Invoice'",
		{"invoice": invoice},
	)[0]
	return flt(net), flt(profit)


def customer_profits(
	window: tuple[date, date],
	counted: Purchases,
	customers: list[str] | None = None,
	span: tuple[str, str] | None = None,
) -> list[tuple]:
	"""Every customer's (or the named customers') (name, lifetime gross profit, window gross profit, window net
	amount) in the value currency: one GROUP BY over the items of submitted invoices. ``window`` is the look-back
	window, both ends included."""
	where, params = profit_where(counted)
	if customers is not None:
		where += " and si.customer in %(customers)s"
		params["customers"] = tuple(customers) or ("",)
	where += within(span, "si.customer", params)
	profit, net = in_value_currency(PROFIT, counted), in_value_currency(NET, counted)
	# Invoices first, in customer order on their covering index, then each one's items on theirs: the GROUP BY
	# needs no temporary table and no wide row is read (STRAIGHT_JOIN keeps that order; for named customers
	# MariaDB would rather take ERPNext's index on the customer alone and read every invoice's wide row).
	return frappe.db.sql(
		f"""select si.customer, sum({profit}),
			sum(if(si.posting_date between %(start)s and %(end)s, {profit}, 0)),
			sum(if(si.posting_date between %(start)s and %(end)s, {net}, 0))
		from `tabSales Invoice` si force index (`{PROFIT_INDEX}`) straight_join `tabSales Invoice Item` i
			on i.parent = si.name and i.parenttype = 'Sales Invoice'
		where {where} group by si.customer""",
		{**params, "start": window[0], "end": window[1]},
	)


def in_value_currency(expression: str, counted: Purchases) -> str:
	"""A company-currency figure of an invoice's item (``si``: its invoice) in the value currency."""
	return f"({expression} * {counted.rate_sql('si')})" if counted.rates else expression


def profit_moved_since(since: datetime, crossed: list[tuple[date, date]]) -> list[str]:
	"""The customers whose gross profit may have moved since ``since``: one of their invoices was modified
	(submitted, cancelled, amended) or one of its item rows was (a cost reposted by the stock valuation), or an
	invoice's posting date lies in one of the ``crossed`` day ranges (both ends included: days that entered or
	left the look-back window). Each question is answered on an index, so the cost follows what changed."""
	moved = set(
		frappe.db.sql_list(
			"""select distinct customer from `tabSales Invoice`
			where modified >= %(since)s and customer is not null""",
			{"since": since},
		)
	)
	moved.update(
		frappe.db.sql_list(
			f"""select distinct si.customer from `tabSales Invoice Item` i force index (`{CHANGED_INDEX}`)
			join `tabSales Invoice` si on si.name = i.parent
			where i.modified >= %(since)s and i.parenttype = 'Sales Invoice' and si.customer is not null""",
			{"since": since},
		)
	)
	for start, end in crossed:
		moved.update(
			frappe.db.sql_list(
				"""select distinct customer from `tabSales Invoice`
				where posting_date between %(start)s and %(end)s and docstatus = 1 and customer is not null""",
				{"start": start, "end": end},
			)
		)
	return sorted(moved)


def period_profits(
	period: tuple[date, date],
	counted: Purchases,
	customers: list[str] | None = None,
	company: str | None = None,
) -> dict[str, tuple[float, float]]:
	"""(Net amount, gross profit) in the value currency per customer (or per named customer) over a period (the
	Customer Ranking's other periods), of the counted companies or of one of them."""
	where, params = profit_where(counted, company)
	if customers is not None:
		where += " and si.customer in %(customers)s"
		params["customers"] = tuple(customers) or ("",)
	rows = frappe.db.sql(
		f"""select si.customer, sum({in_value_currency(NET, counted)}), sum({in_value_currency(PROFIT, counted)})
		from `tabSales Invoice` si force index (`{PROFIT_INDEX}`) straight_join `tabSales Invoice Item` i
			on i.parent = si.name and i.parenttype = 'Sales Invoice'
		where {where} and si.posting_date between %(start)s and %(end)s group by si.customer""",
		{**params, "start": period[0], "end": period[1]},
	)
	return {name: (flt(net), flt(profit)) for name, net, profit in rows}


# ---------------------------------------------------------------------- key accounts watched
def two_period_values(
	purchases: Purchases, now: tuple[date, date], before: tuple[date, date], customers: list[str]
) -> dict[str, tuple[float, float]]:
	"""What each named customer bought in two periods (this quarter so far, the same days last year), in the value
	currency."""
	if not customers:
		return {}
	where, params = purchases.where()
	field, value = purchases.date_field, purchases.value_sql()
	rows = frappe.db.sql(
		f"""select customer, sum(if(`{field}` between %(now_start)s and %(now_end)s, {value}, 0)),
			sum(if(`{field}` between %(before_start)s and %(before_end)s, {value}, 0))
		from {purchases.table} where {where} and customer in %(customers)s
			and `{field}` between %(before_start)s and %(now_end)s
		group by customer""",
		{**params, **_periods(now, before), "customers": tuple(customers)},
	)
	return {name: (flt(a), flt(b)) for name, a, b in rows}


def group_two_period_values(
	purchases: Purchases, now: tuple[date, date], before: tuple[date, date], groups: list[str]
) -> dict[str, tuple[float, float]]:
	"""What all customers of each named customer group bought in the same two periods, in the value currency."""
	if not groups:
		return {}
	where, params = purchases.where("o")
	field, value = purchases.date_field, purchases.value_sql("o")
	rows = frappe.db.sql(
		f"""select c.customer_group, sum(if(o.`{field}` between %(now_start)s and %(now_end)s, {value}, 0)),
			sum(if(o.`{field}` between %(before_start)s and %(before_end)s, {value}, 0))
		from {purchases.table} o join `tabCustomer` c on c.name = o.customer
		where {where} and c.customer_group in %(groups)s and o.`{field}` between %(before_start)s and %(now_end)s
		group by c.customer_group""",
		{**params, **_periods(now, before), "groups": tuple(groups)},
	)
	return {group: (flt(a), flt(b)) for group, a, b in rows}


def _periods(now: tuple[date, date], before: tuple[date, date]) -> dict:
	return {"now_start": now[0], "now_end": now[1], "before_start": before[0], "before_end": before[1]}


def item_groups_bought(customers: list[str], window: tuple[date, date]) -> dict[str, set[str]]:
	"""The item groups each named customer bought on submitted Sales Orders in the window."""
	rows = frappe.db.sql(
		"""select so.customer, soi.item_group from `tabSales Order` so
		join `tabSales Order Item` soi on soi.parent = so.name and soi.parenttype = 'Sales Order'
		where so.docstatus = 1 and so.customer in %(customers)s and so.transaction_date between %(start)s and %(end)s
		group by so.customer, soi.item_group""",
		{"customers": tuple(customers) or ("",), "start": window[0], "end": window[1]},
	)
	out: dict[str, set[str]] = {}
	for customer, item_group in rows:
		if item_group:
			out.setdefault(customer, set()).add(item_group)
	return out


def item_groups_by_customer_group(groups: list[str], window: tuple[date, date]) -> dict[str, dict[str, int]]:
	"""Per customer group: each item group its customers bought on submitted Sales Orders in the window, with how
	many of them bought it."""
	rows = frappe.db.sql(
		"""select c.customer_group, soi.item_group, count(distinct so.customer) from `tabSales Order` so
		join `tabSales Order Item` soi on soi.parent = so.name and soi.parenttype = 'Sales Order'
		join `tabCustomer` c on c.name = so.customer
		where so.docstatus = 1 and c.customer_group in %(groups)s and so.transaction_date between %(start)s and %(end)s
		group by c.customer_group, soi.item_group""",
		{"groups": tuple(groups) or ("",), "start": window[0], "end": window[1]},
	)
	out: dict[str, dict[str, int]] = {}
	for group, item_group, count in rows:
		if item_group:
			out.setdefault(group, {})[item_group] = int(count)
	return out


@dataclass
class Histories:
	"""Buying customers' totals and buying days, from one GROUP BY (``histories``): a customer's totals at
	``customers``' place in each column, and its days one after the other (``day_counts`` of them, ascending)."""

	customers: list[str]
	lifetime: np.ndarray
	count: np.ndarray
	window: np.ndarray
	window_count: np.ndarray
	first: np.ndarray
	last: np.ndarray
	day_counts: np.ndarray
	days: np.ndarray
	values: np.ndarray
	"""Each buying day's value: the sum of that day's orders in the value currency."""

	def reborn(self, lapse_days: int) -> np.ndarray:
		"""Each customer's Reborn day (``reborn_dates``), ``NO_DAY`` when none."""
		return reborn_days(self.days, self.day_counts, lapse_days)

	def owners(self) -> np.ndarray:
		"""Each buying day's customer, as its place among ``customers``."""
		return np.repeat(np.arange(len(self.customers)), self.day_counts)

	def only(self, wanted: set[str]) -> Histories:
		"""The histories of the customers in ``wanted``."""
		keep = np.array([name in wanted for name in self.customers], dtype=bool)
		if keep.all():
			return self
		days = np.repeat(keep, self.day_counts)
		return Histories(
			[name for name, kept in zip(self.customers, keep.tolist(), strict=True) if kept],
			*(getattr(self, column)[keep] for column in PER_CUSTOMER),
			self.days[days],
			self.values[days],
		)

	@classmethod
	def joined(cls, parts: list[Histories]) -> Histories:
		if len(parts) == 1:
			return parts[0]
		columns = [field.name for field in fields(cls) if field.name != "customers"]
		return cls(
			[name for part in parts for name in part.customers],
			*(np.concatenate([getattr(part, column) for part in parts]) for column in columns),
		)


PER_CUSTOMER = ("lifetime", "count", "window", "window_count", "first", "last", "day_counts")
"""The columns of ``Histories`` with one value per customer, in its order (``days`` and ``values`` follow)."""


HISTORY_PART = 10_000
"""Customers whose histories one GROUP BY reads: grouping a million customers' buying days at once makes the
database write every (customer, day) to a temporary table on disk (4.5 s against 1.0 s for the bare totals at
100,000 customers); a part's fits in memory."""


def histories_of(purchases: Purchases, window: tuple[date, date], customers: list[str]) -> Histories:
	"""``histories`` of any number of ``customers``: a few named at once, many read a part of the customers at a
	time, in the database's order of names (a list of ten thousand names to look up is slower than a range)."""
	if len(customers) <= HISTORY_PART:
		return histories(purchases, window, customers=customers)
	names = frappe.db.sql_list("select name from `tabCustomer` order by name")
	parts = [
		histories(purchases, window, (names[start], names[min(start + HISTORY_PART, len(names)) - 1]))
		for start in range(0, len(names), HISTORY_PART)
	]
	return Histories.joined(parts).only(set(customers))


def histories(
	purchases: Purchases,
	window: tuple[date, date],
	span: tuple[str, str] | None = None,
	customers: list[str] | None = None,
) -> Histories:
	"""Every customer's totals, the days ``reborn_dates`` reads and the purchase models' days, in one GROUP BY on the
	covering index for the buying customers whose names lie in ``span`` (or of ``customers``): the orders are
	summed per day first, then per customer, so the sums stay the database's exact decimals and what is read grows
	with buying days, not orders. For more customers than a part, ``histories_of``."""
	where, params = purchases.where()
	field = purchases.date_field
	where += within(span, "customer", params)
	if customers is not None:
		where += " and customer in %(cp_customers)s"
		params["cp_customers"] = tuple(customers) or ("",)
	frappe.db.sql("set session group_concat_max_len = 4294967295")
	rows = frappe.db.sql(
		f"""select customer, sum(day_value), sum(day_orders),
			sum(if(buying_date between %(start)s and %(end)s, day_value, 0)),
			sum(if(buying_date between %(start)s and %(end)s, day_orders, 0)),
			min(buying_day), max(buying_day), count(*),
			group_concat(buying_day, ' ', day_value order by buying_day separator ' ')
		from (select customer, `{field}` as buying_date, to_days(`{field}`) - 365 as buying_day,
				sum({purchases.value_sql()}) as day_value, count(*) as day_orders
			from {purchases.table} where {where} group by customer, `{field}`) as buying_days
		group by customer""",
		{**params, "start": window[0], "end": window[1]},
	)
	day_counts = np.array([row[7] for row in rows], dtype=np.int64)
	pairs = parsed([row[8] for row in rows], " ", float)
	if len(pairs) != 2 * day_counts.sum():
		frappe.throw(_("The purchase history could not be read whole; nothing was changed"))
	return Histories(
		[row[0] for row in rows],
		np.array([flt(row[1]) for row in rows]),
		np.array([cint(row[2]) for row in rows], dtype=np.int64),
		np.array([flt(row[3]) for row in rows]),
		np.array([cint(row[4]) for row in rows], dtype=np.int64),
		np.array([cint(row[5]) for row in rows], dtype=np.int64),
		np.array([cint(row[6]) for row in rows], dtype=np.int64),
		day_counts,
		pairs[0::2].astype(np.int64),
		pairs[1::2],
	)
