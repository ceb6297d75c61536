frappe.ui.form.on("Customer Priority Settings", {
	refresh(frm) {
		frm.add_custom_button(__("Recompute Now"), () => {
			frappe.call({
				method: "customer_priority.recompute.start_recompute",
				freeze: true,
				callback: (r) => r.message && frappe.show_alert({ message: r.message, indicator: "blue" }),
			});
		});
		frappe.realtime.off("customer_priority_recompute");
		frappe.realtime.on("customer_priority_recompute", (data) => {
			frappe.show_progress(__("Recomputing customer priority"), data.done, data.total, data.description);
			if (data.done >= data.total) {
				frappe.hide_progress();
				frm.reload_doc();
			}
		});
	},
});
