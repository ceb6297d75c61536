"""Every field this app adds to ERPNext's doctypes, declared once.

Created on install and on migrate (``install.sync_custom_fields``), removed on uninstall. All names start
with ``cp_``. Computed fields are read-only in the form and guarded on the server (``events.customer.protect_computed_fields``).
"""

from customer_priority.engine.keyaccount import KEY_SOURCES, RELATIONSHIP_LEVELS
from customer_priority.engine.ranking import ABC_CLASSES
from customer_priority.engine.roles import LIFECYCLES, BuyingRole
from customer_priority.engine.settings import REQUEST_TYPES, TIERS
from customer_priority.engine.tiers import ANSWERS, LastRequest


def options(values, blank: bool = True) -> str:
	"""A Select field's options from the engine's own values (a blank first choice unless ``blank`` is off)."""
	return "\n".join([""] * blank + [str(v) for v in values])


TIER_OPTIONS = options(TIERS)
RATING_OPTIONS = options(range(1, 6))


def tier_field(insert_after: str, **extra) -> dict:
	return {
		"fieldname": "cp_priority_tier",
		"label": "Priority Tier",
		"fieldtype": "Select",
		"options": TIER_OPTIONS,
		"read_only": 1,
		"in_standard_filter": 1,
		"bold": 1,
		"no_copy": 1,
		"insert_after": insert_after,
		"translatable": 1,
		**extra,
	}


def reason_fields(insert_after: str) -> list[dict]:
	"""The reason as English text (lists, exports, search) and as data, rendered for each reader (``reasons``)."""
	return [
		{
			"fieldname": "cp_tier_reason",
			"label": "Why This Tier",
			"fieldtype": "Small Text",
			"read_only": 1,
			"no_copy": 1,
			"insert_after": insert_after,
		},
		computed("cp_tier_reason_data", "Why This Tier (Data)", "Long Text", "cp_tier_reason", hidden=1),
	]


def response_fields(insert_after: str) -> list[dict]:
	"""When a request must be answered by (from its tier), and whether it is overdue (the escalation job)."""
	return [
		computed("cp_respond_by", "Respond By", "Datetime", insert_after, in_list_view=0),
		computed("cp_overdue", "Overdue", "Check", "cp_respond_by", in_standard_filter=1),
		computed("cp_escalation_level", "Escalation Level", "Int", "cp_overdue", hidden=1),
	]


PREDICTED = "eval:doc.cp_p_alive"
SCORED = "eval:doc.cp_conversion_probability"
"""Without a model (too little history) the chance is 0 and not shown: no number rather than a guess."""


def conversion_fields(insert_after: str) -> list[dict]:
	"""How likely the lead or opportunity is to buy, and why (``requests.conversion``)."""
	return [
		computed(
			"cp_conversion_probability",
			"Chance to Buy",
			"Percent",
			insert_after,
			description="Learned from this site's closed leads and opportunities; not shown with too little history",
			depends_on=SCORED,
		),
		computed(
			"cp_conversion_reason",
			"Why This Chance",
			"Small Text",
			"cp_conversion_probability",
			depends_on=SCORED,
		),
		computed(
			"cp_conversion_reason_data",
			"Why This Chance (Data)",
			"Long Text",
			"cp_conversion_reason",
			hidden=1,
		),
		computed(
			"cp_expected_deal_value",
			"Expected Value",
			"Currency",
			"cp_conversion_reason_data",
			description="The chance to buy times the amount",
			depends_on="eval:doc.cp_expected_deal_value",
		),
	]


def computed(fieldname: str, label: str, fieldtype: str, insert_after: str, **extra) -> dict:
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": fieldtype,
		"read_only": 1,
		"no_copy": 1,
		"insert_after": insert_after,
		**extra,
	}


