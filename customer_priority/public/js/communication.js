// An email or other message: the standing of the lead, customer or issue it is about, at once.
frappe.ui.form.on("Communication", {
	refresh(frm) {
		const { reference_doctype: doctype, reference_name: name } = frm.doc;
		if (!doctype || !name || !["Customer", "Lead", "Opportunity", "Issue"].includes(doctype)) return;
		frappe.xcall("customer_priority.api.calls.reference_standing", { doctype, name }).then((standing) => {
			if (standing) frm.dashboard.set_headline_alert(customer_priority.standing_html(standing));
		});
	},
});
