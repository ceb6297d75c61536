"""Why: the reasons and log entries of the customers that changed, from the per-customer reference engine; the
stored form of a tier reason (an override's while a tier is set by hand)."""

from __future__ import annotations

from datetime import date

import numpy as np

import frappe
from frappe.utils import cint

from customer_priority.data import purchases
from customer_priority.engine.announcements import announcement_for
from customer_priority.engine.columnar import tier_reasons
from customer_priority.engine.history import Aggregate
from customer_priority.engine.i18n import Reason, reason
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.pipeline import Standing, standing_for
from customer_priority.engine.ranking import Ranked, rank_reason
from customer_priority.standing import privileges
from customer_priority.standing.decide import Everyone
from customer_priority.standing.stored import PROFILE_FIELDS, STATE_FIELDS, marked_key
from customer_priority.standing.write import WRITTEN, stored_form
from customer_priority.utils import reasons

# Log label for each tracked decision, with the stored field it lives in.
LOGGED = (
	("Tier", "cp_priority_tier"),
	("Level", "cp_level"),
	("Key Account", "cp_key_account"),
	("Relationship Level", "cp_relationship_level"),
	("Lifecycle", "cp_lifecycle"),
	("At Risk", "cp_at_risk"),
)


def override_reason(text: str | None) -> list[Reason]:
	"""The "why" shown while a tier is set by hand."""
	return [reason(mark("Set by hand: {reason}"), reason=(text or "").strip())]


def reason_values(why: list[Reason]) -> dict:
	"""The stored fields of a reason: English text, and the data each reader's rendering comes from."""
	text, data = reasons.stored_form(why)
	return {"cp_tier_reason": text, "cp_tier_reason_data": data}


def tier_reason(why: list[Reason], row) -> tuple[str, str]:
	"""The stored (text, data) of a customer's tier reason: the rules' reason, or the override's while a tier is
	set by hand."""
	if cint(row.cp_tier_override):
		why = override_reason(row.get("cp_override_reason"))
	return reasons.stored_form(why)


def changes_to_log(
	party: str,
	before,
	after: dict,
	st: Standing,
	source: str,
	reference=None,
	settings=None,
	privileges_in_use: bool = True,
) -> list[dict]:
	"""The log entries of one customer's changes, and its level's privileges applied. ``privileges_in_use`` False
	(no level grants anything and nothing is applied: the recompute asks once for all its customers) skips them."""
	# A first standing (a new customer, or every customer on the first recompute after install) is a starting
	# point, not a change: the customer's record holds it with its reason, and the log, its report, its chart
	# and the "lapsed this month" card stay about moves (the same rule as the announcements').
	had_standing = bool(before.get("cp_priority_tier"))
	entries = []
	topic = {
		"Tier": "tier",
		"Level": "level",
		"Key Account": "key",
		"Relationship Level": "relationship",
		"Lifecycle": "lifecycle",
		"At Risk": "risk",
	}
	for label, field in LOGGED if had_standing else ():
		old, new = before.get(field), after.get(field)
		if field in ("cp_key_account", "cp_at_risk"):
			old, new = cint(old), cint(new)
		if (old or "") == (new or ""):
			continue
		entries.append(
			{
				"party_type": "Customer",
				"party": party,
				"field": label,
				"old_value": str(old or ""),
				"new_value": str(new or ""),
				"account_manager": before.get("account_manager"),
				"announcement": announcement_for(
					label,
					str(old or ""),
					str(new or ""),
					bool(cint(after.get("cp_key_account"))),
					True,
				),
				"reasons": st.why(topic[label]),
				"source": source,
				"reference_doctype": reference.doctype if reference else None,
				"reference_name": reference.name if reference else None,
			}
		)
	if "cp_level" in after and privileges_in_use:
		# A level that grants privileges applies them on the customer's record as the level changes (a first level
		# too: its privileges are no news, but they are the customer's).
		entries.extend(
			privileges.apply_level_change(
				party, before.get("cp_level"), after["cp_level"], source, reference, settings=settings
			)
		)
	if cint(before.get("cp_tier_override")) and (before.get("cp_rule_tier") or "") != after["cp_rule_tier"]:
		entries.append(
			{
				"party_type": "Customer",
				"party": party,
				"field": "Tier",
				"old_value": before.get("cp_rule_tier") or "",
				"new_value": after["cp_rule_tier"],
				"source": source,
				"reasons": [
					reason(
						mark("Rules now say {rule}, the manual override keeps {kept}"),
						rule=after["cp_rule_tier"],
						kept=before.get("cp_override_tier"),
					),
					*st.why("tier"),
				],
				"reference_doctype": reference.doctype if reference else None,
				"reference_name": reference.name if reference else None,
			}
		)
	return entries


