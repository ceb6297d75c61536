"""Key accounts watched (``engine/watch.py`` decides): the facts from ERPNext's own records, stored on the customer
as the reasons it is at risk, and "what to offer" for the Key Account Review.

- Opportunities of the account marked Lost with a Competitor named (Opportunity's competitors and lost reasons)
  in the look-back window.
- What it bought this quarter so far against the same days last year, alone and as a share of what its customer
  group bought.

The reasons are stored as data (``cp_at_risk_data``, rendered in each reader's language) and as English text; the
tier rules read them as "may leave" for a key account, in the hooks and the recompute alike. They are refreshed for
every key account by the daily job (before the recompute) and for one customer when one of its opportunities is
lost.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import getdate

from customer_priority import purchases, reasons
from customer_priority.customer_priority.doctype.customer_priority_settings.customer_priority_settings import (
	get_engine_settings,
)
from customer_priority.engine.history import window_start
from customer_priority.engine.watch import WatchFacts, decide_watch, quarter_to_date, what_to_offer

DATA_FIELD = "cp_at_risk_data"
TEXT_FIELD = "cp_at_risk_reason"


def key_accounts(customers: list[str] | None = None) -> dict[str, str]:
	"""Key accounts (or the named customers, key or not) with their customer group."""
	if customers is not None:
		rows = frappe.get_all(
			"Customer", filters={"name": ("in", customers or [""])}, fields=["name", "customer_group"]
		)
	else:
		rows = frappe.get_all("Customer", filters={"cp_key_account": 1}, fields=["name", "customer_group"])
	return {row.name: row.customer_group for row in rows}


def lost_to_competitors(start: date, customers: list[str]) -> dict[str, tuple[int, tuple, tuple]]:
	"""Per customer: opportunities lost since ``start`` with a competitor named, the competitors, the reasons."""
	if not customers:
		return {}
	rows = frappe.db.sql(
		"""select o.party_name, count(distinct o.name),
			group_concat(distinct cd.competitor order by cd.competitor separator '\n'),
			group_concat(distinct lr.lost_reason order by lr.lost_reason separator '\n')
		from `tabOpportunity` o
		join `tabCompetitor Detail` cd on cd.parent = o.name and cd.parenttype = 'Opportunity'
		left join `tabOpportunity Lost Reason Detail` lr on lr.parent = o.name and lr.parenttype = 'Opportunity'
		where o.opportunity_from = 'Customer' and o.status = 'Lost' and o.modified >= %(start)s
			and o.party_name in %(customers)s
		group by o.party_name""",
		{"start": start, "customers": tuple(customers)},
	)
	return {
		name: (
			int(count),
			tuple((competitors or "").split("\n")) if competitors else (),
			tuple((why or "").split("\n")) if why else (),
		)
		for name, count, competitors, why in rows
	}


def facts(customers: dict[str, str], as_of: date, settings) -> dict[str, WatchFacts]:
	names = list(customers)
	lost = lost_to_competitors(window_start(as_of, settings), names)
	now, before = quarter_to_date(as_of)
	counted = purchases.current()
	values = purchases.two_period_values(counted, now, before, names)
	groups = purchases.group_two_period_values(counted, now, before, sorted(set(customers.values())))
	out = {}
	for name, group in customers.items():
		value_now, value_before = values.get(name, (0.0, 0.0))
		group_now, group_before = groups.get(group, (0.0, 0.0))
		count, competitors, why = lost.get(name, (0, (), ()))
		out[name] = WatchFacts(
			lost_to_competitors=count,
			competitors=competitors,
			lost_reasons=why,
			quarter_value=value_now,
			last_year_value=value_before,
			group_share=100.0 * value_now / group_now if group_now > 0 else None,
			last_year_group_share=100.0 * value_before / group_before if group_before > 0 else None,
		)
	return out


def refresh(customers: list[str] | None = None, as_of: date | None = None) -> list[str]:
	"""Store why each key account (or each named customer) is at risk; the customers whose reasons changed."""
	settings = get_engine_settings()
	watched = key_accounts(customers)
	found = facts(watched, as_of or getdate(), settings)
	# Every customer still holding reasons is looked at too on a full refresh (one that is no longer key is cleared).
	condition = "name in %(names)s" + (
		"" if customers is not None else f" or ifnull(`{DATA_FIELD}`, '') != ''"
	)
	stored = dict(
		frappe.db.sql(
			f"select name, `{DATA_FIELD}` from `tabCustomer` where {condition}",
			{"names": tuple(watched) or ("",)},
		)
	)
	changed = []
	for name in set(watched) | set(stored if customers is None else ()):
		why = decide_watch(found[name], settings).reasons if name in found else []
		data = reasons.encode(why) if why else None
		if (stored.get(name) or None) != data:
			frappe.db.set_value(
				"Customer",
				name,
				{DATA_FIELD: data, TEXT_FIELD: reasons.english(why) or None},
				update_modified=False,
			)
			changed.append(name)
	return changed


def offers(customers: dict[str, str], as_of: date | None = None) -> dict[str, list[tuple[str, int]]]:
	"""What to offer each customer: the item groups its peers in the same customer group bought in the look-back
	window (submitted Sales Orders) and it did not, with how many peers bought each."""
	if not customers:
		return {}
	as_of = as_of or getdate()
	window = (window_start(as_of, get_engine_settings()), as_of)
	bought = purchases.item_groups_bought(list(customers), window)
	peers = purchases.item_groups_by_customer_group(sorted(set(customers.values())), window)
	return {
		name: what_to_offer(
			bought.get(name, set()),
			{
				item_group: count - (1 if item_group in bought.get(name, set()) else 0)
				for item_group, count in peers.get(group, {}).items()
			},
		)
		for name, group in customers.items()
	}


def rewatch_customer(customer: str, reference=None) -> None:
	"""One customer's watch refreshed (an opportunity of it was lost or reopened), and its tier with it."""
	from customer_priority.standing import retier_customer

	if refresh([customer]):
		retier_customer(customer, "Hook", reference)


def scheduled_refresh() -> None:
	"""Every key account's watch (daily, before the recompute); customers whose reasons changed are re-decided."""
	from customer_priority.standing import retier_customer

	for name in refresh():
		retier_customer(name, "Scheduler")