def override_fields(insert_after: str) -> list[dict]:
	return [
		{
			"fieldname": "cp_override_section",
			"label": "Manual Override",
			"fieldtype": "Section Break",
			"collapsible": 1,
			"insert_after": insert_after,
			"depends_on": "eval:doc.cp_tier_override",
		},
		computed("cp_tier_override", "Tier Set by Hand", "Check", "cp_override_section"),
		computed(
			"cp_override_tier",
			"Override Tier",
			"Select",
			"cp_tier_override",
			options=TIER_OPTIONS,
		),
		computed(
			"cp_rule_tier",
			"Tier by the Rules",
			"Select",
			"cp_override_tier",
			options=TIER_OPTIONS,
		),
		{"fieldname": "cp_override_col", "fieldtype": "Column Break", "insert_after": "cp_rule_tier"},
		computed("cp_override_reason", "Override Reason", "Small Text", "cp_override_col"),
		computed("cp_override_by", "Overridden By", "Link", "cp_override_reason", options="User"),
		computed("cp_override_on", "Overridden On", "Datetime", "cp_override_by"),
	]


def request_fields(first_after: str) -> list[dict]:
	"""What a salesperson records about a lead's or opportunity's request (spec section 1)."""
	return [
		{
			"fieldname": "cp_request_type",
			"label": "Request",
			"fieldtype": "Select",
			"options": options(REQUEST_TYPES),
			"insert_after": first_after,
			"description": "What they ask for; types listed as important in Customer Priority Settings raise the tier",
		},
		answer_field("cp_important_to_them", "Important or Urgent to Them", "cp_request_type"),
		answer_field(
			"cp_open_about_details",
			"Open About Volume and Details",
			"cp_important_to_them",
			description="No only when they are evasive about likely purchase volume; Not Asked until someone asks",
		),
		answer_field("cp_could_become_key", "Could Become a Key Account", "cp_open_about_details"),
		{"fieldname": "cp_request_col", "fieldtype": "Column Break", "insert_after": "cp_could_become_key"},
		answer_field(
			"cp_at_final_stage",
			"Final Stage of Negotiation",
			"cp_request_col",
			description="Also set by the sales stages listed as final in Customer Priority Settings",
		),
		{
			"fieldname": "cp_last_request",
			"label": "Is This Their Last Request Before Buying?",
			"fieldtype": "Select",
			"options": options((a.value for a in LastRequest), blank=False),
			"default": "Not Asked",
			"insert_after": "cp_at_final_stage",
		},
		computed("cp_to_qualify", "To Qualify", "Check", "cp_last_request", in_standard_filter=1),
		computed("cp_ask_next", "Ask Next", "Small Text", "cp_to_qualify"),
		computed("cp_ask_next_data", "Ask Next (Data)", "Long Text", "cp_ask_next", hidden=1),
	]


def intake_fields(insert_after: str) -> list[dict]:
	"""Who the sender matched and what their words were read as (``requests.reading``)."""
	return [
		computed(
			"cp_matched_customer",
			"Writes For",
			"Link",
			insert_after,
			options="Customer",
			description="The customer the sender's address, number or mail domain matched",
		),
		computed(
			"cp_intake_data", "Read From the Request (Data)", "Long Text", "cp_matched_customer", hidden=1
		),
	]


ANSWER_OPTIONS = options(ANSWERS, blank=False)
"""Not Asked, Yes, No: a fact nobody recorded is unknown, never No."""
ANSWER_FIELDS = ("cp_important_to_them", "cp_open_about_details", "cp_could_become_key", "cp_at_final_stage")
"""The facts a person records about a request, each Yes, No or Not Asked."""


def answer_field(fieldname: str, label: str, insert_after: str, **extra) -> dict:
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": "Select",
		"options": ANSWER_OPTIONS,
		"default": "Not Asked",
		"insert_after": insert_after,
		"translatable": 1,
		**extra,
	}


# Narrow text columns (characters): ERPNext's Customer table is already wide and InnoDB caps a row near 8 KB,
# so 140-character defaults for one-word values would crowd out a site's own custom fields.
COLUMN_LENGTHS = {
	"cp_priority_tier": 10,
	"cp_rule_tier": 10,
	"cp_override_tier": 10,
	"cp_level": 40,
	"cp_lifecycle": 12,
	"cp_key_account_source": 12,
	"cp_relationship_level": 30,
	"cp_abc_class": 1,
	"cp_rfm_score": 4,
	"cp_rfm_segment": 24,
	"cp_brand_strength": 1,
	"cp_production_volume": 1,
	"cp_sales_network": 1,
	"cp_purchase_potential": 1,
	"cp_last_evaluation_band": 20,
	"cp_request_type": 20,
	"cp_last_request": 10,
	"cp_important_to_them": 10,
	"cp_open_about_details": 10,
	"cp_could_become_key": 10,
	"cp_at_final_stage": 10,
	"cp_buying_role": 10,
}


