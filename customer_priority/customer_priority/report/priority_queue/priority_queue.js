frappe.query_reports["Priority Queue"] = {
	filters: [
		{ fieldname: "document_type", label: __("Type"), fieldtype: "Select", options: "\nLead\nOpportunity\nIssue" },
		{ fieldname: "tier", label: __("Priority Tier"), fieldtype: "Select", options: "\nFirst\nHigh\nMedium\nLow" },
		{ fieldname: "mine", label: __("Only Mine"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "tier" && data && data.tier) {
			const colour = { First: "red", High: "orange", Medium: "blue", Low: "gray" }[data.tier];
			value = `<span class="indicator-pill ${colour}">${__(data.tier)}</span>`;
		}
		return value;
	},
};
