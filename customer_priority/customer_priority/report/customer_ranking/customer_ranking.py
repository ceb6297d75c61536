"""Customers ranked by revenue or by gross profit over a period, with Pareto/ABC, and a Pareto chart.

The default view is the stored ranking on the rank's index. Another period takes one GROUP BY over submitted
orders (the app's covering index serves it) and one over the items of submitted invoices; the ranking, shares and
ABC classes come from the engine's columnar ranking (``bulk.rank_columns``, proved equal to the reference). Every
row shows both measures and the margin, and says when revenue leaves a thin margin. Rows, summary and chart cover
only the customers the reader may see (User Permissions).
"""

import json
from datetime import datetime

import numpy as np

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, format_datetime, getdate, pretty_date
from frappe.utils.nestedset import get_descendants_of

from customer_priority.data import purchases
from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.bulk import rank_columns
from customer_priority.engine.history import Aggregate, average_order_value, margin_percent
from customer_priority.engine.ranking import ABC_CLASSES, is_thin_margin, margin_reason, pareto_head
from customer_priority.engine.settings import RANK_MEASURES, TIERS
from customer_priority.utils import reasons
from customer_priority.utils.inputs import report_filters
from customer_priority.utils.permissions import readable

CHART_ROWS = 30
FILTERS = {
	"company": ("Link", "Company", "Company"),
	"from_date": ("Date", "From Date", None),
	"to_date": ("Date", "To Date", None),
	"customer_group": ("Link", "Customer Group", "Customer Group"),
	"territory": ("Link", "Territory", "Territory"),
	"level": ("Select", "Level", lambda: [level.name for level in get_engine_settings().levels]),
	"tier": ("Select", "Priority Tier", TIERS),
	"abc_class": ("Select", "ABC Class", ABC_CLASSES),
	"key_accounts_only": ("Check", "Key Accounts Only", None),
	"rank_by": ("Select", "Rank By", RANK_MEASURES),
	"top": ("Int", "Show Top (0 = All)", None),
}


def execute(filters=None):
	filters = report_filters(filters, FILTERS)
	stored = get_engine_settings()
	to_date = getdate(filters.to_date) if filters.to_date else getdate()
	from_date = (
		getdate(filters.from_date) if filters.from_date else add_days(to_date, 1 - stored.lookback_days)
	)
	if from_date > to_date:
		frappe.throw(_("From Date must be on or before To Date"))
	settings = stored.replace(rank_by=filters.rank_by or stored.rank_by)
	limit = cint(filters.top) if filters.top not in (None, "") else 500
	if is_default_view(filters, from_date, to_date, stored):
		return stored_ranking(limit, settings)
	return period_ranking(filters, from_date, to_date, settings, limit)


def period_ranking(filters, from_date, to_date, settings, limit: int):
	"""Any other period: one GROUP BY of the orders, ranked as columns; customers' details are read for the rows
	shown only, and so is gross profit when revenue ranks (grouping every invoice's items for a year costs more
	than the whole ranking)."""
	counted = purchases.current()  # asks Settings and the companies' currencies: once per run
	totals = fetch(filters, from_date, to_date, counted)
	if not totals:
		return columns(settings), [], None, None, []
	names = [customer for customer, *_rest in totals]
	value = np.array([flt(v) for _customer, v, *_rest in totals])
	by_profit = settings.rank_by == "Gross Profit"
	invoiced, profit = np.zeros(len(names)), np.zeros(len(names))
	if by_profit:
		add_profits(
			invoiced,
			profit,
			names,
			purchases.period_profits((from_date, to_date), counted, company=filters.company),
		)
	measure = profit if by_profit else value
	rank, _percentile, share, cumulative, abc = rank_columns(names, measure, measure, settings)
	order = np.argsort(rank)
	shown = order[abc[order] == filters.abc_class] if filters.abc_class else order
	if limit > 0:
		shown = shown[:limit]
	if not by_profit:
		page = [names[i] for i in shown]
		add_profits(
			invoiced,
			profit,
			names,
			purchases.period_profits((from_date, to_date), counted, page, filters.company),
		)
	details = customer_details([names[i] for i in shown])
	data = []
	for i in shown.tolist():
		customer, row_value, orders, last_order = totals[i]
		about = details.get(customer) or frappe._dict()
		row_value, row_profit, row_invoiced = flt(row_value), float(profit[i]), float(invoiced[i])
		data.append(
			{
				"rank": int(rank[i]),
				"customer": customer,
				"customer_name": about.customer_name,
				"value": row_value,
				"profit": row_profit,
				"invoiced": row_invoiced,
				"margin": margin_percent(row_profit, row_invoiced) or 0,
				"share": float(share[i]),
				"cumulative_share": float(cumulative[i]),
				"abc_class": abc[i],
				"orders": orders,
				"average_order": average_order_value(row_value, cint(orders)),
				"last_order": last_order,
				"rfm_segment": about.cp_rfm_segment,
				"level": about.cp_level,
				"tier": about.cp_priority_tier,
				"key_account": cint(about.cp_key_account),
				"lifecycle": about.cp_lifecycle,
				**predicted(about),
			}
		)
	add_why(data, settings)
	return columns(settings), data, None, chart(data, settings), summary(measure, cumulative[order], settings)


