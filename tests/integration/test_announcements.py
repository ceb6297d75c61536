"""The tier travels: a change that matters reaches the account manager (bell, email, open form) in their language,
and every logged change can reach another system through a Webhook."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

import frappe

from customer_priority.standing import announcements
from tests.integration.helpers import make_customer, make_user, unique

MANAGER = "cp-announce-manager@example.com"
QUIET = "cp-quiet-manager@example.com"


@pytest.fixture
def outgoing_email_account():
	"""Email Queue needs an outgoing account. Under tests Frappe sends some notification emails at once and commits
	while doing so, so the account is removed explicitly afterwards: no later test may find it."""
	make_outgoing_email_account()
	yield
	frappe.db.rollback()
	for name in frappe.get_all("Email Account", {"email_id": "cp-outgoing@example.com"}, pluck="name"):
		frappe.delete_doc("Email Account", name, force=True, ignore_permissions=True)
	frappe.db.commit()


def make_outgoing_email_account() -> None:
	if not frappe.db.exists("Email Account", {"default_outgoing": 1}):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": unique("CP Outgoing"),
				"email_id": "cp-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)


def mark_key(customer: str) -> None:
	frappe.call(
		"customer_priority.api.party.set_key_account", customer=customer, is_key=1, reason="big plans"
	)


def bell(user: str, customer: str, words: str) -> int:
	return frappe.db.count(
		"Notification Log",
		{"for_user": user, "document_name": customer, "subject": ("like", f"%{words}%")},
	)


def emails(customer: str, words: str) -> int:
	return sum(
		words in (m or "")
		for m in frappe.get_all("Email Queue", {"reference_name": customer}, pluck="message")
	)


def test_a_new_key_account_is_announced_to_its_account_manager_once(monkeypatch, outgoing_email_account):
	make_user(MANAGER, ["Sales User"])
	frappe.db.set_value("User", MANAGER, "language", "en")
	published = []
	monkeypatch.setattr(announcements.frappe, "publish_realtime", lambda *a, **k: published.append((a, k)))
	customer = make_customer(account_manager=MANAGER)
	assert bell(MANAGER, customer, "became a key account") == 0, "a new customer's first standing is not news"
	mark_key(customer)
	assert bell(MANAGER, customer, "became a key account") == 1
	assert emails(customer, "became a key account") == 1
	log = frappe.get_last_doc("Notification Log", filters={"for_user": MANAGER, "document_name": customer})
	assert log.email_content, "the announcement carries the reason"
	assert any(k.get("docname") == customer for _a, k in published), "an open form of the customer is told"


def test_the_announcement_is_in_the_managers_language():
	make_user(MANAGER, ["Sales User"])
	frappe.db.set_value("User", MANAGER, "language", "fa")
	customer = make_customer(account_manager=MANAGER)
	mark_key(customer)
	log = frappe.get_last_doc(
		"Notification Log", filters={"for_user": MANAGER, "document_name": customer, "type": "Alert"}
	)
	assert any("\u0600" <= ch <= "\u06ff" for ch in log.subject + log.email_content), log.subject


def test_no_announcement_for_a_user_who_switched_notifications_off(outgoing_email_account):
	make_user(QUIET, ["Sales User"])
	if frappe.db.exists("Notification Settings", QUIET):
		frappe.db.set_value("Notification Settings", QUIET, {"enabled": 0, "enable_email_notifications": 0})
	else:
		frappe.get_doc(
			{"doctype": "Notification Settings", "name": QUIET, "enabled": 0, "enable_email_notifications": 0}
		).insert(ignore_permissions=True)
	customer = make_customer(account_manager=QUIET)
	mark_key(customer)
	assert bell(QUIET, customer, "key account") == 0
	assert emails(customer, "key account") == 0


def test_settings_switch_an_announcement_off():
	make_user(MANAGER, ["Sales User"])
	settings = frappe.get_single("Customer Priority Settings")
	settings.announce_became_key = 0
	settings.save()
	customer = make_customer(account_manager=MANAGER)
	mark_key(customer)
	assert bell(MANAGER, customer, "became a key account") == 0
	assert bell(MANAGER, customer, "First tier") == 1, "moving up to First is still announced"


class Receiver(BaseHTTPRequestHandler):
	received: list = []

	def do_POST(self):
		body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
		Receiver.received.append(json.loads(body or b"{}"))
		self.send_response(200)
		self.end_headers()

	def log_message(self, *args):
		pass


def test_every_tier_change_reaches_a_webhook():
	server = HTTPServer(("127.0.0.1", 0), Receiver)
	thread = threading.Thread(target=server.serve_forever, daemon=True)
	thread.start()
	Receiver.received = []
	webhook = customer = None
	try:
		webhook = frappe.get_doc(
			{
				"doctype": "Webhook",
				"name": unique("CP Tier Changes"),
				"webhook_doctype": "Customer Tier Log",
				"webhook_docevent": "after_insert",
				"request_url": f"http://127.0.0.1:{server.server_port}/tier-changes",
				"request_method": "POST",
				"request_structure": "JSON",
				"webhook_json": '{"party": "{{ doc.party }}", "field": "{{ doc.field }}", '
				'"old": "{{ doc.old_value }}", "new": "{{ doc.new_value }}"}',
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
		customer = make_customer()
		mark_key(customer)
		frappe.db.commit()  # Frappe sends webhooks once the change is committed
		got = [r for r in Receiver.received if r.get("party") == customer]
		assert {"field": "Key Account", "old": "0", "new": "1"}.items() <= next(
			r for r in got if r["field"] == "Key Account"
		).items()
		assert any(r["field"] == "Tier" and r["new"] == "First" for r in got)
	finally:
		server.shutdown()
		server.server_close()
		frappe.db.rollback()
		if webhook:
			frappe.delete_doc("Webhook", webhook.name, force=True, ignore_permissions=True)
		if customer:
			frappe.delete_doc("Customer", customer, force=True, ignore_permissions=True)
		frappe.db.commit()
