frappe.ui.form.on("Customer Evaluation", {
	setup(frm) {
		frm.set_query("party_type", () => ({ filters: { name: ["in", ["Customer", "Lead", "Prospect"]] } }));
	},
	refresh(frm) {
		if (frm.doc.band) {
			const colour =
				{ Strategic: "green", Strong: "blue", Fair: "orange", Weak: "red" }[frm.doc.band] || "gray";
			frm.dashboard.set_headline(
				`<span class="indicator-pill ${colour}">${__(frm.doc.band)}</span> ${__("Score")}: ${frm.doc.total_score}/100`,
			);
		}
	},
});
