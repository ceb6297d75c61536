"""Key accounts and candidates (by value or potential): relationship level, scorecard, reviews overdue first; key
accounts at risk of being lost next, with why, and what to offer each (the item groups its peers buy and it does
not)."""

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.evaluation import is_review_due
from customer_priority.engine.keyaccount import CANDIDATE_CLASSES, RELATIONSHIP_PLAYS, has_key_potential
from customer_priority.standing import watch
from customer_priority.utils import reasons
from customer_priority.utils.inputs import report_filters
from customer_priority.utils.permissions import readable

FILTERS = {"key_accounts_only": ("Check", "Key Accounts Only", None)}


def execute(filters=None):
	filters = report_filters(filters, FILTERS)
	settings = get_engine_settings()
	today = getdate()
	conditions = [
		"disabled = 0",
		# Every row that could be a candidate; ``has_key_potential`` below decides which are.
		"(cp_key_account = 1 or cp_potential_score >= %(candidate)s or cp_abc_class in %(classes)s)",
	]
	params = {"candidate": settings.key_potential_min_score, "classes": CANDIDATE_CLASSES}
	if cint(filters.key_accounts_only):
		conditions[1] = "cp_key_account = 1"
	if visible := readable("Customer", "name"):
		conditions.append(visible)
	rows = frappe.db.sql(
		f"""select name customer, customer_name, cp_key_account key_account,
			cp_key_account_source source, cp_relationship_level relationship_level, cp_window_value value,
			cp_abc_class abc_class, cp_potential_score potential_score, cp_last_evaluation_score last_score,
			cp_last_evaluation_band last_band, cp_last_evaluation_date last_reviewed, cp_next_review_date next_review,
			account_manager, customer_group, cp_at_risk at_risk, cp_at_risk_reason risk_text, cp_at_risk_data risk_data
		from `tabCustomer` where {" and ".join(conditions)}""",
		params,
		as_dict=True,
	)
	rows = [
		row
		for row in rows
		if cint(row.key_account)
		or has_key_potential(row.abc_class, flt(row.value), flt(row.potential_score), settings)
	]
	offers = watch.offers({row.customer: row.customer_group for row in rows if cint(row.key_account)}, today)
	for row in rows:
		row.at_risk = cint(row.at_risk)
		row.why_at_risk = (
			reasons.for_reader(row.pop("risk_data"), row.pop("risk_text")) if row.at_risk else ""
		)
		row.offer = ", ".join(
			_("{0} ({1} peers)").format(_(group), count) for group, count in offers.get(row.customer, [])
		)
		next_review = getdate(row.next_review) if row.next_review else None
		row.overdue = 1 if cint(row.key_account) and is_review_due(next_review, today) else 0
		row.play = _(RELATIONSHIP_PLAYS.get(row.relationship_level, "")) if row.relationship_level else ""
	rows.sort(
		key=lambda r: (
			-r.overdue,
			-r.at_risk,
			-cint(r.key_account),
			str(r.next_review or "0000"),
			-(r.value or 0),
		)
	)
	return columns(), rows


def columns():
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 170,
		},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "key_account", "label": _("Key Account"), "fieldtype": "Check", "width": 90},
		{"fieldname": "source", "label": _("Key Account By"), "fieldtype": "Data", "width": 100},
		{
			"fieldname": "relationship_level",
			"label": _("Relationship Level"),
			"fieldtype": "Data",
			"width": 160,
		},
		{"fieldname": "play", "label": _("Next Play"), "fieldtype": "Data", "width": 240},
		{"fieldname": "at_risk", "label": _("At Risk"), "fieldtype": "Check", "width": 70},
		{"fieldname": "why_at_risk", "label": _("Why At Risk"), "fieldtype": "Data", "width": 280},
		{"fieldname": "offer", "label": _("What to Offer"), "fieldtype": "Data", "width": 240},
		{"fieldname": "value", "label": _("Value in Window"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "abc_class", "label": _("ABC Class"), "fieldtype": "Data", "width": 70},
		{"fieldname": "potential_score", "label": _("Potential Score"), "fieldtype": "Float", "width": 100},
		{"fieldname": "last_score", "label": _("Last Scorecard"), "fieldtype": "Float", "width": 100},
		{"fieldname": "last_band", "label": _("Band"), "fieldtype": "Data", "width": 90},
		{"fieldname": "last_reviewed", "label": _("Last Reviewed On"), "fieldtype": "Date", "width": 110},
		{"fieldname": "next_review", "label": _("Next Review Due"), "fieldtype": "Date", "width": 110},
		{"fieldname": "overdue", "label": _("Review Overdue"), "fieldtype": "Check", "width": 100},
		{
			"fieldname": "account_manager",
			"label": _("Account Manager"),
			"fieldtype": "Link",
			"options": "User",
			"width": 140,
		},
	]
