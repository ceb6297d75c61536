frappe.query_reports["Customer Ranking"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
		// Empty Rank By means what Settings rank by; the other measure is computed for the period.
		{
			fieldname: "rank_by",
			label: __("Rank By"),
			fieldtype: "Select",
			options: ["", "Revenue", "Gross Profit"].map((value) => ({ value, label: __(value) })),
		},
		// Empty From Date means the look-back window of Settings; onload fills it in from there.
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date" },
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "customer_group",
			label: __("Customer Group"),
			fieldtype: "Link",
			options: "Customer Group",
		},
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "level", label: __("Level"), fieldtype: "Data" },
		{
			fieldname: "tier",
			label: __("Priority Tier"),
			fieldtype: "Select",
			options: customer_priority.tier_options(),
		},
		{ fieldname: "abc_class", label: __("ABC Class"), fieldtype: "Select", options: "\nA\nB\nC" },
		{ fieldname: "key_accounts_only", label: __("Key Accounts Only"), fieldtype: "Check" },
		{ fieldname: "top", label: __("Show Top (0 = All)"), fieldtype: "Int", default: 500 },
	],
	onload(report) {
		// The default view shows the ranks of the last recompute: a manager can bring them up to date from here.
		if (frappe.user.has_role(["Sales Manager", "System Manager"])) {
			report.page.add_inner_button(__("Recompute Now"), () =>
				frappe
					.xcall("customer_priority.api.recompute.start_recompute")
					.then((message) => frappe.show_alert({ message, indicator: "blue" })),
			);
		}
		frappe.db.get_single_value("Customer Priority Settings", "lookback_days").then((days) => {
			const to = report.get_filter_value("to_date") || frappe.datetime.get_today();
			if (days && !report.get_filter_value("from_date")) {
				report.set_filter_value("from_date", frappe.datetime.add_days(to, 1 - days));
			}
		});
	},
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		value = customer_priority.format_tier_cell(value, row, column, data, (v) => v);
		if (column.fieldname === "abc_class" && data && data.abc_class === "A") value = `<b>${value}</b>`;
		// Revenue that leaves a thin margin stands out.
		if (column.fieldname === "why" && data && data.thin_margin)
			value = `<span class="text-danger">${value}</span>`;
		return value;
	},
};
