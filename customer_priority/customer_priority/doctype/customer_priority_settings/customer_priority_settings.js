frappe.ui.form.on("Customer Priority Settings", {
	refresh(frm) {
		// Progress comes through Frappe's own progress bar (the job publishes it to this form).
		frm.add_custom_button(__("Recompute Now"), () => {
			frappe.call({
				method: "customer_priority.recompute.start_recompute",
				freeze: true,
				callback: (r) => r.message && frappe.show_alert({ message: r.message, indicator: "blue" }),
			});
		});
	},
});
