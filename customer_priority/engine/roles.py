"""Customer roles (spec section 5).

Lifecycle, from the account's purchase history: Prospect (no order yet), New (one order), Repeat (buys
again: "the jewels"), Lapsed (no order for too long), Reborn (ordered again after a lapse), Internal
(ERPNext's internal customer, left out of value ranking). Buying roles, for people at an account:
Wallet / Ally / Airbag / Internal.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import NamedTuple

from .history import Aggregate
from .i18n import Reason, _, reason
from .settings import Settings

LIFECYCLES: tuple[str, ...] = ("Prospect", "New", "Repeat", "Lapsed", "Reborn", "Internal")


class BuyingRole(str, Enum):
	WALLET = "Wallet"
	ALLY = "Ally"
	AIRBAG = "Airbag"
	INTERNAL = "Internal"
	UNKNOWN = "Unknown"


BUYING_ROLE_PLAYS: dict[BuyingRole, str] = {
	BuyingRole.WALLET: _("Holds the budget and decides where it goes: the economic buyer to convince."),
	BuyingRole.ALLY: _("Uses or influences the purchase and can veto it: keep them on side."),
	BuyingRole.AIRBAG: _(
		"Little say in the decision: don't spend selling hours, but ask who the Wallet and Allies are."
	),
	BuyingRole.INTERNAL: _("One of our own people serving this account."),
	BuyingRole.UNKNOWN: _(
		"Role not known yet: find out whether this person is a Wallet, an Ally or an Airbag."
	),
}


def buying_role_play(role: str) -> str:
	try:
		return BUYING_ROLE_PLAYS[BuyingRole(role)]
	except ValueError:
		return BUYING_ROLE_PLAYS[BuyingRole.UNKNOWN]


class LifecycleDecision(NamedTuple):
	role: str
	reasons: list[Reason]


def lapse_threshold_days(agg: Aggregate, settings: Settings) -> float:
	"""Days without an order after which this customer counts as lapsed."""
	threshold = float(settings.lapse_days)
	interval = agg.usual_interval_days
	if settings.lapse_interval_multiplier and interval:
		threshold = min(
			threshold, max(float(settings.lapse_min_days), settings.lapse_interval_multiplier * interval)
		)
	return threshold


def decide_lifecycle(
	agg: Aggregate, as_of: date, settings: Settings, is_internal: bool = False
) -> LifecycleDecision:
	if is_internal:
		return LifecycleDecision("Internal", [reason(_("Internal customer: left out of value ranking"))])
	if not agg.order_count or agg.last_order is None:
		return LifecycleDecision("Prospect", [reason(_("No submitted order yet"))])
	silent = (as_of - agg.last_order).days
	threshold = lapse_threshold_days(agg, settings)
	if silent > threshold:
		return LifecycleDecision(
			"Lapsed",
			[
				reason(
					_(
						"Lapsed: no order for {days} days (lapse after {threshold:.0f}); find them and win them back"
					),
					days=silent,
					threshold=threshold,
				)
			],
		)
	if agg.reborn_on and (as_of - agg.reborn_on).days <= settings.reborn_window_days:
		return LifecycleDecision(
			"Reborn",
			[reason(_("Reborn: ordered again on {day} after a lapse"), day=agg.reborn_on.isoformat())],
		)
	if agg.order_count == 1:
		return LifecycleDecision("New", [reason(_("One order so far"))])
	return LifecycleDecision("Repeat", [reason(_("Repeat buyer: {count} orders"), count=agg.order_count)])
