"""The tier log as a report: who moved up or down, when and why, with moves per week."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate

from customer_priority.engine.settings import TIERS
from customer_priority.standing.log import LOG_FIELDS
from customer_priority.utils import reasons
from customer_priority.utils.inputs import not_found, report_filters
from customer_priority.utils.permissions import installed_party_doctypes, may_read, readable_parties

FIELDS = (
	"Tier",
	"Level",
	"Key Account",
	"Relationship Level",
	"Lifecycle",
	"Override",
	"Escalation",
	"Routing",
)
SOURCES = ("Hook", "Scheduler", "Manual")


def direction(row) -> str:
	if row.field not in ("Tier", "Override") or row.old_value not in TIERS or row.new_value not in TIERS:
		return ""
	return "Up" if TIERS.index(row.new_value) < TIERS.index(row.old_value) else "Down"


FILTERS = {
	"from_date": ("Date", "From Date", None),
	"to_date": ("Date", "To Date", None),
	"field": ("Select", "What Changed", FIELDS),
	"source": ("Select", "Source", SOURCES),
	"party_type": ("Select", "Party Type", installed_party_doctypes),
	"party": ("Name", "Party", None),
}


def execute(filters=None):
	filters = report_filters(filters, FILTERS)
	if filters.party:
		types = [filters.party_type] if filters.party_type else installed_party_doctypes()
		if not any(may_read(t, filters.party) for t in types):
			# The same answer whether it is missing or hidden from the reader.
			not_found(types[0], filters.party)
	to_date = getdate(filters.to_date) if filters.to_date else getdate()
	from_date = getdate(filters.from_date) if filters.from_date else add_days(to_date, -90)
	if from_date > to_date:
		frappe.throw(_("From Date must be on or before To Date"))
	conditions = ["changed_on between %(from_date)s and %(to_date)s"]
	params = {"from_date": from_date, "to_date": add_days(to_date, 1)}
	for key in ("field", "source", "party_type", "party"):
		if filters.get(key):
			conditions.append(f"`{key}` = %({key})s")
			params[key] = filters.get(key)
	conditions += visible_parties()
	rows = frappe.db.sql(
		f"""select {", ".join(f"`{f}`" for f in LOG_FIELDS)} from `tabCustomer Tier Log`
		where {" and ".join(conditions)} order by changed_on desc""",
		params,
		as_dict=True,
	)
	for row in rows:
		row.direction = direction(row)
		row.reason = reasons.for_reader(row.pop("reason_data"), row.reason)
	return columns(), rows, None, chart(rows)


def visible_parties() -> list[str]:
	"""Rows (and so the chart) only for parties the reader may see: the log names them by a dynamic link,
	which User Permissions do not reach on their own."""
	frappe.has_permission("Customer Tier Log", "read", throw=True)
	return readable_parties("party_type", "party")


def chart(rows):
	weeks: dict[str, list[int]] = {}
	for row in rows:
		if not row.direction:
			continue
		day = getdate(row.changed_on)
		week = add_days(day, -day.weekday()).isoformat()
		up_down = weeks.setdefault(week, [0, 0])
		up_down[0 if row.direction == "Up" else 1] += 1
	if not weeks:
		return None
	labels = sorted(weeks)
	return {
		"data": {
			"labels": labels,
			"datasets": [
				{"name": _("Moved Up"), "values": [weeks[w][0] for w in labels]},
				{"name": _("Moved Down"), "values": [weeks[w][1] for w in labels]},
			],
		},
		"type": "bar",
		"colors": ["#29cd42", "#ff5858"],
	}


def columns():
	return [
		{"fieldname": "changed_on", "label": _("Changed On"), "fieldtype": "Datetime", "width": 160},
		{
			"fieldname": "party_type",
			"label": _("Party Type"),
			"fieldtype": "Data",  # a Link to DocType would need read permission on DocType
			"width": 100,
		},
		{
			"fieldname": "party",
			"label": _("Party"),
			"fieldtype": "Dynamic Link",
			"options": "party_type",
			"width": 170,
		},
		{"fieldname": "field", "label": _("What Changed"), "fieldtype": "Data", "width": 120},
		{"fieldname": "old_value", "label": _("From"), "fieldtype": "Data", "width": 100},
		{"fieldname": "new_value", "label": _("To"), "fieldtype": "Data", "width": 100},
		{"fieldname": "direction", "label": _("Direction"), "fieldtype": "Data", "width": 80},
		{"fieldname": "reason", "label": _("Reason"), "fieldtype": "Data", "width": 320},
		{"fieldname": "source", "label": _("Source"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "changed_by",
			"label": _("Changed By"),
			"fieldtype": "Link",
			"options": "User",
			"width": 140,
		},
	]
