frappe.ui.form.on("Customer Priority Settings", {
	setup(frm) {
		// A level grants only what a customer can hold: a leaf Customer Group, an enabled selling Price List.
		frm.set_query("grant_customer_group", "levels", () => ({ filters: { is_group: 0 } }));
		frm.set_query("grant_price_list", "levels", () => ({ filters: { selling: 1, enabled: 1 } }));
	},
	refresh(frm) {
		// Defaults that wait for records ERPNext's setup wizard makes (the server writes the notes).
		const waiting = frm.doc.__onload?.waiting_notes || [];
		frm.set_intro(waiting.length ? waiting.join("<br>") : "", "orange");
		frm.add_custom_button(
			__("Retrain Now"),
			() => {
				frappe.call({
					method: "customer_priority.api.predictions.start_retraining",
					freeze: true,
					callback: (r) =>
						r.message && frappe.show_alert({ message: r.message, indicator: "blue" }),
				});
			},
			__("Predictions"),
		);
		// Progress comes through Frappe's own progress bar (the job publishes it to this form).
		frm.add_custom_button(__("Recompute Now"), () => {
			frappe.call({
				method: "customer_priority.api.recompute.start_recompute",
				freeze: true,
				callback: (r) => r.message && frappe.show_alert({ message: r.message, indicator: "blue" }),
			});
		});
	},
});
