app_name = "customer_priority"
app_title = "Customer Priority"
app_publisher = "Customer Priority contributors"
app_description = (
	"Which customers and requests come first, and why: tiers, value ranking, key accounts and reviews"
)
app_email = "support@customer-priority.example"
app_license = "MIT"
# Written as hrms does, so install-app resolves it from the bench without looking anything up online.
required_apps = ["frappe/erpnext"]

before_install = "customer_priority.setup.install.before_install"
after_install = "customer_priority.setup.install.after_install"
before_uninstall = "customer_priority.setup.install.before_uninstall"
# Frappe CRM or Helpdesk installed or removed beside this app: their doctypes gain or lose the fields.
after_app_install = "customer_priority.setup.install.after_app_install"
before_app_uninstall = "customer_priority.setup.install.before_app_uninstall"
# Fields and index are re-asserted on every migrate, so a site repaired by hand or restored from an old backup heals.
after_migrate = ["customer_priority.setup.install.after_migrate"]
# Installed before ERPNext's setup wizard ran, defaults naming its Sales Stages wait for it (setup/wizard.py).
setup_wizard_complete = "customer_priority.setup.wizard.after_setup_wizard"
# Malformed filters for the app's reports get a clear error instead of Frappe's 500 (see inputs.py).
before_request = ["customer_priority.utils.inputs.check_report_request"]

# The log and the evaluations name their party by a dynamic link, which User Permissions do not reach: their rows
# are readable only with the party (lists, number cards, charts and reports alike).
permission_query_conditions = {
	"Customer Tier Log": "customer_priority.utils.permissions.party_rows_query",
	"Customer Evaluation": "customer_priority.utils.permissions.party_rows_query",
}
has_permission = {
	"Customer Tier Log": "customer_priority.utils.permissions.party_row_permission",
	"Customer Evaluation": "customer_priority.utils.permissions.party_row_permission",
}
# The desk namespace (tier colours, badge, override actions, list indicator, report cells): one plain file on
# every desk page, no build step, so `bench get-app` needs no Node.js. The doctype scripts below only call it.
app_include_js = "/assets/customer_priority/js/customer_priority.js"
doctype_js = {
	"Customer": "public/js/customer.js",
	"Lead": "public/js/lead.js",
	"Opportunity": "public/js/opportunity.js",
	"Issue": "public/js/issue.js",
	"Communication": "public/js/communication.js",
}
doctype_list_js = {
	"Customer": "public/js/customer_list.js",
	"Lead": "public/js/lead_list.js",
	"Opportunity": "public/js/opportunity_list.js",
}

doc_events = {
	"Lead": {
		"onload": "customer_priority.events.party.onload",
		"validate": "customer_priority.events.lead.validate",
		"before_save": "customer_priority.events.lead.before_save",
		"on_update": "customer_priority.events.lead.on_update",
		"on_trash": "customer_priority.events.party.on_trash",
	},
	"Opportunity": {
		"onload": "customer_priority.events.party.onload",
		"validate": "customer_priority.events.opportunity.validate",
		"before_save": "customer_priority.events.opportunity.before_save",
		"on_update": "customer_priority.events.opportunity.on_update",
	},
	"Sales Order": {
		"on_submit": "customer_priority.events.orders.on_submit",
		"on_cancel": "customer_priority.events.orders.on_cancel",
	},
	"Sales Invoice": {
		"on_submit": "customer_priority.events.orders.on_submit",
		"on_cancel": "customer_priority.events.orders.on_cancel",
	},
	"Issue": {
		"onload": "customer_priority.events.party.onload",
		"before_insert": "customer_priority.events.issue.before_insert",
		"validate": "customer_priority.events.issue.validate",
		"before_save": "customer_priority.events.issue.before_save",
		"on_update": "customer_priority.events.issue.on_update",
	},
	# Frappe CRM and Helpdesk, when installed beside this app (the handlers do nothing otherwise).
	"CRM Lead": {
		"onload": "customer_priority.events.party.onload",
		"validate": "customer_priority.events.crm.lead_validate",
		"before_save": "customer_priority.events.crm.before_save",
		"on_update": "customer_priority.events.crm.on_update",
		"on_trash": "customer_priority.events.party.on_trash",
	},
	"CRM Deal": {
		"onload": "customer_priority.events.party.onload",
		"validate": "customer_priority.events.crm.deal_validate",
		"before_save": "customer_priority.events.crm.before_save",
		"on_update": "customer_priority.events.crm.on_update",
		"on_trash": "customer_priority.events.party.on_trash",
	},
	"HD Ticket": {
		"onload": "customer_priority.events.party.onload",
		"validate": "customer_priority.events.helpdesk.validate",
	},
	"Communication": {
		# A received email on a lead or opportunity is read for what it asks (type, urgency).
		"on_update": "customer_priority.events.communication.on_update",
	},
	"Call Log": {
		# After ERPNext linked the caller's Contact or Lead: a number nobody has becomes a tiered Lead.
		"before_insert": "customer_priority.events.call_log.before_insert",
	},
	"Customer": {
		"onload": "customer_priority.events.party.onload",
		"validate": "customer_priority.events.customer.validate",
		"on_update": "customer_priority.events.customer.on_update",
		"after_rename": "customer_priority.events.customer.after_rename",
		"on_trash": "customer_priority.events.party.on_trash",
	},
}

# The log is about a party, not part of it: deleting a customer or lead removes its log rows (on_trash above).
ignore_links_on_delete = ["Customer Tier Log"]

scheduler_events = {
	# One job, the watch then the recompute (which reads the watch's fresh reasons a key account may be lost):
	# Frappe runs each entry as a job of its own, in no set order.
	"daily_long": ["customer_priority.tasks.watch_then_recompute"],
	"daily": ["customer_priority.tasks.create_review_todos"],
	"weekly_long": ["customer_priority.tasks.retrain_conversion_models"],
	# Unanswered First and High requests are escalated within ten minutes of their Respond By.
	"cron": {"*/10 * * * *": ["customer_priority.tasks.escalate_unanswered_requests"]},
}
