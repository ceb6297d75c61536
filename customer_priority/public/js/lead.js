frappe.ui.form.on("Lead", {
	refresh(frm) {
		customer_priority.badge(frm);
		customer_priority.override_actions(frm);
	},
});
