"""The Customer Tier Log written: every change of tier, level, key account, relationship level, lifecycle or risk,
appended in one statement, then announced (``announcements``)."""

import frappe
from frappe.model.dynamic_links import invalidate_distinct_link_doctypes
from frappe.utils import now_datetime

from customer_priority.standing import announcements
from customer_priority.utils import reasons
from customer_priority.utils.sql import insert_many

LOG_FIELDS = (
	"party_type",
	"party",
	"field",
	"old_value",
	"new_value",
	"reason",
	"reason_data",
	"source",
	"changed_by",
	"changed_on",
	"reference_doctype",
	"reference_name",
	"account_manager",
	"announcement",
)


def write_log(entries: list[dict]) -> None:
	"""Append entries in one statement (the recompute may log thousands of changes at once).

	An entry gives its reason as ``reasons`` (engine reasons: stored as English text and as data, rendered for
	each reader later) or as ``reason``, words typed by a person, kept as written."""
	if not entries:
		return
	now, user = now_datetime(), frappe.session.user
	rows = []
	for e in entries:
		given = e.pop("reasons", None)
		if given is None:
			given = [reasons.literal(e.get("reason"))] if e.get("reason") else []
		e["reason"], e["reason_data"] = reasons.stored_form(given) if given else ("", None)
		e.setdefault("changed_on", now)
		e.setdefault("changed_by", user)
		name = frappe.generate_hash(length=12)
		rows.append(tuple([name, now, now, user, user] + [e.get(f) for f in LOG_FIELDS]))
	columns = ("name", "creation", "modified", "owner", "modified_by", *LOG_FIELDS)
	insert_many("tabCustomer Tier Log", columns, rows)
	# Frappe caches which doctypes a dynamic link points at, and a bulk insert does not tell it: without this, a
	# customer renamed or merged later would leave its log rows under the old name.
	for field, linked in {(f, e.get(f)) for e in entries for f in ("party_type", "reference_doctype")}:
		if linked:
			invalidate_distinct_link_doctypes("Customer Tier Log", field, linked)
	announcements.after_log_written(columns, rows)
