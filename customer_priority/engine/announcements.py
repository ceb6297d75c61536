"""Which changes of a customer's standing its people must hear of without opening a report (spec: key accounts
are watched so they are not lost; the tier decides who is served first)."""

from __future__ import annotations

ANNOUNCEMENTS: tuple[str, ...] = ("became_key", "promoted_first", "key_lapsed", "level_moved", "key_at_risk")


def announcement_for(field: str, old: str, new: str, is_key: bool, had_standing: bool) -> str | None:
	"""The kind of announcement a logged change calls for, or None.

	Only a change of a standing that already existed is announced: a customer's first decision (a new customer,
	or every customer on the first recompute after install) is a starting point, not news."""
	if not had_standing or old == new:
		return None
	if field == "Key Account" and new == "1":
		return "became_key"
	if field == "Tier" and new == "First":
		return "promoted_first"
	if field == "Lifecycle" and new == "Lapsed" and is_key:
		return "key_lapsed"
	if field == "Level" and old and new:
		return "level_moved"
	if field == "At Risk" and new == "1" and is_key:
		return "key_at_risk"
	return None