BEFORE = ("name", *STATE_FIELDS, "cp_override_reason", "cp_at_risk_data", *PROFILE_FIELDS)
"""What the reasons and the log of a changed customer need of its stored row."""


def changed_rows(
	rows: np.ndarray,
	everyone: Everyone,
	values,
	settings,
	as_of: date,
	source: str,
	memo,
	grants: bool = True,
):
	"""The result rows and log entries of the given (changed) customers. The values are the columnar path's.

	A customer with a standing before (or a level's privileges to apply) gets its reasons and log from the
	per-customer reference (the same decisions, proved by the property test). A first standing is not logged,
	so its tier reason is all it needs: ``columnar.tier_reasons`` asks the reference once per distinct set of facts
	(the first run after install: a few hundred questions for every customer). Without ``grants`` (no level's
	privileges in use) nothing here reads the database."""
	stored, decided = everyone.stored, everyone.decided
	new = stored_form(values, rows)
	count = decided.ranked_count
	first = np.array([not stored["cp_priority_tier"][row] for row in rows.tolist()], dtype=bool)
	if grants:
		first[:] = False
	why, which = tier_reasons(
		everyone.population, decided, rows[first], as_of, settings, everyone.profiles, everyone.risks
	)
	first_reasons = [reasons.stored_form(reasons_of_tier) for reasons_of_tier in why]
	firsts = iter(which.tolist())
	out, log = [], []
	for i, row in enumerate(rows.tolist()):
		before = frappe._dict({column: stored[column][row] for column in BEFORE})
		after = {column: new[column][i] for column in WRITTEN}
		if first[i]:
			reason = first_reasons[next(firsts)]
			text, data = tier_reason([], before) if cint(before.cp_tier_override) else reason
			out.append((before.name, *after.values(), (text, data)))
			continue
		st = reference_standing(row, before, everyone, count, settings, as_of, memo)
		text, data = tier_reason(st.why("tier"), before)
		out.append((before.name, *after.values(), (text, data)))
		log.extend(
			changes_to_log(
				before.name, before, after, st, source, settings=settings, privileges_in_use=grants
			)
		)
	return out, log


def reference_standing(row: int, before, everyone: Everyone, count: int, settings, as_of: date, memo):
	"""One customer's standing through the per-customer engine, from the columnar totals and rank, with the
	profile and risk reasons the run already read."""
	totals, decided = everyone.totals, everyone.decided
	agg = Aggregate(
		before.name,
		float(totals["lifetime"][row]),
		int(totals["count"][row]),
		float(totals["window"][row]),
		int(totals["window_count"][row]),
		purchases.day(totals["first"][row]),
		purchases.day(totals["last"][row]),
		purchases.day(totals["reborn"][row]),
		lifetime_profit=float(totals["lifetime_profit"][row]),
		window_profit=float(totals["window_profit"][row]),
		window_invoiced=float(totals["window_invoiced"][row]),
	)
	ranked = None
	if decided.rank[row]:
		why = rank_reason(
			int(decided.rank[row]),
			count,
			float(decided.share[row]),
			decided.abc[row],
			float(decided.cumulative_share[row]),
			settings,
		)
		ranked = Ranked(
			before.name,
			agg.ranking_values(settings)[0],
			int(decided.rank[row]),
			float(decided.percentile[row]),
			float(decided.share[row]),
			float(decided.cumulative_share[row]),
			decided.abc[row],
			[why],
		)
	return standing_for(
		agg,
		ranked,
		decided.cutoffs,
		as_of,
		settings,
		before.cp_level or None,
		everyone.profiles.get(before.name),
		is_internal=bool(cint(before.is_internal_customer)),
		memo=memo,
		marked_key=marked_key(before),
		risk=everyone.risks.get(before.name),
		prediction=(
			float(everyone.population.p_alive[row]),
			float(everyone.population.expected_value[row]),
		),
	)
