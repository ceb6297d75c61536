frappe.ui.form.on("Issue", {
	refresh(frm) {
		customer_priority.badge(frm);
	},
});
