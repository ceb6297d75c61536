{% include "customer_priority/public/js/priority_badge.js" %}

frappe.ui.form.on("Issue", {
	refresh(frm) {
		customer_priority.badge(frm);
		
	},
});