def get_custom_fields() -> dict[str, list[dict]]:
	customer = [
		{
			"fieldname": "cp_priority_tab",
			"label": "Priority",
			"fieldtype": "Tab Break",
			"insert_after": "portal_users",
		},
		tier_field("cp_priority_tab", in_list_view=1),
		*reason_fields("cp_priority_tier"),
		computed("cp_level", "Level", "Data", "cp_tier_reason_data", in_standard_filter=1),
		computed("cp_points", "Points", "Float", "cp_level", precision="1"),
		{"fieldname": "cp_standing_col", "fieldtype": "Column Break", "insert_after": "cp_points"},
		computed(
			"cp_lifecycle",
			"Lifecycle",
			"Select",
			"cp_standing_col",
			options=options(LIFECYCLES),
			in_standard_filter=1,
		),
		computed("cp_reborn_on", "Came Back On", "Date", "cp_lifecycle"),
		computed("cp_key_account", "Key Account", "Check", "cp_reborn_on", in_standard_filter=1),
		computed(
			"cp_key_account_source",
			"Key Account By",
			"Select",
			"cp_key_account",
			options=options(KEY_SOURCES),
		),
		computed(
			"cp_relationship_level",
			"Relationship Level",
			"Select",
			"cp_key_account_source",
			options=options(RELATIONSHIP_LEVELS),
		),
		# The watch (``watch.py``): why a key account may be lost; the tier rules read it as "may leave".
		computed("cp_at_risk", "At Risk", "Check", "cp_relationship_level", in_standard_filter=1),
		computed("cp_at_risk_reason", "Why At Risk", "Small Text", "cp_at_risk", depends_on="cp_at_risk"),
		computed("cp_at_risk_data", "Why At Risk (Data)", "Long Text", "cp_at_risk_reason", hidden=1),
		*override_fields("cp_at_risk_data"),
		{
			"fieldname": "cp_value_section",
			"label": "Purchase Value",
			"fieldtype": "Section Break",
			"insert_after": "cp_override_on",
		},
		computed("cp_window_value", "Value in Look-back Window", "Currency", "cp_value_section"),
		computed("cp_lifetime_value", "Lifetime Value", "Currency", "cp_window_value"),
		computed("cp_average_order_value", "Average Order Value", "Currency", "cp_lifetime_value"),
		computed("cp_order_count", "Orders", "Int", "cp_average_order_value"),
		computed("cp_window_order_count", "Orders in Look-back Window", "Int", "cp_order_count"),
		# Gross profit of submitted Sales Invoices, as ERPNext's Gross Profit report takes it (returns subtract).
		computed("cp_window_profit", "Gross Profit in Look-back Window", "Currency", "cp_window_order_count"),
		computed("cp_lifetime_profit", "Lifetime Gross Profit", "Currency", "cp_window_profit"),
		computed("cp_window_invoiced", "Invoiced in Look-back Window", "Currency", "cp_lifetime_profit"),
		computed("cp_margin_percent", "Margin (%)", "Percent", "cp_window_invoiced"),
		# What the level's privileges changed on this customer and what it had before (``privileges.py``).
		computed("cp_privileges", "Privileges Applied by Level", "Small Text", "cp_margin_percent", hidden=1),
		{"fieldname": "cp_value_col", "fieldtype": "Column Break", "insert_after": "cp_privileges"},
		# Indexed: the Customer Ranking's default page is read in rank order straight from the stored ranking.
		computed("cp_rank", "Rank", "Int", "cp_value_col", search_index=1),
		computed("cp_percentile", "Percentile", "Percent", "cp_rank"),
		computed(
			"cp_abc_class",
			"ABC Class",
			"Select",
			"cp_percentile",
			options=options(ABC_CLASSES),
			in_standard_filter=1,
		),
		computed("cp_rfm_score", "RFM Score", "Data", "cp_abc_class"),
		computed("cp_rfm_segment", "RFM Segment", "Data", "cp_rfm_score"),
		computed("cp_first_order_date", "First Order", "Date", "cp_rfm_segment"),
		computed("cp_last_order_date", "Last Order", "Date", "cp_first_order_date"),
		computed("cp_ranked_on", "Ranked On", "Datetime", "cp_last_order_date"),
		{
			"fieldname": "cp_potential_section",
			"label": "Potential Profile",
			"fieldtype": "Section Break",
			"insert_after": "cp_ranked_on",
			"collapsible": 1,
			"description": "Rate 1 (low) to 5 (leader); an account can be key by potential before it buys from us",
		},
		{
			"fieldname": "cp_brand_strength",
			"label": "Brand Strength",
			"fieldtype": "Select",
			"options": RATING_OPTIONS,
			"insert_after": "cp_potential_section",
		},
		{
			"fieldname": "cp_production_volume",
			"label": "Production Volume",
			"fieldtype": "Select",
			"options": RATING_OPTIONS,
			"insert_after": "cp_brand_strength",
		},
		{
			"fieldname": "cp_sales_network",
			"label": "Sales Network",
			"fieldtype": "Select",
			"options": RATING_OPTIONS,
			"insert_after": "cp_production_volume",
		},
		{"fieldname": "cp_potential_col", "fieldtype": "Column Break", "insert_after": "cp_sales_network"},
		{
			"fieldname": "cp_staff_count",
			"label": "Staff Count",
			"fieldtype": "Int",
			"insert_after": "cp_potential_col",
			"non_negative": 1,
		},
		{
			"fieldname": "cp_years_in_business",
			"label": "Years in Business",
			"fieldtype": "Int",
			"insert_after": "cp_staff_count",
			"non_negative": 1,
		},
		{
			"fieldname": "cp_purchase_potential",
			"label": "Purchase Potential",
			"fieldtype": "Select",
			"options": RATING_OPTIONS,
			"insert_after": "cp_years_in_business",
		},
		computed("cp_potential_score", "Potential Score", "Float", "cp_purchase_potential", precision="1"),
		{
			"fieldname": "cp_review_section",
			"label": "Periodic Review",
			"fieldtype": "Section Break",
			"insert_after": "cp_potential_score",
		},
		computed("cp_last_evaluation_score", "Last Scorecard", "Float", "cp_review_section", precision="1"),
		computed("cp_last_evaluation_band", "Scorecard Band", "Data", "cp_last_evaluation_score"),
		{
			"fieldname": "cp_review_col",
			"fieldtype": "Column Break",
			"insert_after": "cp_last_evaluation_band",
		},
		computed("cp_last_evaluation_date", "Last Reviewed On", "Date", "cp_review_col"),
		computed("cp_next_review_date", "Next Review Due", "Date", "cp_last_evaluation_date"),
		# The purchase models' predictions (``standing.predictions``), fitted at every recompute.
		{
			"fieldname": "cp_prediction_section",
			"label": "Predicted Purchases",
			"fieldtype": "Section Break",
			"insert_after": "cp_next_review_date",
			"description": "From the order history (BG/NBD and Gamma-Gamma), over the horizon set in Customer "
			"Priority Settings; empty when the history is too short to fit",
		},
		# Not predicted is stored as 0 (a fitted P(alive) never is): then no number is shown.
		computed(
			"cp_p_alive", "Still Buying (P(alive))", "Percent", "cp_prediction_section", depends_on=PREDICTED
		),
		computed(
			"cp_expected_orders",
			"Expected Orders",
			"Float",
			"cp_p_alive",
			precision="2",
			depends_on=PREDICTED,
		),
		{"fieldname": "cp_prediction_col", "fieldtype": "Column Break", "insert_after": "cp_expected_orders"},
		computed(
			"cp_expected_value", "Expected Value", "Currency", "cp_prediction_col", depends_on=PREDICTED
		),
	]
	lead_like = [
		{
			"fieldname": "cp_priority_tab",
			"label": "Priority",
			"fieldtype": "Tab Break",
			"insert_after": "notes",
		},
		tier_field("cp_priority_tab", in_list_view=1),
		*reason_fields("cp_priority_tier"),
		*response_fields("cp_tier_reason_data"),
		*conversion_fields("cp_escalation_level"),
		{
			"fieldname": "cp_request_section",
			"label": "The Request",
			"fieldtype": "Section Break",
			"insert_after": "cp_expected_deal_value",
		},
		*request_fields("cp_request_section"),
	]
	opportunity = [
		*lead_like,
		{
			"fieldname": "cp_churn_risk",
			"label": "Customer May Leave if Not Served",
			"fieldtype": "Check",
			"insert_after": "cp_last_request",
		},
	]
	fields = {
		"Customer": customer,
		"Lead": [*lead_like, *override_fields("cp_last_request"), *intake_fields("cp_ask_next_data")],
		"Opportunity": [*opportunity, *override_fields("cp_churn_risk"), *intake_fields("cp_ask_next_data")],
		"Contact": [
			{
				"fieldname": "cp_buying_role",
				"label": "Buying Role",
				"fieldtype": "Select",
				"options": options(
					("Unknown", *(r.value for r in BuyingRole if r is not BuyingRole.UNKNOWN)), blank=False
				),
				"default": "Unknown",
				"insert_after": "designation",
				"in_list_view": 1,
				"in_standard_filter": 1,
				"description": "Wallet holds the budget; Ally can veto; Airbag has little say but knows who decides",
			},
			{
				"fieldname": "cp_buying_role_note",
				"label": "Buying Role Note",
				"fieldtype": "Small Text",
				"insert_after": "cp_buying_role",
			},
		],
		"Issue": [
			arrival_tier_field("The customer's or lead's tier when the issue came in"),
			*reason_fields("cp_priority_tier"),
			*response_fields("cp_tier_reason_data"),
			*intake_fields("cp_escalation_level"),
		],
	}
	return with_lengths(fields)


