frappe.ui.form.on("Opportunity", {
	refresh(frm) {
		customer_priority.badge(frm);
		customer_priority.override_actions(frm);
	},
});
