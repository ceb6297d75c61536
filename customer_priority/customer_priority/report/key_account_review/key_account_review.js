frappe.query_reports["Key Account Review"] = {
	filters: [{ fieldname: "key_accounts_only", label: __("Key Accounts Only"), fieldtype: "Check" }],
};
