{% include "customer_priority/public/js/priority_badge.js" %}

frappe.ui.form.on("Customer", {
	refresh(frm) {
		customer_priority.badge(frm);
		customer_priority.override_actions(frm);
		if (frm.is_new()) return;
		customer_priority.buying_roles(frm);
		frm.add_custom_button(__("Evaluations"), () =>
			frappe.set_route("List", "Customer Evaluation", { party_type: "Customer", party: frm.doc.name }), __("Priority"));
		frm.add_custom_button(__("Tier History"), () =>
			frappe.set_route("List", "Customer Tier Log", { party_type: "Customer", party: frm.doc.name }), __("Priority"));
		if (frappe.user.has_role("Sales Manager") || frappe.user.has_role("System Manager")) {
			frm.add_custom_button(frm.doc.cp_key_account ? __("Unmark Key Account") : __("Mark as Key Account"), () =>
				frappe.prompt({ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 }, (v) =>
					frappe.call({
						method: "customer_priority.api.set_key_account",
						args: { customer: frm.doc.name, is_key: frm.doc.cp_key_account ? 0 : 1, reason: v.reason },
						callback: () => frm.reload_doc(),
					})), __("Priority"));
		}
	},
});
