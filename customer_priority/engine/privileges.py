"""Levels that grant privileges (spec section 2: higher levels get more services and special programmes).

A level may name ERPNext's own privileges, each opt-in: a Customer Group (so the Pricing Rules of that group
apply), a default Price List and a Loyalty Program. When a customer's level changes, the new level's privileges
are applied and the old level's taken back. The app owns only what it applied: a value someone set by hand is
left alone unless the settings say otherwise, a value changed by hand after the app applied it is the person's
from then on, and taking a privilege back restores what the customer had before the app applied anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import Reason, _, reason
from .settings import Level

PRIVILEGES: tuple[tuple[str, str, str], ...] = (
	# (Customer field, Level attribute, label)
	("customer_group", "customer_group", _("Customer Group")),
	("default_price_list", "price_list", _("Price List")),
	("loyalty_program", "loyalty_program", _("Loyalty Program")),
)


def grants(level: Level | None) -> dict[str, str]:
	"""The Customer fields a level sets, with their values."""
	if level is None:
		return {}
	return {
		customer_field: getattr(level, attr)
		for customer_field, attr, _label in PRIVILEGES
		if getattr(level, attr)
	}


def grants_anything(levels: list[Level]) -> bool:
	return any(grants(level) for level in levels)


@dataclass(frozen=True)
class PrivilegeChange:
	field: str
	"""The Customer field."""
	label: str
	old: str
	new: str
	reasons: list[Reason]


@dataclass
class PrivilegeDecision:
	changes: list[PrivilegeChange] = field(default_factory=list)
	applied: dict[str, dict[str, str]] = field(default_factory=dict)
	"""What the app has applied after these changes: field -> {"value": applied, "before": to restore}."""


def decide_privileges(
	old_level: Level | None,
	new_level: Level | None,
	current: dict[str, str],
	applied: dict[str, dict[str, str]],
	defaults: dict[str, str],
	override_by_hand: bool = False,
) -> PrivilegeDecision:
	"""The privilege changes a move from ``old_level`` to ``new_level`` makes on a customer.

	``current`` holds the customer's values; ``applied`` what the app applied before (and what was there then);
	``defaults`` what a customer has when nobody chose (ERPNext's default Customer Group, no price list). A value
	that is neither a default nor the app's is "set by hand": left alone unless ``override_by_hand``."""
	decision = PrivilegeDecision(applied={k: dict(v) for k, v in applied.items()})
	granted = grants(new_level)
	old_name = old_level.name if old_level else ""
	new_name = new_level.name if new_level else ""
	for customer_field, _attr, label in PRIVILEGES:
		value = current.get(customer_field) or ""
		mine = decision.applied.get(customer_field)
		owned = mine is not None and mine.get("value") == value
		if mine is not None and not owned:
			# Changed by hand since the app applied it: the person's value from now on, never restored over.
			del decision.applied[customer_field]
			mine = None
		wanted = granted.get(customer_field)
		if wanted:
			if owned:
				if value != wanted:
					decision.applied[customer_field] = {"value": wanted, "before": mine["before"]}
					decision.changes.append(_grant(customer_field, label, value, wanted, new_name, old_name))
				continue
			by_hand = value not in ("", defaults.get(customer_field) or "")
			if by_hand and not override_by_hand:
				continue
			decision.applied[customer_field] = {"value": wanted, "before": value}
			decision.changes.append(_grant(customer_field, label, value, wanted, new_name, old_name))
		elif owned:
			before = mine["before"]
			del decision.applied[customer_field]
			decision.changes.append(
				PrivilegeChange(
					customer_field,
					label,
					value,
					before,
					[
						reason(
							_("Level {new} does not grant {privilege} {value}: back to {before}"),
							new=new_name or old_name,
							privilege=label,
							value=value,
							before=before or _("none"),
						)
					],
				)
			)
	return decision


def _grant(
	customer_field: str, label: str, old: str, new: str, level: str, old_level: str
) -> PrivilegeChange:
	why = (
		reason(_("Level {level} grants {privilege} {value}"), level=level, privilege=label, value=new)
		if not old_level
		else reason(
			_("Level {old} to {level}: {level} grants {privilege} {value}"),
			old=old_level,
			level=level,
			privilege=label,
			value=new,
		)
	)
	return PrivilegeChange(customer_field, label, old, new, [why])


def restore(current: dict[str, str], applied: dict[str, dict[str, str]]) -> dict[str, str]:
	"""What to write back to leave a customer as it was before the app applied anything (uninstall): every
	field still holding the app's value gets its value from before; fields changed by hand since stay."""
	return {
		customer_field: mine.get("before") or ""
		for customer_field, mine in applied.items()
		if (current.get(customer_field) or "") == mine.get("value")
	}
