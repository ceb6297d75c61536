"""Key accounts watched (``engine/watch.py`` decides): the facts from ERPNext's own records, stored on the customer
as the reasons it is at risk, and "what to offer" for the Key Account Review.

- Opportunities of the account marked Lost with a Competitor named (Opportunity's competitors and lost reasons)
  and last changed within the look-back window: ERPNext keeps no date of the declaration, and an opportunity's
  ``modified`` is the declaration's time unless it was edited after.
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
from frappe.query_builder.functions import IfNull
from frappe.utils import getdate

from customer_priority.data import purchases
from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.history import window_start
from customer_priority.engine.watch import WatchFacts, decide_watch, quarter_to_date, what_to_offer
from customer_priority.standing.rebuild import retier_customer
from customer_priority.utils import reasons

DATA_FIELD = "cp_at_risk_data"
TEXT_FIELD = "cp_at_risk_reason"
LOST_INDEX = "cp_lost"
"""Opportunities by status and last change (``lost_to_competitors``): the app's own, not the ``modified`` index
Frappe v15 gives every table and v16 no longer makes."""
LOST_INDEX_COLUMNS = {"Opportunity": ("status", "modified", "opportunity_from", "party_name")}


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
	opportunity = frappe.qb.DocType("Opportunity")
	competitor = frappe.qb.DocType("Competitor Detail")
	lost = frappe.qb.DocType("Opportunity Lost Reason Detail")
	rows = (
		frappe.qb.from_(opportunity)
		.join(competitor)
		.on((competitor.parent == opportunity.name) & (competitor.parenttype == "Opportunity"))
		.left_join(lost)
		.on((lost.parent == opportunity.name) & (lost.parenttype == "Opportunity"))
		.select(opportunity.party_name, opportunity.name, competitor.competitor, lost.lost_reason)
		.where(
			(opportunity.opportunity_from == "Customer")
			& (opportunity.status == "Lost")
			& (opportunity.modified >= start)
			& opportunity.party_name.isin(customers)
		)
		.run()
	)
	# A few rows per lost opportunity of a few key accounts: grouped here.
	found: dict[str, tuple[set, set, set]] = {}
	for customer, name, rival, why in rows:
		lost_ones, rivals, whys = found.setdefault(customer, (set(), set(), set()))
		lost_ones.add(name)
		rivals.update([rival] if rival else [])
		whys.update([why] if why else [])
	return {
		customer: (len(lost_ones), in_order(rivals), in_order(whys))
		for customer, (lost_ones, rivals, whys) in found.items()
	}


def in_order(values: set) -> tuple[str, ...]:
	return tuple(sorted(values, key=lambda v: (v.casefold(), v)))


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
	customer = frappe.qb.DocType("Customer")
	condition = customer.name.isin(list(watched) or [""])
	if customers is None:
		condition |= IfNull(customer[DATA_FIELD], "") != ""
	stored = dict(
		frappe.qb.from_(customer).select(customer.name, customer[DATA_FIELD]).where(condition).run()
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
	if refresh([customer]):
		retier_customer(customer, "Hook", reference)
