"""Request priority: First / High / Medium / Low from who the party is and what they ask (spec section 1).

The rules, checked top to bottom; the first that matches decides:

====  =====================================================================  ===========================
 #    the party and the request                                              tier
====  =====================================================================  ===========================
 1    key account (buying, or not buying yet), important request             First
 2    key account (buying, or not buying yet), routine request               ``key_account_routine_tier``
 3    prospect at the final stage who said "yes, this is my last request"    High
 4    current customer who may leave if not served, with potential to be key High
 5    current customer who may leave, without that potential                 ``churn_without_potential_tier``
 6    current customer, important or urgent request                          ``urgent_current_tier``
 7    prospect in negotiation (or final stage without a clear yes)           Medium
 8    current customer, request that is not urgent                           Medium
 9    former customer (bought before, lapsed) asking again                   Medium (a win-back chance)
10    new contact or prospect who is evasive about volume / details          Low
11    new contact or prospect open about details, or with key potential      ``new_with_details_tier``
12    new contact or prospect nobody has asked yet                           ``unqualified_tier``
====  =====================================================================  ===========================

Rows 1, 3, 4, 7, 8 and 10 are the seed's own cases; the rest close the gaps so every combination of facts
has one defined answer (a test walks every combination).

A fact a person records has three states: yes, no, and not asked (``None``). Not asked is unknown, never no: no
reason cites a fact nobody recorded. When a fact that would change the answer is unknown, the request takes its
tier from what is known and says which of the article's questions to ask next (``TierDecision.ask``): it is "to
qualify". Row 10 (the article's Low) needs someone to have recorded the evasion. A key account is key however it became one (by value,
by potential, or by hand) and whether or not it buys from us yet: the key-accounts article answers their requests
urgently even before they buy, so rows 1 and 2 come first and a key account is never Low (Settings refuse Low
for row 2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from typing import NamedTuple

from .i18n import Reason, _, reason
from .settings import TIERS, Settings


class Relationship(str, Enum):
	NEW = "New"
	"""Not a current or past customer: a first contact."""
	PROSPECT = "Prospect"
	"""Known, talking to us, has not bought yet."""
	CURRENT = "Current"
	"""Buys from us now."""
	FORMER = "Former"
	"""Bought before, has lapsed."""


def relationship_from_lifecycle(lifecycle: str | None) -> Relationship:
	"""Where a customer stands with us, from its lifecycle role (no order yet, lapsed, or buying)."""
	if not lifecycle or lifecycle == "Prospect":
		return Relationship.PROSPECT
	return Relationship.FORMER if lifecycle == "Lapsed" else Relationship.CURRENT


class Stage(str, Enum):
	NONE = "None"
	NEGOTIATING = "Negotiating"
	FINAL = "Final"


ANSWERS = ("Not Asked", "Yes", "No")
"""What a person records of a fact about a request."""


def recorded(value: str | None) -> bool | None:
	"""A recorded fact as the rules read it: Yes, No, or None when nobody asked (an empty value too)."""
	return {"Yes": True, "No": False}.get(value or "")


class LastRequest(str, Enum):
	"""Answer to "is this your last request before you sign / buy?"."""

	NOT_ASKED = "Not Asked"
	YES = "Yes"
	NO = "No"
	UNCLEAR = "Unclear"


@dataclass(frozen=True)
class RequestFacts:
	relationship: Relationship = Relationship.NEW
	is_key_account: bool = False
	stage: Stage = Stage.NONE
	last_request: LastRequest = LastRequest.NOT_ASKED
	important: bool | None = False
	"""The request is important or urgent to the party (or its type is listed as important in settings); None:
	nobody asked."""
	churn_risk: bool = False
	"""The customer would reconsider the relationship if not served."""
	key_potential: bool | None = False
	"""The party has the potential to become a key account; None: nobody asked."""
	gave_details: bool | None = True
	"""False when the party is evasive about likely volume and other details; None: nobody asked."""
	request_type: str = ""


class TierDecision(NamedTuple):
	tier: str
	rule: int
	reasons: list[Reason]
	ask: tuple[Reason, ...] = ()
	"""The questions whose answers could change the tier, to ask next (the request is "to qualify")."""

	@property
	def to_qualify(self) -> bool:
		return bool(self.ask)


ASK_IMPORTANT = reason(_("Ask: is this request important or urgent to them?"))
ASK_LAST_REQUEST = reason(_("Ask: is this your last request before buying?"))
ASK_DETAILS = reason(_("Ask: what volume do they expect, and will they share the details?"))
ASK_POTENTIAL = reason(_("Ask: could they become a key account (size, brand, sales network)?"))


def unknown(*pairs: tuple[bool | None, Reason]) -> tuple[Reason, ...]:
	"""The questions of the facts nobody recorded, in the order given."""
	return tuple(question for answer, question in pairs if answer is None)


def facts_with_request_type(facts: RequestFacts, settings: Settings) -> RequestFacts:
	"""A request type listed as important in settings makes the request important."""
	if facts.request_type and facts.request_type in settings.important_request_types and not facts.important:
		return replace(facts, important=True)
	return facts


def decide_request_tier(facts: RequestFacts, settings: Settings) -> TierDecision:
	facts = facts_with_request_type(facts, settings)
	rel = facts.relationship

	if facts.is_key_account:
		if facts.important:
			return TierDecision("First", 1, [reason(_("Key account with an important request: serve first"))])
		return TierDecision(
			settings.key_account_routine_tier,
			2,
			[reason(_("Key account: its requests are handled urgently even when routine"))],
			unknown((facts.important, ASK_IMPORTANT)),
		)

	if (
		rel in (Relationship.PROSPECT, Relationship.NEW, Relationship.FORMER)
		and facts.stage is Stage.FINAL
		and facts.last_request is LastRequest.YES
	):
		return TierDecision(
			"High", 3, [reason(_("Final stage of negotiation and this is their last request before buying"))]
		)

	if rel is Relationship.CURRENT:
		if facts.churn_risk and facts.key_potential:
			return TierDecision(
				"High",
				4,
				[reason(_("Current customer who may leave if not served, with the potential to become key"))],
			)
		if facts.churn_risk:
			why = (
				reason(_("Current customer who may leave if not served"))
				if facts.key_potential is None
				else reason(_("Current customer who may leave if not served, without key-account potential"))
			)
			return TierDecision(
				settings.churn_without_potential_tier, 5, [why], unknown((facts.key_potential, ASK_POTENTIAL))
			)
		if facts.important:
			return TierDecision(
				settings.urgent_current_tier,
				6,
				[reason(_("Current customer with an important or urgent request"))],
			)

	# A current customer's request that nobody asked about may be important (row 6).
	ask_important = unknown((facts.important, ASK_IMPORTANT)) if rel is Relationship.CURRENT else ()
	if facts.stage in (Stage.NEGOTIATING, Stage.FINAL):
		ask = ask_important
		if facts.stage is Stage.FINAL and facts.last_request is LastRequest.NOT_ASKED:
			why = reason(_("Final stage of negotiation"))
			ask = (*ask, ASK_LAST_REQUEST) if rel is not Relationship.CURRENT else ask
		elif facts.stage is Stage.FINAL:
			answer = facts.last_request.value.lower()
			why = reason(
				_('Final stage, but the answer to "is this your last request?" was {answer}'), answer=answer
			)
		else:
			why = reason(_("In negotiation, asking for more without committing"))
		return TierDecision("Medium", 7, [why], ask)

	if rel is Relationship.CURRENT:
		return TierDecision(
			"Medium", 8, [reason(_("Current customer with a request that is not urgent"))], ask_important
		)

	if rel is Relationship.FORMER:
		return TierDecision(
			"Medium", 9, [reason(_("Former customer asking again: a chance to win them back"))]
		)

	if facts.key_potential or facts.gave_details:
		why = (
			reason(_("New contact with the potential to become key"))
			if facts.key_potential
			else reason(_("New contact who is open about volume and details"))
		)
		return TierDecision(settings.new_with_details_tier, 11, [why])

	if facts.gave_details is False:  # someone recorded the evasion: the article's Low
		basic = facts.request_type in settings.basic_request_types
		what = reason(_("asks for basics ({request})"), request=facts.request_type) if basic else None
		reasons = [reason(_("New or unknown contact, evasive about volume and details"))]
		return TierDecision(
			"Low", 10, reasons + ([what] if what else []), unknown((facts.key_potential, ASK_POTENTIAL))
		)

	return TierDecision(
		settings.unqualified_tier,
		12,
		[
			reason(
				_("New contact, not yet qualified: nothing is recorded yet about their volume or potential")
			)
		],
		(ASK_DETAILS, *unknown((facts.key_potential, ASK_POTENTIAL))),
	)


def is_final_stage(sales_stage: str | None, settings: Settings) -> bool:
	return bool(sales_stage) and sales_stage in settings.final_sales_stages


def stage_from_sales_stage(sales_stage: str | None, settings: Settings, final_flag: bool = False) -> Stage:
	"""Map ERPNext's Opportunity sales stage (or the explicit final-stage check) onto the spec's stages."""
	if final_flag or is_final_stage(sales_stage, settings):
		return Stage.FINAL
	if sales_stage and sales_stage in settings.negotiation_sales_stages:
		return Stage.NEGOTIATING
	return Stage.NONE


def higher_tier(a: str, b: str) -> str:
	"""The more urgent of two tiers."""
	return a if TIERS.index(a) <= TIERS.index(b) else b
