// Tier as the list indicator (filterable: cp_priority_tier is also a standard filter of the list).
window.customer_priority_list = function (doctype) {
	const colours = { First: "red", High: "orange", Medium: "blue", Low: "gray" };
	const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
	settings.add_fields = [...(settings.add_fields || []), "cp_priority_tier"];
	const own = settings.get_indicator;
	settings.get_indicator = function (doc) {
		if (doc.cp_priority_tier) {
			return [__(doc.cp_priority_tier), colours[doc.cp_priority_tier], `cp_priority_tier,=,${doc.cp_priority_tier}`];
		}
		return own ? own(doc) : null;
	};
};
