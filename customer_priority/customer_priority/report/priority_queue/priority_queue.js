frappe.query_reports["Priority Queue"] = {
	filters: [
		{
			fieldname: "document_type",
			label: __("Type"),
			fieldtype: "Select",
			options: "\nLead\nOpportunity\nIssue",
		},
		{
			fieldname: "tier",
			label: __("Priority Tier"),
			fieldtype: "Select",
			options: customer_priority.tier_options(),
		},
		{ fieldname: "mine", label: __("Only Mine"), fieldtype: "Check" },
	],
	formatter: customer_priority.format_tier_cell,
};
