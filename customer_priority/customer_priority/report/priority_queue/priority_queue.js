frappe.query_reports["Priority Queue"] = {
	filters: [
		{
			fieldname: "document_type",
			label: __("Type"),
			fieldtype: "Select",
			// Frappe CRM and Helpdesk types list nothing where those apps are not installed.
			options: "\nLead\nOpportunity\nIssue\nCRM Lead\nCRM Deal\nHD Ticket",
		},
		{
			fieldname: "tier",
			label: __("Priority Tier"),
			fieldtype: "Select",
			options: customer_priority.tier_options(),
		},
		{ fieldname: "mine", label: __("Only Mine"), fieldtype: "Check" },
		{ fieldname: "overdue_only", label: __("Overdue Only"), fieldtype: "Check" },
		{ fieldname: "to_qualify_only", label: __("To Qualify Only"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = customer_priority.format_tier_cell(value, row, column, data, default_formatter);
		if (column.fieldname === "overdue" && data && data.overdue) {
			value = `<span class="indicator-pill red cp-overdue">${__("Overdue")}</span>`;
		}
		return value;
	},
};