def add_profits(invoiced: np.ndarray, profit: np.ndarray, names: list[str], profits: dict) -> None:
	"""Each customer's (net amount, gross profit) from ``period_profits`` into the columns, by position."""
	for i, name in enumerate(names):
		if name in profits:
			invoiced[i], profit[i] = profits[name]


def customer_details(names: list[str]) -> dict:
	"""The stored standing of the customers on the page, by name."""
	if not names:
		return {}
	rows = frappe.db.sql(
		"""select name, customer_name, cp_rfm_segment, cp_level, cp_priority_tier, cp_key_account, cp_lifecycle,
			cp_p_alive, cp_expected_orders, cp_expected_value
		from `tabCustomer` where name in %(names)s""",
		{"names": names},
		as_dict=True,
	)
	return {row.name: row for row in rows}


def predicted(row) -> dict:
	"""The purchase models' predictions as the last recompute stored them; none (not 0) where not predicted."""
	if not flt(row.cp_p_alive):
		return {"p_alive": None, "expected_orders": None, "expected_value": None}
	return {
		"p_alive": flt(row.cp_p_alive),
		"expected_orders": flt(row.cp_expected_orders),
		"expected_value": flt(row.cp_expected_value),
	}


def add_why(rows: list, settings) -> None:
	"""What each customer's revenue leaves as gross profit, in the reader's language ("thin margin" when low)."""
	for row in rows:
		row["thin_margin"] = int(is_thin_margin(row["invoiced"], row["profit"], settings))
		why = margin_reason(
			Aggregate(row["customer"], window_profit=row["profit"], window_invoiced=row["invoiced"]), settings
		)
		row["why"] = reasons.render([why]) if why else ""


NARROWING = ("company", "customer_group", "territory", "level", "tier", "abc_class", "key_accounts_only")


def is_default_view(filters, from_date, to_date, settings) -> bool:
	"""The look-back window up to today, ranked by what Settings rank by, with nothing narrowing it: exactly what
	the last recompute ranked."""
	return (
		to_date == getdate()
		and from_date == add_days(to_date, 1 - settings.lookback_days)
		and (filters.rank_by or settings.rank_by) == settings.rank_by
		and not any(filters.get(f) for f in NARROWING)
	)


