frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Value by ABC Class"] = {
	method: "customer_priority.customer_priority.dashboard_chart_source.value_by_abc_class.value_by_abc_class.get",
	filters: [],
};
