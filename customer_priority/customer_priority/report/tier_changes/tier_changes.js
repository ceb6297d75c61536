frappe.query_reports["Tier Changes"] = {
	filters: [
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			default: frappe.datetime.add_days(frappe.datetime.get_today(), -90),
		},
		{
			fieldname: "to_date",
			label: __("To Date"),
			fieldtype: "Date",
			default: frappe.datetime.get_today(),
		},
		{
			fieldname: "field",
			label: __("What Changed"),
			fieldtype: "Select",
			options:
				"\nTier\nLevel\nKey Account\nRelationship Level\nLifecycle\nOverride\nEscalation\nRouting",
		},
		{
			fieldname: "source",
			label: __("Source"),
			fieldtype: "Select",
			options: "\nHook\nScheduler\nManual",
		},
		{ fieldname: "party_type", label: __("Party Type"), fieldtype: "Link", options: "DocType" },
		{ fieldname: "party", label: __("Party"), fieldtype: "Dynamic Link", options: "party_type" },
	],
};
