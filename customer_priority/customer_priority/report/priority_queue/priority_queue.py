"""The salesperson's worklist: every open Lead, Opportunity and Issue; overdue first, then highest tier, then the
soonest Respond By (or, when Settings say so, the highest expected value: chance to buy times amount); with who it
is assigned to, why its tier and its chance to buy, in the reader's language."""

import frappe
from frappe import _
from frappe.utils import cint, getdate

from customer_priority.data.settings import get_engine_settings
from customer_priority.engine.settings import TIERS
from customer_priority.requests.partners import has_tiers
from customer_priority.utils import reasons
from customer_priority.utils.inputs import report_filters
from customer_priority.utils.permissions import readable

ASKED = "cp_to_qualify to_qualify, cp_ask_next ask, cp_ask_next_data ask_data"
"""A lead or opportunity to qualify, and the questions to ask next."""
CHANCE = """nullif(cp_conversion_probability, 0) chance, cp_conversion_reason chance_reason,
	cp_conversion_reason_data chance_data, nullif(cp_expected_deal_value, 0) expected_value"""
"""Its chance to buy (none without a model)."""
NO_CHANCE = "null chance, null chance_reason, null chance_data, null expected_value"
QUALIFY = f"{ASKED}, {CHANCE}"
SOURCES = {
	"Lead": {
		"title": "coalesce(nullif(company_name, ''), lead_name)",
		"owner": "lead_owner",
		"open": "status not in ('Converted', 'Do Not Contact', 'Lost Quotation')",
		"qualify": QUALIFY,
	},
	"Opportunity": {
		"title": "coalesce(nullif(customer_name, ''), party_name)",
		"owner": "opportunity_owner",
		"open": "status in ('Open', 'Replied', 'Quotation')",
		"qualify": QUALIFY,
	},
	# Frappe CRM and Helpdesk, where installed beside this app (``requests.partners``).
	"CRM Lead": {
		"title": "coalesce(nullif(organization, ''), lead_name)",
		"owner": "lead_owner",
		"open": "status not in ('Junk', 'Unqualified') and converted = 0",
		"qualify": QUALIFY,
	},
	"CRM Deal": {
		"title": "organization",
		"owner": "deal_owner",
		"open": "status not in ('Won', 'Lost')",
		"qualify": QUALIFY,
	},
	"HD Ticket": {
		"title": "subject",
		"owner": "owner",
		"open": "status in ('Open', 'Replied')",
		"qualify": f"0 to_qualify, null ask, null ask_data, {NO_CHANCE}",
		# Helpdesk's own SLA keeps the time: its Response By, and Failed once it is missed.
		"respond_by": "response_by",
		"overdue": "agreement_status = 'Failed'",
	},
	"Issue": {
		"title": "subject",
		"owner": "owner",
		"open": "status in ('Open', 'Replied', 'On Hold')",
		# An issue takes its party's tier: nothing to ask, nothing to buy.
		"qualify": f"0 to_qualify, null ask, null ask_data, {NO_CHANCE}",
	},
}


FILTERS = {
	"document_type": ("Select", "Document Type", tuple(SOURCES)),
	"tier": ("Select", "Priority Tier", TIERS),
	"mine": ("Check", "Only Mine", None),
	"overdue_only": ("Check", "Overdue Only", None),
	"to_qualify_only": ("Check", "To Qualify Only", None),
}


