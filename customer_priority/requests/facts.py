"""Request tiers for leads and opportunities: gather the facts from the document, let the engine decide."""

from __future__ import annotations

import frappe
from frappe.utils import cint, flt

from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.i18n import reason
from customer_priority.engine.pipeline import customer_request_facts
from customer_priority.engine.predicted import final_stage_by_prediction, prediction_flags
from customer_priority.engine.settings import TIERS, Settings
from customer_priority.engine.tiers import (
	LastRequest,
	Relationship,
	RequestFacts,
	Stage,
	TierDecision,
	decide_request_tier,
	higher_tier,
	recorded,
)
from customer_priority.requests.reading import intake_reasons
from customer_priority.standing.explain import override_reason, reason_values
from customer_priority.standing.log import write_log
from customer_priority.standing.stored import stored_prediction
from customer_priority.utils import reasons

NEGOTIATING_LEAD_STATUSES = ("Opportunity", "Quotation", "Interested")
PROSPECT_LEAD_STATUSES = ("Replied", "Opportunity", "Quotation", "Interested", "Lost Quotation")


def customer_facts(customer: str) -> dict:
	"""What a customer's stored standing says about a request from it (``pipeline.customer_request_facts``, the
	rule the standing's own tier reads), and the standing's tier, below which its requests never rank."""
	row = frappe.db.get_value(
		"Customer",
		customer,
		[
			"cp_lifecycle",
			"cp_key_account",
			"cp_rfm_segment",
			"cp_at_risk",
			"cp_abc_class",
			"cp_window_value",
			"cp_potential_score",
			"cp_priority_tier",
			"cp_p_alive",
			"cp_expected_value",
		],
		as_dict=True,
	)
	if not row:
		return {}
	settings = get_engine_settings()
	leaving, potential = prediction_flags(
		bool(cint(row.cp_key_account)), row.cp_abc_class, *stored_prediction(row), settings
	)
	facts = customer_request_facts(
		row.cp_lifecycle,
		bool(cint(row.cp_key_account)),
		row.cp_rfm_segment,
		bool(cint(row.cp_at_risk)),
		row.cp_abc_class,
		flt(row.cp_window_value),
		flt(row.cp_potential_score),
		settings,
		bool(leaving),
		bool(potential),
	)
	return {
		"relationship": facts.relationship,
		"is_key_account": facts.is_key_account,
		"churn_risk": facts.churn_risk,
		"key_potential": facts.key_potential,
		"standing_tier": row.cp_priority_tier,
	}


def request_facts(doc, stage: Stage, relationship: Relationship, known: dict) -> RequestFacts:
	"""The request's facts: what a person recorded on it (Yes, No, or not asked), and what the standing of the
	customer it comes from says (``known``): a customer's record answers for its potential and its details."""
	potential = recorded(doc.get("cp_could_become_key"))
	if known and not potential:
		potential = known.get("key_potential", False)
	details = recorded(doc.get("cp_open_about_details"))
	return RequestFacts(
		relationship=known.get("relationship", relationship),
		is_key_account=known.get("is_key_account", False),
		stage=stage,
		last_request=LastRequest(doc.get("cp_last_request") or "Not Asked"),
		important=recorded(doc.get("cp_important_to_them")),
		churn_risk=bool(cint(doc.get("cp_churn_risk"))) or known.get("churn_risk", False),
		key_potential=potential,
		gave_details=True if known else details,
		request_type=doc.get("cp_request_type") or "",
	)


def decide(facts: RequestFacts, settings: Settings, known: dict) -> TierDecision:
	decision = decide_request_tier(facts, settings)
	standing = known.get("standing_tier")
	if standing and higher_tier(standing, decision.tier) != decision.tier:
		# A request never ranks below the standing of the customer it comes from.
		return decision._replace(
			tier=standing,
			reasons=[
				*decision.reasons,
				reason(mark("Raised to the customer's own tier, {tier}"), tier=standing),
			],
			# At the customer's own First nothing the questions could bring would move it.
			ask=() if standing == TIERS[0] else decision.ask,
		)
	return decision


def apply_tier(doc, decision: TierDecision) -> None:
	doc.cp_rule_tier = decision.tier
	# What to ask next stands beside a tier set by hand too: the answers may still change the rules' tier.
	ask_text, ask_data = reasons.stored_form(list(decision.ask)) if decision.ask else ("", None)
	doc.update(
		{"cp_to_qualify": int(decision.to_qualify), "cp_ask_next": ask_text, "cp_ask_next_data": ask_data}
	)
	if cint(doc.get("cp_tier_override")) and doc.get("cp_override_tier"):
		doc.cp_priority_tier = doc.cp_override_tier
		doc.update(reason_values(override_reason(doc.get("cp_override_reason"))))
	else:
		doc.cp_priority_tier = decision.tier
		# Who matched and what was read come first: they are where the facts came from.
		doc.update(reason_values([*intake_reasons(doc), *decision.reasons]))


def log_tier_change(doc) -> None:
	before = doc.get_doc_before_save()
	old = before.get("cp_priority_tier") if before else None
	if (old or "") == (doc.cp_priority_tier or ""):
		return
	write_log(
		[
			{
				"party_type": doc.doctype,
				"party": doc.name,
				"field": "Tier",
				"old_value": old or "",
				"new_value": doc.cp_priority_tier or "",
				"reasons": reasons.decode(doc.cp_tier_reason_data),
				"source": "Hook",
			}
		]
	)


def retier_request(doc, stage: Stage, relationship: Relationship, known: dict) -> None:
	"""Decide a lead's or opportunity's tier inside its own save (no extra write). A lead likely enough to buy
	counts as in its final stage when Settings say so (``engine.predicted``)."""
	settings = get_engine_settings()
	likely = None
	if stage is not Stage.FINAL and flt(doc.get("cp_conversion_probability")):
		likely = final_stage_by_prediction(flt(doc.get("cp_conversion_probability")), settings)
	facts = request_facts(doc, Stage.FINAL if likely else stage, relationship, known)
	decision = decide(facts, settings, known)
	if likely:
		decision = decision._replace(reasons=[likely, *decision.reasons])
	apply_tier(doc, decision)


def lead_stage(doc) -> Stage:
	if recorded(doc.get("cp_at_final_stage")):
		return Stage.FINAL
	return Stage.NEGOTIATING if doc.get("status") in NEGOTIATING_LEAD_STATUSES else Stage.NONE
