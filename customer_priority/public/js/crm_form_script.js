// A CRM Form Script (Frappe CRM runs it on its lead and deal pages, which do not run desk form scripts): a
// manager sets the tier by hand, with a reason, or gives it back to the rules. The server checks the role and
// the record again; the button only shows to whom it would work.
// eslint-disable-next-line no-unused-vars
async function setupForm({ doc, call, $dialog, toast }) {
	const allowed = await call("customer_priority.api.party.may_override", {
		doctype: doc.doctype,
		name: doc.name,
	}).catch(() => null);
	if (!allowed || !allowed.may) return { actions: [] };

	const escape = (text) => {
		const holder = document.createElement("div");
		holder.innerText = text;
		return holder.innerHTML;
	};
	const done = (message) => {
		toast.success(message);
		setTimeout(() => window.location.reload(), 600);
	};
	const failed = (error) => toast.error(error?.messages?.[0] || error?.message || __("Not saved"));

	const options = allowed.tiers
		.map(
			(tier) =>
				`<option value="${escape(tier.value)}" ${tier.value === doc.cp_priority_tier ? "selected" : ""}>${escape(tier.label)}</option>`,
		)
		.join("");
	const form = `
		<div class="flex flex-col gap-3">
			<label class="text-sm text-ink-gray-5">${escape(__("Priority Tier"))}
				<select id="cp-override-tier" class="form-control mt-1 w-full rounded border-outline-gray-2 text-base">${options}</select>
			</label>
			<label class="text-sm text-ink-gray-5">${escape(__("Why"))}
				<textarea id="cp-override-reason" rows="3" class="form-control mt-1 w-full rounded border-outline-gray-2 text-base"></textarea>
			</label>
		</div>`;

	const actions = [
		{
			label: __("Set Tier by Hand"),
			onClick: () =>
				$dialog({
					title: __("Set Tier by Hand"),
					html: form,
					actions: [
						{
							label: __("Set Tier"),
							variant: "solid",
							onClick: (close) =>
								call("customer_priority.api.party.set_tier_override", {
									doctype: doc.doctype,
									name: doc.name,
									tier: document.getElementById("cp-override-tier").value,
									reason: document.getElementById("cp-override-reason").value,
								})
									.then((result) => {
										close();
										done(__("Tier set to {0}", [__(result.tier)]));
									})
									.catch(failed),
						},
					],
				}),
		},
	];
	if (allowed.overridden) {
		actions.push({
			label: __("Clear Tier Override"),
			onClick: () =>
				call("customer_priority.api.party.clear_tier_override", {
					doctype: doc.doctype,
					name: doc.name,
				})
					.then((result) => done(__("The rules decide again: {0}", [__(result.tier)])))
					.catch(failed),
		});
	}
	return { actions };
}
