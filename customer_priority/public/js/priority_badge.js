// Shared by the Customer, Lead, Opportunity and Issue forms: a coloured tier badge with "why this tier".
window.customer_priority = window.customer_priority || {
	colours: { First: "red", High: "orange", Medium: "blue", Low: "gray" },

	badge(frm, extra = "") {
		const tier = frm.doc.cp_priority_tier;
		if (!tier || frm.is_new()) return;
		const colour = this.colours[tier] || "gray";
		const parts = [
			`<span class="indicator-pill ${colour} cp-tier-badge" data-tier="${tier}"
				title="${frappe.utils.escape_html(frm.doc.cp_tier_reason || "")}">${__("Tier")}: ${__(tier)}</span>`,
		];
		if (frm.doc.cp_key_account) parts.push(`<span class="indicator-pill purple cp-key">★ ${__("Key Account")}</span>`);
		if (frm.doc.cp_rank) {
			parts.push(`<span class="indicator-pill ${{ A: "green", B: "blue" }[frm.doc.cp_abc_class] || "gray"} cp-rank">
				${__("Rank {0} · Class {1} · {2}", [frm.doc.cp_rank, frm.doc.cp_abc_class || "-",
					format_currency(frm.doc.cp_window_value || 0)])}</span>`);
		}
		if (frm.doc.cp_level) parts.push(`<span class="indicator-pill gray">${__("Level")}: ${__(frm.doc.cp_level)}</span>`);
		if (frm.doc.cp_lifecycle) parts.push(`<span class="indicator-pill gray">${__(frm.doc.cp_lifecycle)}</span>`);
		if (frm.doc.cp_tier_override) parts.push(`<span class="indicator-pill yellow">${__("Set by hand")}</span>`);
		const why = frappe.utils.escape_html(frm.doc.cp_tier_reason || "");
		// Replace our own message only: the form may show other messages of ERPNext's.
		$(frm.layout.message).find(".cp-priority").closest(".form-message").remove();
		frm.dashboard.set_headline_alert(
			`<div class="cp-priority">${parts.join(" ")}<div class="text-muted small cp-why">${__("Why")}: ${why}</div>${extra}</div>`
		);
	},

	// The people at the account with their buying role: who holds the wallet, who can veto, who is an airbag.
	buying_roles(frm) {
		frappe.call({
			method: "customer_priority.api.buying_roles",
			args: { customer: frm.doc.name },
			callback: (r) => {
				const people = r.message || [];
				if (!people.length) return;
				const colours = { Wallet: "green", Ally: "blue", Airbag: "gray", Internal: "purple", Unknown: "orange" };
				const items = people.map((p) =>
					`<span class="indicator-pill ${colours[p.role] || "gray"} cp-buying-role" title="${frappe.utils.escape_html(p.note || "")}">
						${frappe.utils.escape_html(p.full_name || p.name)}: ${__(p.role || "Unknown")}</span>`);
				// Shown with the badge: ERPNext keeps the Customer dashboard in a tab of its own.
				this.badge(frm, `<div class="cp-buying-roles small">${__("Buying Roles")}: ${items.join(" ")}</div>`);
			},
		});
	},

	override_actions(frm) {
		if (frm.is_new() || !(frappe.user.has_role("Sales Manager") || frappe.user.has_role("System Manager"))) return;
		frm.add_custom_button(__("Set Tier by Hand"), () => {
			frappe.prompt(
				[
					{ fieldname: "tier", fieldtype: "Select", label: __("Tier"), options: "First\nHigh\nMedium\nLow", reqd: 1 },
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
				],
				(values) =>
					frappe.call({
						method: "customer_priority.api.set_tier_override",
						args: { doctype: frm.doctype, name: frm.docname, ...values },
						callback: () => frm.reload_doc(),
					}),
				__("Set Tier by Hand"),
				__("Set")
			);
		}, __("Priority"));
		if (frm.doc.cp_tier_override) {
			frm.add_custom_button(__("Clear Manual Tier"), () =>
				frappe.call({
					method: "customer_priority.api.clear_tier_override",
					args: { doctype: frm.doctype, name: frm.docname },
					callback: () => frm.reload_doc(),
				}), __("Priority"));
		}
	},
};