def execute(filters=None):
	filters = report_filters(filters, FILTERS)
	today = getdate()
	rows = []
	for doctype, spec in SOURCES.items():
		if filters.document_type and filters.document_type != doctype:
			continue
		if not has_tiers(doctype) or not frappe.has_permission(doctype, "read"):
			continue
		conditions, params = [spec["open"]], {}
		# Only the rows the reader may open: User Permissions (a customer, a territory) and permission query
		# conditions, as the list view applies them.
		if visible := readable(doctype, "name"):
			conditions.append(visible)
		if filters.tier:
			conditions.append("cp_priority_tier = %(tier)s")
			params["tier"] = filters.tier
		if cint(filters.mine):
			# Mine: what I own and what is assigned to me (`_assign` holds the JSON list of assignees).
			conditions.append(f"({spec['owner']} = %(user)s or _assign like %(assigned)s)")
			params["user"] = frappe.session.user
			params["assigned"] = f'%"{frappe.session.user}"%'
		if cint(filters.overdue_only):
			conditions.append(f"({spec.get('overdue', 'cp_overdue = 1')})")
		if cint(filters.to_qualify_only):
			if doctype == "Issue":
				continue
			conditions.append("cp_to_qualify = 1")
		for row in frappe.db.sql(
			f"""select name, {spec['title']} title, cp_priority_tier tier, cp_tier_reason reason,
				cp_tier_reason_data reason_data, {spec['owner']} owner, _assign, creation,
				{spec.get("respond_by", "cp_respond_by")} respond_by, ({spec.get("overdue", "cp_overdue")}) overdue,
				{spec["qualify"]}
			from `tab{doctype}` where {" and ".join(conditions)}""",
			params,
			as_dict=True,
		):
			assigned = row.pop("_assign")
			row.update(
				document_type=doctype,
				age_days=(today - row.creation.date()).days,
				assigned_to=", ".join(frappe.parse_json(assigned) or []) if assigned else "",
				reason=reasons.for_reader(row.pop("reason_data"), row.reason),
				ask=reasons.for_reader(row.pop("ask_data"), row.ask) if row.to_qualify else "",
				chance_reason=reasons.for_reader(row.pop("chance_data"), row.chance_reason)
				if row.chance
				else "",
			)
			rows.append(row)
	order = {tier: index for index, tier in enumerate(TIERS)}
	by_value = get_engine_settings().queue_by_expected_value
	rows.sort(
		key=lambda r: (
			-(r.overdue or 0),
			order.get(r.tier, len(TIERS)),
			-float(r.expected_value or 0) if by_value else 0.0,
			str(r.respond_by or "9999"),
			r.creation,
		)
	)
	for position, row in enumerate(rows, start=1):
		row["position"] = position
	return columns(), rows


def columns():
	return [
		{"fieldname": "position", "label": _("#"), "fieldtype": "Int", "width": 50},
		{"fieldname": "tier", "label": _("Priority Tier"), "fieldtype": "Data", "width": 100},
		{"fieldname": "overdue", "label": _("Overdue"), "fieldtype": "Check", "width": 100},
		{"fieldname": "respond_by", "label": _("Respond By"), "fieldtype": "Datetime", "width": 150},
		{"fieldname": "assigned_to", "label": _("Assigned To"), "fieldtype": "Data", "width": 170},
		{
			"fieldname": "document_type",
			"label": _("Type"),
			"fieldtype": "Data",  # a Link to DocType would need read permission on DocType
			"width": 100,
		},
		{
			"fieldname": "name",
			"label": _("Document"),
			"fieldtype": "Dynamic Link",
			"options": "document_type",
			"width": 170,
		},
		{"fieldname": "title", "label": _("Who / What"), "fieldtype": "Data", "width": 200},
		{"fieldname": "to_qualify", "label": _("To Qualify"), "fieldtype": "Check", "width": 90},
		{"fieldname": "ask", "label": _("Ask Next"), "fieldtype": "Data", "width": 300},
		{"fieldname": "reason", "label": _("Why This Tier"), "fieldtype": "Data", "width": 320},
		{"fieldname": "chance", "label": _("Chance to Buy"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "expected_value", "label": _("Expected Value"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "chance_reason", "label": _("Why This Chance"), "fieldtype": "Data", "width": 280},
		{"fieldname": "owner", "label": _("Owner"), "fieldtype": "Link", "options": "User", "width": 150},
		{"fieldname": "age_days", "label": _("Age (Days)"), "fieldtype": "Int", "width": 90},
	]