def stored_ranking(limit: int, settings):
	"""The default view from the stored ranking: the first page in rank order on the rank's index, with shares
	of the total at the last recompute (summed now when User Permissions narrow what the reader sees);
	ranks, classes and segments are those of the last recompute, values the hooks' current."""
	visible = readable("Customer", "name")
	measure = "cp_window_profit" if settings.rank_by == "Gross Profit" else "cp_window_value"
	where = f"cp_rank > 0 and {measure} > 0" + (f" and {visible}" if visible else "")
	stored_totals = json.loads(frappe.db.get_single_value(SETTINGS, "ranking_totals") or "null")
	if stored_totals and not visible:
		total, count, class_a = stored_totals["total"], stored_totals["count"], stored_totals["class_a"]
	else:  # what this reader may see, summed now
		total, count, class_a = frappe.db.sql(
			f"""select sum({measure}), count(*), sum(cp_abc_class = 'A') from `tabCustomer` where {where}"""
		)[0]
	rows = frappe.db.sql(
		f"""select name customer, customer_name, cp_rank `rank`, cp_window_value value, cp_window_profit profit,
			cp_window_invoiced invoiced, cp_margin_percent margin, cp_abc_class abc_class, cp_window_order_count orders,
			cp_last_order_date last_order, cp_rfm_segment rfm_segment, cp_level level,
			cp_priority_tier tier, cp_key_account key_account, cp_lifecycle lifecycle,
			cp_p_alive, cp_expected_orders, cp_expected_value
		from `tabCustomer` where {where} order by cp_rank{" limit %(limit)s" if limit > 0 else ""}""",
		{"limit": limit},
		as_dict=True,
	)
	running = 0.0
	for row in rows:
		row.value, row.profit, row.margin = flt(row.value), flt(row.profit), flt(row.margin)
		row.invoiced = flt(row.invoiced)
		ranked_value = row.profit if settings.rank_by == "Gross Profit" else row.value
		running += ranked_value
		row.share = 100 * ranked_value / flt(total) if total else 0
		row.cumulative_share = 100 * running / flt(total) if total else 0
		row.average_order = average_order_value(row.value, cint(row.orders))
		row.key_account = cint(row.key_account)
		row.update(predicted(row))
		for field in ("cp_p_alive", "cp_expected_orders", "cp_expected_value"):
			row.pop(field)
	status = last_recompute_status()
	if not rows:
		return columns(settings), [], status, None, []
	add_why(rows, settings)
	return (
		columns(settings),
		rows,
		status,
		chart(rows, settings),
		stored_summary(flt(total), cint(count), cint(class_a), settings),
	)


def last_recompute_status() -> str:
	"""The default view shows the ranks of the last recompute: say when it ran and how many of the customers the
	reader may see bought since (their values are current, their ranks wait for the next run)."""
	last = frappe.db.get_single_value(SETTINGS, "last_recompute_on")
	if not last or last == datetime.min:  # a cleared value reads back as the first day of year 1
		text, colour = (
			_(
				"No recompute has run yet: ranks, classes and shares appear after the first one (daily, or "
				"Recompute Now)."
			),
			"orange",
		)
	else:
		since = purchases.customers_buying_since(purchases.current(), last, readable("Customer", "customer"))
		ran = _("Ranks of the recompute of {0} ({1}).").format(format_datetime(last), pretty_date(last))
		if since:
			text, colour = (
				ran
				+ " "
				+ _(
					"{0} customers bought since: their values are current, their ranks follow at the next recompute."
				).format(since),
				"orange",
			)
		else:
			text, colour = ran + " " + _("No customer bought since."), "green"
	return f'<span class="indicator {colour}">{frappe.utils.escape_html(text)}</span>'


def fetch(filters, from_date, to_date, counted: purchases.Purchases):
	conditions, params, order_where = [], {}, ""
	if filters.company:
		order_where = "o.company = %(company)s"
		params["company"] = filters.company
	for field, tree in (("customer_group", "Customer Group"), ("territory", "Territory")):
		if filters.get(field):
			conditions.append(f"c.{field} in %({field})s")
			params[field] = (filters.get(field), *get_descendants_of(tree, filters.get(field)))
	if filters.level:
		conditions.append("c.cp_level = %(level)s")
		params["level"] = filters.level
	if filters.tier:
		conditions.append("c.cp_priority_tier = %(tier)s")
		params["tier"] = filters.tier
	if cint(filters.key_accounts_only):
		conditions.append("c.cp_key_account = 1")
	if visible := readable("Customer", "c.name"):
		conditions.append(visible)
	return purchases.period_totals(
		counted, (from_date, to_date), " and ".join(conditions), params, order_where
	)


def measure_label(settings) -> str:
	return _("Gross Profit") if settings.rank_by == "Gross Profit" else _("Value")


