"""Escalation: First and High requests with no first response past their Respond By are escalated once per level.

Level 1 when Respond By has passed, level 2 when another full response time has passed. Each escalation notifies
the people Settings name (Notification Log: the bell, and email as each user's notification settings allow),
marks the request overdue and is logged. The level reached is stored on the request, so running the job again
sends nothing new.
"""

from __future__ import annotations

from datetime import datetime

from pypika.terms import ExistsCriterion

import frappe
from frappe import _
from frappe.query_builder.functions import IfNull
from frappe.utils import get_datetime, now_datetime

from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.i18n import reason
from customer_priority.requests.partners import CRM_DOCTYPES, present
from customer_priority.requests.routing import REQUEST_DOCTYPES, ROUTED_AT_ONCE, response_seconds
from customer_priority.standing.announcements import bell, language
from customer_priority.standing.log import write_log
from customer_priority.utils import reasons

LEVELS = 2
OPEN_STATUSES = {
	"Lead": ("Lead", "Open"),
	"Opportunity": ("Open",),
	"CRM Lead": ("New",),
	"CRM Deal": ("Qualification",),
}
"""Statuses of a lead or opportunity still waiting for a first answer (an Issue: until resolved or closed)."""


def unanswered(request, doctype: str):
	"""Open and not answered yet: for leads and opportunities, no email sent on them; for issues, no first
	response recorded (ERPNext's own ``first_responded_on``)."""
	if doctype == "Issue":
		return request.status.notin(("Resolved", "Closed")) & request.first_responded_on.isnull()
	communication = frappe.qb.DocType("Communication")
	sent = (
		frappe.qb.from_(communication)
		.select(communication.name)
		.where(
			(communication.reference_doctype == doctype)
			& (communication.reference_name == request.name)
			& (communication.sent_or_received == "Sent")
		)
	)
	return request.status.isin(OPEN_STATUSES[doctype]) & ExistsCriterion(sent).negate()


def due_level(respond_by: datetime, seconds: int, now: datetime) -> int:
	"""How many escalation levels a request is due, ``now``."""
	if now <= respond_by:
		return 0
	if not seconds:
		return 1
	return min(LEVELS, 1 + int((now - respond_by).total_seconds() // seconds))


def escalation_recipients() -> list[str]:
	settings = frappe.get_cached_doc(SETTINGS)
	users = [settings.escalate_to_user] if settings.escalate_to_user else []
	if settings.escalate_to_role:
		users += frappe.get_all(
			"Has Role",
			filters={"role": settings.escalate_to_role, "parenttype": "User"},
			pluck="parent",
			distinct=True,
		)
	enabled = frappe.get_all(
		"User",
		filters={"name": ("in", users or [""]), "enabled": 1, "user_type": "System User"},
		pluck="name",
	)
	return sorted(set(enabled) - {"Administrator", "Guest"})


def run_escalations(now: datetime | None = None) -> int:
	"""The scheduled job (every 10 minutes); ``now`` lets a test move the clock. Returns the escalations made."""
	now = get_datetime(now or now_datetime())
	made = 0
	for doctype in (*REQUEST_DOCTYPES, *present(CRM_DOCTYPES)):
		request = frappe.qb.DocType(doctype)
		level_now = IfNull(request.cp_escalation_level, 0)
		rows = (
			frappe.qb.from_(request)
			.select(
				request.name,
				request.cp_priority_tier.as_("tier"),
				request.cp_respond_by.as_("respond_by"),
				level_now.as_("level"),
			)
			.where(
				request.cp_priority_tier.isin(ROUTED_AT_ONCE)
				& (request.cp_respond_by < now)
				& (level_now < LEVELS)
				& unanswered(request, doctype)
			)
			.run(as_dict=True)
		)
		for row in rows:
			level = due_level(get_datetime(row.respond_by), response_seconds(row.tier), now)
			if level > row.level and escalate(doctype, row, level):
				made += 1
	return made


def level_before(doctype: str, name: str, level: int) -> int | None:
	"""The request's escalation level as last committed, its row locked until this run commits; None when it is
	gone or at ``level`` already. Two runs at once (the scheduler's and one by hand, or workers on two hosts) that
	both read it lower escalate it once, and the log's move starts where the request really was."""
	found = frappe.db.sql(
		f"select ifnull(cp_escalation_level, 0) from `tab{doctype}` where name = %s for update", name
	)
	if not found or found[0][0] >= level:
		return None
	return found[0][0]


def escalate(doctype: str, row, level: int) -> bool:
	"""Escalate one request to ``level``: stored, logged, announced; False when another run escalated it first."""
	before = level_before(doctype, row.name, level)
	if before is None:
		return False
	frappe.db.set_value(
		doctype, row.name, {"cp_overdue": 1, "cp_escalation_level": level}, update_modified=False
	)
	recipients = escalation_recipients()
	assignees = frappe.get_all(
		"ToDo",
		filters={"reference_type": doctype, "reference_name": row.name, "status": "Open"},
		pluck="allocated_to",
	)
	why = reason(
		mark(
			"No first response to a {tier} request past its Respond By ({respond_by}): escalation level {level}"
		),
		tier=row.tier,
		respond_by=str(row.respond_by),
		level=level,
	)
	write_log(
		[
			{
				"party_type": doctype,
				"party": row.name,
				"field": "Escalation",
				"old_value": str(before or ""),
				"new_value": str(level),
				"reasons": [why],
				"source": "Scheduler",
			}
		]
	)
	for user in sorted(set(recipients) | set(assignees)):
		lang = language(user)
		subject = _("Overdue {0} request {1}: no first response (escalation level {2})", lang=lang)
		bell(
			user,
			doctype,
			row.name,
			subject.format(_(row.tier, lang=lang), row.name, level),
			reasons.render([why], lang),
		)
	return True
