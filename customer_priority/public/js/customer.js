frappe.ui.form.on("Customer", {
	refresh(frm) {
		customer_priority.badge(frm);
		customer_priority.override_actions(frm);
		customer_priority.listen_for_changes(frm);
		if (frm.is_new()) return;
		customer_priority.buying_roles(frm);
		const history = (doctype) => () =>
			frappe.set_route("List", doctype, { party_type: "Customer", party: frm.doc.name });
		frm.add_custom_button(__("Evaluations"), history("Customer Evaluation"), __("Priority"));
		frm.add_custom_button(__("Tier History"), history("Customer Tier Log"), __("Priority"));
		if (!customer_priority.is_manager()) return;
		const label = frm.doc.cp_key_account ? __("Unmark Key Account") : __("Mark as Key Account");
		frm.add_custom_button(
			label,
			() =>
				frappe.prompt(
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					(v) =>
						frappe.call({
							method: "customer_priority.api.party.set_key_account",
							args: {
								customer: frm.doc.name,
								is_key: frm.doc.cp_key_account ? 0 : 1,
								reason: v.reason,
							},
							callback: () => frm.reload_doc(),
						}),
					label,
				),
			__("Priority"),
		);
	},
});
