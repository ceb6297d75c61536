frappe.query_reports["Customer Ranking"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_days(frappe.datetime.get_today(), -364) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "customer_group", label: __("Customer Group"), fieldtype: "Link", options: "Customer Group" },
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "level", label: __("Level"), fieldtype: "Data" },
		{ fieldname: "tier", label: __("Priority Tier"), fieldtype: "Select", options: "\nFirst\nHigh\nMedium\nLow" },
		{ fieldname: "abc_class", label: __("ABC Class"), fieldtype: "Select", options: "\nA\nB\nC" },
		{ fieldname: "key_accounts_only", label: __("Key Accounts Only"), fieldtype: "Check" },
		{ fieldname: "top", label: __("Show Top (0 = All)"), fieldtype: "Int", default: 500 },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "tier" && data && data.tier) {
			const colour = { First: "red", High: "orange", Medium: "blue", Low: "gray" }[data.tier];
			value = `<span class="indicator-pill ${colour}">${__(data.tier)}</span>`;
		}
		if (column.fieldname === "abc_class" && data && data.abc_class === "A") value = `<b>${value}</b>`;
		return value;
	},
};
