"""The tier travels: changes that matter reach the account's people, and every logged change can reach another
system.

After tier log entries are written (in bulk, by hooks or the recompute):
- each entry the engine marks as an announcement (``engine.announcements``), of a kind Settings switch on, goes to
  the party's account manager: a Notification Log (the bell) and an email through Email Queue, each only when
  that user's Notification Settings allow it, in the user's language with the reason, and a realtime alert on an
  open form of the party. Frappe's Notification doctype is not used for these: it renders one text for every
  recipient in the language of whoever triggered it, and an announcement must be read in its reader's language.
- when Webhooks are set on the Customer Tier Log (Frappe's Webhook doctype, "after_insert"), every entry is
  handed to them as Frappe would hand a document inserted one by one.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.desk.doctype.notification_settings.notification_settings import (
	is_email_notifications_enabled,
	is_notifications_enabled,
)
from frappe.integrations.doctype.webhook import run_webhooks
from frappe.utils import get_url_to_form

from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)
from customer_priority.engine.i18n import _ as mark
from customer_priority.utils import reasons

LOG = "Customer Tier Log"
SUBJECTS = {
	"became_key": mark("{party} became a key account"),
	"promoted_first": mark("{party} moved up to the First tier"),
	"key_lapsed": mark("Key account {party} has lapsed: no order for too long"),
	"level_moved": mark("{party} moved from level {old} to {new}"),
	"key_at_risk": mark("Key account {party} is at risk of being lost"),
}
REALTIME_EVENT = "customer_priority_tier_change"


class Held:
	"""Log rows written while announcements are held, announced only once ``announce`` is called."""

	def __init__(self) -> None:
		self.batches: list[tuple[tuple[str, ...], list[tuple]]] = []

	def announce(self) -> None:
		for columns, rows in self.batches:
			after_log_written(columns, rows)
		self.batches = []


@contextmanager
def held():
	"""Hold the announcements of the log rows written in the block: work that may still be rolled back (to a
	savepoint) must not have announced anything, since messages, webhooks and realtime events are sent on commit."""
	outer = getattr(frappe.local, "cp_held_announcements", None)
	frappe.local.cp_held_announcements = holder = Held()
	try:
		yield holder
	finally:
		frappe.local.cp_held_announcements = outer


def after_log_written(columns: tuple[str, ...], rows: list[tuple]) -> None:
	"""Announce the log rows just written that call for it, and send them to the log's webhooks. Rows stay
	tuples until one is needed as a document: a recompute writes tens of thousands, few announced."""
	if not rows or frappe.flags.in_install or frappe.flags.in_migrate:
		return
	holder = getattr(frappe.local, "cp_held_announcements", None)
	if holder is not None:
		holder.batches.append((columns, rows))
		return
	settings = frappe.get_cached_doc(SETTINGS)
	kind_at, manager_at = columns.index("announcement"), columns.index("account_manager")
	for row in rows:
		kind = row[kind_at]
		if kind and row[manager_at] and settings.get(f"announce_{kind}"):
			announce(dict(zip(columns, row, strict=True)), kind)
	if log_has_webhooks():
		for row in rows:
			doc = frappe.get_doc({"doctype": LOG, **dict(zip(columns, row, strict=True))})
			doc.flags.in_insert = True
			run_webhooks(doc, "after_insert")


def log_has_webhooks() -> bool:
	"""Asked of the table, not of Frappe's cached webhook map: Frappe does not clear that map when a webhook is
	deleted, and a deleted one would then be called for every log entry."""
	return bool(frappe.get_all("Webhook", {"webhook_doctype": LOG, "enabled": 1}, limit=1))


def bell(user: str, doctype: str, name: str, subject: str, why: str) -> None:
	"""A Notification Log (the bell) for one user, unless their Notification Settings switch it off."""
	if is_notifications_enabled(user):
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"subject": subject,
				"email_content": why,
				"document_type": doctype,
				"document_name": name,
			}
		).insert(ignore_permissions=True)


def language(user: str) -> str:
	return frappe.db.get_value("User", user, "language") or frappe.get_system_settings("language") or "en"


def announce(entry: dict, kind: str) -> None:
	user = entry["account_manager"]
	lang = language(user)
	subject = _(SUBJECTS[kind], lang=lang).format(
		party=entry["party"],
		old=_(entry.get("old_value") or "", lang=lang),
		new=_(entry.get("new_value") or "", lang=lang),
	)
	why = reasons.render(reasons.stored(entry.get("reason_data"), entry.get("reason")), lang)
	bell(user, entry["party_type"], entry["party"], subject, why)
	email = frappe.db.get_value("User", {"name": user, "enabled": 1}, "email")
	if email and is_email_notifications_enabled(user):
		link = get_url_to_form(entry["party_type"], entry["party"])
		try:
			frappe.sendmail(
				recipients=[email],
				subject=subject,
				message=f"<p>{frappe.utils.escape_html(why)}</p><p><a href='{link}'>{entry['party']}</a></p>",
				reference_doctype=entry["party_type"],
				reference_name=entry["party"],
			)
		except frappe.OutgoingEmailError:
			pass  # no outgoing email account on this site: the bell still rings
	frappe.publish_realtime(
		REALTIME_EVENT,
		{"field": entry["field"], "old": entry.get("old_value"), "new": entry.get("new_value")},
		doctype=entry["party_type"],
		docname=entry["party"],
		after_commit=True,
	)
