"""The workspace's "Value by ABC Class": each class's value in the window, summed over the customers the reader may
see. Frappe's own Group By charts keep one result per chart for every reader (what the first reader saw is shown
to the next), so this one is counted for each reader, through the list permissions."""

import frappe
from frappe import _

from customer_priority.utils import inputs


@frappe.whitelist()
@frappe.read_only()  # reads only: on the site's read replica when it has one
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
	refresh=None,
) -> dict:
	"""Frappe's chart widget sends the arguments of every chart; this one has no filters, periods or options and
	refuses filters rather than ignore them."""
	inputs.no_filters(_("Value by ABC Class"), filters)
	frappe.has_permission("Customer", "read", throw=True)
	rows = frappe.get_list(
		"Customer",
		fields=["cp_abc_class as abc_class", "sum(cp_window_value) as value"],
		filters=[["cp_abc_class", "is", "set"]],
		group_by="cp_abc_class",
		order_by="cp_abc_class",
	)
	return {
		"labels": [_(row.abc_class) for row in rows],
		"datasets": [{"name": _("Value in Window"), "values": [row.value or 0 for row in rows]}],
	}
