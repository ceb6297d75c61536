// The app's desk namespace, loaded on every desk page (hooks.app_include_js): one place for the tier colours,
// the tier badge with "why", the override actions, the list indicator and the report cell.
frappe.provide("customer_priority");

Object.assign(customer_priority, {
	TIERS: ["First", "High", "Medium", "Low"],
	COLOURS: { First: "red", High: "orange", Medium: "blue", Low: "gray" },
	ROLE_COLOURS: { Wallet: "green", Ally: "blue", Airbag: "gray", Internal: "purple", Unknown: "orange" },

	// Options of a Select filter or prompt on the tier; `blank` adds an empty first choice.
	tier_options(blank = true) {
		return (blank ? [""] : []).concat(this.TIERS).join("\n");
	},

	tier_pill(tier, extra_class = "") {
		if (!tier) return "";
		const colour = this.COLOURS[tier] || "gray";
		return `<span class="indicator-pill ${colour} ${extra_class}" data-tier="${tier}">${__(tier)}</span>`;
	},

	// A report's formatter: the tier column as a coloured pill.
	format_tier_cell(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "tier" && data && data.tier) return customer_priority.tier_pill(data.tier);
		return value;
	},

	badge(frm, extra = "") {
		const tier = frm.doc.cp_priority_tier;
		if (!tier || frm.is_new()) return;
		const why = frappe.utils.escape_html(frm.doc.cp_tier_reason || "");
		const parts = [
			`<span class="indicator-pill ${this.COLOURS[tier] || "gray"} cp-tier-badge" data-tier="${tier}"
				title="${why}">${__("Tier")}: ${__(tier)}</span>`,
		];
		if (frm.doc.cp_key_account) {
			parts.push(`<span class="indicator-pill purple cp-key">★ ${__("Key Account")}</span>`);
		}
		if (frm.doc.cp_rank) {
			const colour = { A: "green", B: "blue" }[frm.doc.cp_abc_class] || "gray";
			const text = __("Rank {0} · Class {1} · {2}", [
				frm.doc.cp_rank,
				frm.doc.cp_abc_class || "-",
				format_currency(frm.doc.cp_window_value || 0),
			]);
			parts.push(`<span class="indicator-pill ${colour} cp-rank">${text}</span>`);
		}
		if (frm.doc.cp_level) {
			parts.push(`<span class="indicator-pill gray">${__("Level")}: ${__(frm.doc.cp_level)}</span>`);
		}
		if (frm.doc.cp_lifecycle) {
			parts.push(`<span class="indicator-pill gray">${__(frm.doc.cp_lifecycle)}</span>`);
		}
		if (frm.doc.cp_tier_override) {
			parts.push(`<span class="indicator-pill yellow">${__("Set by hand")}</span>`);
		}
		// Predictions: shown only when there is one (0 means none: too little history to learn from).
		if (frm.doc.cp_conversion_probability) {
			const why = frappe.utils.escape_html(frm.doc.cp_conversion_reason || "");
			const text = __("Chance to buy: {0}%", [Math.round(frm.doc.cp_conversion_probability)]);
			parts.push(`<span class="indicator-pill cyan cp-chance" title="${why}">${text}</span>`);
			if (why) extra += `<div class="small cp-chance-why">${__("Why this chance")}: ${why}</div>`;
		}
		if (frm.doc.cp_p_alive) {
			const text = __("Still buying: {0}% · expected {1} in {2} orders", [
				Math.round(frm.doc.cp_p_alive),
				format_currency(frm.doc.cp_expected_value || 0),
				(frm.doc.cp_expected_orders || 0).toFixed(1),
			]);
			parts.push(`<span class="indicator-pill cyan cp-p-alive">${text}</span>`);
			// What the purchase models read: how many purchases, and how long the silence since the last.
			const why = __(
				"From {0} orders, the last on {1}: a silence long for the customer's own pace lowers it",
				[frm.doc.cp_order_count || 0, frappe.datetime.str_to_user(frm.doc.cp_last_order_date) || "-"],
			);
			extra += `<div class="small cp-p-alive-why">${frappe.utils.escape_html(why)}</div>`;
		}
		if (frm.doc.cp_to_qualify) {
			parts.push(`<span class="indicator-pill orange cp-to-qualify">${__("To Qualify")}</span>`);
			extra =
				`<div class="small cp-ask">${frappe.utils.escape_html(frm.doc.cp_ask_next || "")}</div>` +
				extra;
		}
		// Replace our own message only: the form may show other messages of ERPNext's.
		$(frm.layout.message).find(".cp-priority").closest(".form-message").remove();
		frm.dashboard.set_headline_alert(
			`<div class="cp-priority">${parts.join(" ")}
				<div class="text-muted small cp-why">${__("Why")}: ${why}</div>${extra}</div>`,
		);
	},

	// The people at the account with their buying role: who holds the wallet, who can veto, who is an airbag.
	buying_roles(frm) {
		frappe.call({
			method: "customer_priority.api.party.buying_roles",
			args: { customer: frm.doc.name },
			callback: (r) => {
				const people = r.message || [];
				if (!people.length) return;
				const items = people.map((p) => {
					const title = frappe.utils.escape_html([p.play, p.note].filter(Boolean).join(" "));
					const name = frappe.utils.escape_html(p.full_name || p.name);
					const colour = this.ROLE_COLOURS[p.role] || "gray";
					return `<span class="indicator-pill ${colour} cp-buying-role" title="${title}">
						${name}: ${__(p.role || "Unknown")}</span>`;
				});
				// Shown with the badge: ERPNext keeps the Customer dashboard in a tab of its own.
				this.badge(
					frm,
					`<div class="cp-buying-roles small">${__("Buying Roles")}: ${items.join(" ")}</div>`,
				);
			},
		});
	},

	is_manager() {
		return frappe.user.has_role("Sales Manager") || frappe.user.has_role("System Manager");
	},

	override_actions(frm) {
		if (frm.is_new() || !this.is_manager()) return;
		frm.add_custom_button(
			__("Set Tier by Hand"),
			() =>
				frappe.prompt(
					[
						{
							fieldname: "tier",
							fieldtype: "Select",
							label: __("Tier"),
							options: this.tier_options(false),
							reqd: 1,
						},
						{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1 },
					],
					(values) =>
						frappe.call({
							method: "customer_priority.api.party.set_tier_override",
							args: { doctype: frm.doctype, name: frm.docname, ...values },
							callback: () => frm.reload_doc(),
						}),
					__("Set Tier by Hand"),
					__("Set"),
				),
			__("Priority"),
		);
		if (frm.doc.cp_tier_override) {
			frm.add_custom_button(
				__("Clear Manual Tier"),
				() =>
					frappe.call({
						method: "customer_priority.api.party.clear_tier_override",
						args: { doctype: frm.doctype, name: frm.docname },
						callback: () => frm.reload_doc(),
					}),
				__("Priority"),
			);
		}
	},

	// A change that matters, announced while the form is open: say so and show the new standing.
	listen_for_changes(frm) {
		if (frm.__cp_listening) return;
		frm.__cp_listening = true;
		frappe.realtime.on("customer_priority_tier_change", (data) => {
			if (!window.cur_frm || cur_frm.doctype !== frm.doctype) return;
			const message = __("{0} changed from {1} to {2}", [
				__(data.field),
				__(data.old || "-"),
				__(data.new || "-"),
			]);
			frappe.show_alert({ message, indicator: "orange" }, 10);
			cur_frm.reload_doc();
		});
	},

	// A party's standing as the intake shows it: who this is, the tier and why.
	standing_html(standing) {
		const esc = frappe.utils.escape_html;
		return `<div class="cp-standing">
			${this.tier_pill(standing.tier, "cp-tier-badge")}
			<b>${esc(standing.title)}</b> <span class="text-muted">(${__(standing.party_type)})</span>
			<div class="text-muted small cp-why">${__("Why")}: ${esc(standing.why || "")}</div></div>`;
	},

	// ERPNext's call popup for an incoming call: the caller's standing on top.
	show_caller_standing(call_log) {
		const popup = window.erpnext && erpnext.call_popup;
		if (!popup || !popup.dialog || !call_log || !call_log.name) return;
		frappe
			.xcall("customer_priority.api.calls.caller_standing", { call_log: call_log.name })
			.then((standing) => {
				popup.dialog.$body.find(".cp-caller-standing").remove();
				if (!standing) return;
				popup.dialog.$body.prepend(
					`<div class="cp-caller-standing form-message blue">${this.standing_html(standing)}</div>`,
				);
			});
	},

	// The tier as a list's indicator (filterable: cp_priority_tier is also a standard filter of the list).
	tier_list_indicator(doctype) {
		const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
		settings.add_fields = [...(settings.add_fields || []), "cp_priority_tier"];
		const own = settings.get_indicator;
		settings.get_indicator = (doc) => {
			const tier = doc.cp_priority_tier;
			if (tier) return [__(tier), this.COLOURS[tier], `cp_priority_tier,=,${tier}`];
			return own ? own(doc) : null;
		};
	},
});

// After ERPNext's own handler has opened or updated its call popup.
$(document).on("app_ready", () => {
	frappe.realtime.on("show_call_popup", (call_log) =>
		setTimeout(() => customer_priority.show_caller_standing(call_log), 0),
	);
});