def with_lengths(fields: dict[str, list[dict]]) -> dict[str, list[dict]]:
	"""Each text field's column narrowed to its ``COLUMN_LENGTHS``."""
	for docfields in fields.values():
		for field in docfields:
			if field["fieldname"] in COLUMN_LENGTHS:
				field["length"] = COLUMN_LENGTHS[field["fieldname"]]
	return fields


def arrival_tier_field(description: str) -> dict:
	"""The tier of the party behind an issue or ticket when it came in: it set the priority."""
	return computed(
		"cp_priority_tier",
		"Customer Tier",
		"Select",
		"priority",
		options=TIER_OPTIONS,
		in_standard_filter=1,
		description=description,
	)


PARTNER_APPS = {"crm": ("CRM Lead", "CRM Deal"), "helpdesk": ("HD Ticket",)}
"""Frappe CRM and Helpdesk: their doctypes get the app's fields only while the app is installed beside this one."""


def get_partner_fields() -> dict[str, list[dict]]:
	"""The fields of Frappe CRM's leads and deals (as ERPNext's) and of Helpdesk's tickets (as an Issue's)."""

	def request_like(after: str) -> list[dict]:
		return [
			{
				"fieldname": "cp_priority_tab",
				"label": "Priority",
				"fieldtype": "Tab Break",
				"insert_after": after,
			},
			tier_field("cp_priority_tab", in_list_view=1),
			*reason_fields("cp_priority_tier"),
			*response_fields("cp_tier_reason_data"),
			*conversion_fields("cp_escalation_level"),
			{
				"fieldname": "cp_request_section",
				"label": "The Request",
				"fieldtype": "Section Break",
				"insert_after": "cp_expected_deal_value",
			},
			*request_fields("cp_request_section"),
			*override_fields("cp_last_request"),
			*intake_fields("cp_ask_next_data"),
		]

	fields = {
		"CRM Lead": request_like("facebook_form_id"),
		"CRM Deal": request_like("status_change_log"),
		"HD Ticket": [
			arrival_tier_field(
				"The tier of the customer behind the ticket when it came in; it set the priority"
			),
			*reason_fields("cp_priority_tier"),
			*intake_fields("cp_tier_reason_data"),
		],
	}
	return with_lengths(fields)


def computed_fieldnames(doctype: str) -> set[str]:
	"""Fields only the app writes: users change them through the override, never directly."""
	fields = get_custom_fields().get(doctype) or get_partner_fields().get(doctype) or []
	return {f["fieldname"] for f in fields if f.get("read_only")}