def columns(settings):
	return [
		{"fieldname": "rank", "label": _("Rank"), "fieldtype": "Int", "width": 70},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 180,
		},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "value", "label": _("Revenue"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "profit", "label": _("Gross Profit"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "margin", "label": _("Margin (%)"), "fieldtype": "Percent", "width": 90},
		{
			"fieldname": "share",
			"label": _("Share of Gross Profit") if settings.rank_by == "Gross Profit" else _("Share"),
			"fieldtype": "Percent",
			"width": 90,
		},
		{
			"fieldname": "cumulative_share",
			"label": _("Cumulative Share"),
			"fieldtype": "Percent",
			"width": 110,
		},
		{"fieldname": "abc_class", "label": _("ABC Class"), "fieldtype": "Data", "width": 80},
		{"fieldname": "why", "label": _("Why"), "fieldtype": "Data", "width": 260},
		{"fieldname": "orders", "label": _("Orders"), "fieldtype": "Int", "width": 80},
		{"fieldname": "average_order", "label": _("Average Order"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "last_order", "label": _("Last Order"), "fieldtype": "Date", "width": 100},
		{"fieldname": "rfm_segment", "label": _("RFM Segment"), "fieldtype": "Data", "width": 120},
		{"fieldname": "level", "label": _("Level"), "fieldtype": "Data", "width": 90},
		{"fieldname": "tier", "label": _("Priority Tier"), "fieldtype": "Data", "width": 90},
		{"fieldname": "key_account", "label": _("Key Account"), "fieldtype": "Check", "width": 90},
		{"fieldname": "lifecycle", "label": _("Lifecycle"), "fieldtype": "Data", "width": 90},
		{"fieldname": "p_alive", "label": _("Still Buying (P(alive))"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "expected_orders", "label": _("Expected Orders"), "fieldtype": "Float", "width": 100},
		{"fieldname": "expected_value", "label": _("Expected Value"), "fieldtype": "Currency", "width": 120},
	]


def chart(data, settings):
	head = data[:CHART_ROWS]
	if not head:
		return None
	return {
		"data": {
			"labels": [r["customer_name"] or r["customer"] for r in head],
			"datasets": [
				{
					"name": _("Share of Gross Profit (%)")
					if settings.rank_by == "Gross Profit"
					else _("Share of Value (%)"),
					"values": [round(r["share"], 2) for r in head],
					"chartType": "bar",
				},
				{
					"name": _("Cumulative Share (%)"),
					"values": [round(r["cumulative_share"], 2) for r in head],
					"chartType": "line",
				},
			],
		},
		"type": "axis-mixed",
		"colors": ["#5e64ff", "#ff5858"],
	}


def stored_summary(total: float, count: int, class_a: int, settings):
	"""Class A is the head that brings the A cut-off's share of value, as the recompute classed it."""
	cutoff = settings.abc_a_cutoff
	return summary_cards(count, total, class_a, 100 * class_a / count if count else 0, cutoff, settings)


def summary(measure: np.ndarray, cumulative_in_rank_order: np.ndarray, settings):
	cutoff = settings.abc_a_cutoff
	top, percent = pareto_head(cumulative_in_rank_order.tolist(), settings)
	return summary_cards(len(measure), float(measure.sum()), top, percent, cutoff, settings)


def summary_cards(count: int, total: float, top: int, percent: float, cutoff: float, settings):
	label = measure_label(settings)
	return [
		{"value": count, "label": _("Customers Who Bought"), "datatype": "Int", "indicator": "Blue"},
		{"value": total, "label": label, "datatype": "Currency", "indicator": "Blue"},
		{
			"value": top,
			"label": (
				_("Top Customers Bringing {0}% of Gross Profit")
				if settings.rank_by == "Gross Profit"
				else _("Top Customers Bringing {0}% of Value")
			).format(f"{cutoff:g}"),
			"datatype": "Int",
			"indicator": "Green",
		},
		{
			"value": percent,
			"label": _("Share of Customers Bringing {0}%").format(f"{cutoff:g}"),
			"datatype": "Percent",
			"indicator": "Green",
		},
	]
