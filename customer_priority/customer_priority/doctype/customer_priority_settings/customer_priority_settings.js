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
		// What saving the form as it stands would change, before it is saved (nothing is written).
		frm.add_custom_button(__("Preview Changes"), () => {
			frappe.call({
				method: "customer_priority.api.preview.preview_settings",
				args: { doc: frm.doc },
				freeze: true,
				freeze_message: __("Deciding every customer under these settings..."),
				callback: (r) => r.message && customer_priority_preview_dialog(r.message),
			});
		});
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

function customer_priority_preview_dialog(preview) {
	const esc = frappe.utils.escape_html;
	const number = (n) => format_number(n, null, 0);
	const parts = [
		`<p class="cp-preview-summary">${__(
			"As of {0}: {1} of {2} customers would move if these settings were saved and the standing recomputed.",
			[
				esc(frappe.datetime.str_to_user(preview.as_of)),
				number(preview.moved),
				number(preview.customers),
			],
		)}</p>`,
	];
	for (const note of preview.notes || []) {
		parts.push(`<p class="text-warning">${esc(note)}</p>`);
	}
	for (const dimension of preview.dimensions) {
		parts.push(
			`<h5 class="cp-preview-dimension" data-dimension="${esc(dimension.dimension)}">${esc(
				dimension.label,
			)} <span class="text-muted">(${number(dimension.moved)})</span></h5>`,
		);
		if (!dimension.transitions.length) {
			parts.push(`<p class="text-muted">${__("Nobody moves")}</p>`);
			continue;
		}
		const rows = dimension.transitions
			.map(
				(t) =>
					`<tr><td>${esc(t.from)}</td><td>&rarr;</td><td>${esc(t.to)}</td><td class="text-right">${number(
						t.count,
					)}</td></tr>`,
			)
			.join("");
		parts.push(
			`<table class="table table-bordered table-sm cp-preview-table"><thead><tr><th>${__("From")}</th><th></th><th>${__(
				"To",
			)}</th><th class="text-right">${__("Customers")}</th></tr></thead><tbody>${rows}</tbody></table>`,
		);
	}
	if (preview.sample.length) {
		const rows = preview.sample
			.map(
				(c) =>
					`<tr class="cp-preview-customer"><td><a href="/app/customer/${encodeURIComponent(c.customer)}">${esc(
						c.customer_name || c.customer,
					)}</a></td><td>${c.moves
						.map((m) => `${esc(m.label)}: ${esc(m.from)} &rarr; ${esc(m.to)}`)
						.join("<br>")}</td><td>${esc(c.reason)}</td></tr>`,
			)
			.join("");
		parts.push(
			`<h5>${__("Some of the customers that would move")}</h5><table class="table table-bordered table-sm"><thead><tr><th>${__(
				"Customer",
			)}</th><th>${__("Moves")}</th><th>${__("New tier's reason")}</th></tr></thead><tbody>${rows}</tbody></table>`,
		);
	}
	const dialog = new frappe.ui.Dialog({
		title: __("Preview Changes"),
		size: "extra-large",
		fields: [{ fieldtype: "HTML", fieldname: "preview" }],
		primary_action_label: __("Close"),
		primary_action: () => dialog.hide(),
	});
	dialog.fields_dict.preview.$wrapper.addClass("cp-preview").html(parts.join(""));
	dialog.show();
	return dialog;
}
