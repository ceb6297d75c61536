"""A Sales User in a real browser: the Lead form shows its tier badge, Customer Ranking shows ranked rows, and the
Lead form renders right-to-left in Persian. Headless Chromium (Debian's) driven by Playwright; screenshots go to
docs/screenshots/ of the checkout under test."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

import frappe
from frappe.utils import add_to_date
from frappe.utils.password import update_password

from customer_priority.requests.escalation import run_escalations
from customer_priority.standing.recompute import recompute_all
from tests.integration.helpers import (
	company,
	make_customer,
	make_invoice,
	make_order,
	make_stock_item,
	make_user,
	unique,
)

BENCH = Path(os.environ["FRAPPE_BENCH_PATH"])
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")


def free_port() -> int:
	"""A port no other process listens on (several suites may run on one machine, each with its own server)."""
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


PORT = int(os.environ.get("CP_WEB_PORT") or free_port())
BASE = f"http://127.0.0.1:{PORT}"
SHOTS = Path(os.environ.get("CP_SCREENSHOTS", BENCH / "apps" / "customer_priority" / "docs" / "screenshots"))
USER, PASSWORD = "cp-browser-sales@example.com", "Cp-Browser-Pass-2026!"
CALLER = "+989121110000"
OLD_REASON = "Current customer with a request that is not urgent; RFM 355: Loyal"

playwright_api = pytest.importorskip("playwright.sync_api")


def listening(port: int) -> bool:
	with socket.socket() as sock:
		sock.settimeout(0.5)
		return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server():
	env = {
		**os.environ,
		"HTTP_PROXY": "http://127.0.0.1:9",
		"HTTPS_PROXY": "http://127.0.0.1:9",
		"NO_PROXY": "127.0.0.1,localhost",
	}
	env.pop("CI", None)
	log = open(f"/tmp/cp-browser-server-{PORT}.log", "w")
	process = subprocess.Popen(
		[
			os.environ["CP_BENCH_COMMAND"],
			"--site",
			SITE,
			"serve",
			"--port",
			str(PORT),
			"--noreload",
			"--nothreading",
		],
		cwd=BENCH,
		env=env,
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	try:
		for _ in range(120):
			if listening(PORT):
				break
			time.sleep(0.5)
		else:
			pytest.fail(f"the web server did not start: see /tmp/cp-browser-server-{PORT}.log")
		yield BASE
	finally:
		process.terminate()
		process.wait(20)
		log.close()


def agent_employee(user: str) -> None:
	"""Call agents are Employees (ERPNext gives the Employee role, which reads Call Logs, only to a user with one)."""
	if not frappe.db.exists("Employee", {"user_id": user}):
		frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": "Browser Agent",
				"gender": "Female",
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2020-01-01",
				"company": company(),
				"status": "Active",
				"user_id": user,
			}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", user).add_roles("Employee")


@pytest.fixture(scope="module")
def records():
	"""Committed, because the web server reads through its own connection; removed afterwards."""
	frappe.db.rollback()
	make_user(USER, ["Sales User"])
	agent_employee(USER)
	update_password(USER, PASSWORD)
	frappe.db.set_value("User", USER, "language", "en")
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": unique("Browser Lead"),
			"status": "Open",  # not answered yet
			"cp_at_final_stage": "Yes",
			"cp_last_request": "Yes",
			"lead_owner": USER,  # a High lead: routed to its owner's queue
		}
	).insert(ignore_permissions=True)
	group = unique("CP Browser Group")
	frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": group,
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	customers = []
	for value in (9000, 2500, 600):
		customers.append(make_customer(customer_group=group))
		make_order(customers[-1], value)
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": unique("Wallet"),
			"cp_buying_role": "Wallet",
			"phone_nos": [{"phone": CALLER, "is_primary_mobile_no": 1}],
			"links": [{"link_doctype": "Customer", "link_name": customers[0]}],
		}
	).insert(ignore_permissions=True)
	call = frappe.get_doc(
		{
			"doctype": "Call Log",
			"id": unique("call"),
			"from": CALLER,
			"to": "100",
			"type": "Incoming",
			"status": "Ringing",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	recompute_all(
		source="Manual"
	)  # ranks, ABC classes and key accounts for the forms and the workspace chart
	# A reason stored as text before reasons were kept as data, as an English user's action left it.
	frappe.db.set_value(
		"Customer",
		customers[1],
		{"cp_tier_reason": OLD_REASON, "cp_tier_reason_data": None},
		update_modified=False,
	)
	# Nobody answered the lead in time: the escalation job marks it overdue.
	run_escalations(now=add_to_date(frappe.db.get_value("Lead", lead.name, "cp_respond_by"), minutes=5))
	frappe.db.commit()
	yield frappe._dict(lead=lead.name, group=group, customers=customers, call=call.name)
	frappe.db.rollback()
	frappe.delete_doc("Call Log", call.name, force=True)
	frappe.delete_doc("Contact", contact.name, force=True)
	for doctype in ("ToDo", "Notification Log"):
		key = "reference_name" if doctype == "ToDo" else "document_name"
		frappe.db.delete(doctype, {key: lead.name})
	for so in frappe.get_all("Sales Order", filters={"customer": ("in", customers)}, pluck="name"):
		doc = frappe.get_doc("Sales Order", so)
		if doc.docstatus == 1:
			doc.cancel()
		frappe.delete_doc("Sales Order", so, force=True)
	for name in customers:
		frappe.delete_doc("Customer", name, force=True)
	frappe.delete_doc("Lead", lead.name, force=True)
	frappe.delete_doc("Customer Group", group, force=True)
	frappe.db.set_value("User", USER, "language", "en")
	frappe.db.commit()


@pytest.fixture(scope="module")
def browser():
	with playwright_api.sync_playwright() as p:
		chromium = p.chromium.launch(
			executable_path="/usr/bin/chromium",
			headless=True,
			args=[
				"--no-sandbox",
				"--disable-gpu",
				"--disable-quic",
				"--no-first-run",
				"--disable-background-networking",
				"--disable-component-update",
				"--disable-sync",
			],
		)
		yield chromium
		chromium.close()


def login(browser, base, user: str = USER, password: str = PASSWORD, before_load: str | None = None):
	"""A page logged in as the user; ``before_load``: a script every page of it runs before its own."""
	page = browser.new_page(viewport={"width": 1400, "height": 900})
	if before_load:
		page.add_init_script(before_load)
	page.goto(f"{base}/login", wait_until="domcontentloaded")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url("**/app**", timeout=60_000)
	return page


def reader_language(language: str) -> None:
	frappe.db.set_value("User", USER, "language", language)
	frappe.db.commit()
	frappe.clear_cache(user=USER)


def test_sales_user_sees_the_lead_badge_and_the_ranking(server, records, browser):
	SHOTS.mkdir(parents=True, exist_ok=True)
	reader_language("en")
	page = login(browser, server)
	page.goto(f"{server}/app/lead/{records.lead}", wait_until="domcontentloaded")
	badge = page.wait_for_selector(".cp-tier-badge", timeout=60_000)
	assert badge.get_attribute("data-tier") == "High"
	assert "High" in badge.inner_text()
	assert "last request" in page.inner_text(".cp-why").lower()
	page.screenshot(path=str(SHOTS / "lead-tier-badge.png"))

	page.goto(
		f"{server}/app/query-report/Customer Ranking?customer_group={records.group}",
		wait_until="domcontentloaded",
	)
	page.wait_for_selector(".dt-scrollable .dt-row", timeout=60_000)
	page.wait_for_timeout(1500)
	table = page.inner_text(".dt-scrollable")
	positions = [table.find(name) for name in records.customers]
	assert all(p >= 0 for p in positions) and positions == sorted(positions), "ranked by value, biggest first"
	page.screenshot(path=str(SHOTS / "customer-ranking.png"), full_page=True)

	page.goto(f"{server}/app/customer/{records.customers[0]}", wait_until="domcontentloaded")
	page.wait_for_selector(".cp-tier-badge", timeout=60_000)
	role = page.wait_for_selector(".cp-buying-role", timeout=60_000)
	rank = frappe.db.get_value("Customer", records.customers[0], "cp_rank")
	assert rank and f"Rank {rank}" in page.inner_text(".cp-rank")
	assert "Wallet" in role.inner_text()
	page.screenshot(path=str(SHOTS / "customer-form.png"))

	page.goto(f"{server}/app/customer-priority", wait_until="domcontentloaded")
	page.wait_for_selector(".number-card, .widget.number-widget-box", timeout=60_000)
	page.wait_for_timeout(2500)
	workspace = page.inner_text(".layout-main-section").lower()
	assert (
		"key accounts" in workspace
		and "customers lapsed this month" in workspace
		and "customer ranking" in workspace
	)
	page.screenshot(path=str(SHOTS / "workspace.png"), full_page=True)
	page.close()


def persian(text: str) -> bool:
	return any("\u0600" <= ch <= "\u06ff" for ch in text)


@pytest.fixture
def profit_records(records):
	"""Customers of one group whose invoices leave different margins (one big buyer at a thin one), with purchases
	counted from invoices; committed for the web server and removed afterwards, ledger rows included. For one test
	only: counting purchases from invoices must not reach the module's other tests, whatever their order."""
	frappe.db.rollback()
	settings = frappe.get_single("Customer Priority Settings")
	before = {"value_source": settings.value_source, "rank_by": settings.rank_by}
	frappe.db.set_single_value("Customer Priority Settings", {"value_source": "Sales Invoice"})
	group = unique("CP Profit Group")
	frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": group,
			"parent_customer_group": "All Customer Groups",
		}
	).insert(ignore_permissions=True)
	customers, invoices, items = [], [], []
	# (name, qty, rate, cost): revenue and margin of each customer's one invoice.
	for name, qty, rate, cost in (
		("Zagros Steel", 100, 100, 95),
		("Caspian Foods", 60, 100, 70),
		("Arian Pharma", 50, 80, 20),
		("Sina Textiles", 30, 50, 30),
	):
		customers.append(make_customer(unique(name), customer_group=group))
		items.append(make_stock_item(rate=cost))
		invoices.append(make_invoice(customers[-1], [(items[-1], qty, rate)]).name)
	frappe.db.commit()
	recompute_all(source="Manual")
	frappe.db.commit()
	yield frappe._dict(group=group, customers=customers)
	frappe.db.rollback()
	for name in reversed(invoices):
		frappe.get_doc("Sales Invoice", name).cancel()
	entries = frappe.get_all("Stock Entry Detail", filters={"item_code": ("in", items)}, pluck="parent")
	for name in entries:
		frappe.get_doc("Stock Entry", name).cancel()
	for voucher in (*invoices, *entries):
		for ledger in ("GL Entry", "Payment Ledger Entry", "Stock Ledger Entry", "Repost Item Valuation"):
			frappe.db.delete(ledger, {"voucher_no": voucher})
	for doctype, names in (("Sales Invoice", invoices), ("Stock Entry", entries)):
		for name in names:
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	for item in items:
		frappe.db.delete("Bin", {"item_code": item})
		frappe.delete_doc("Item", item, force=True, ignore_permissions=True)
	for name in customers:
		frappe.db.delete("Customer Tier Log", {"party": name})
		frappe.delete_doc("Customer", name, force=True, ignore_permissions=True)
	frappe.delete_doc("Customer Group", group, force=True)
	frappe.db.set_single_value("Customer Priority Settings", before)
	frappe.db.commit()


def test_the_ranking_by_gross_profit_shows_revenue_profit_margin_and_thin_margins(
	server, profit_records, browser
):
	reader_language("en")
	page = login(browser, server)
	page.goto(
		f"{server}/app/query-report/Customer Ranking?customer_group={profit_records.group}&rank_by=Gross Profit",
		wait_until="domcontentloaded",
	)
	page.wait_for_selector(".dt-scrollable .dt-row", timeout=60_000)
	page.wait_for_timeout(1500)
	table = page.inner_text(".dt-scrollable")
	big, mid, lean, small = profit_records.customers
	# Gross profit 500 / 1,800 / 3,000 / 600: the biggest buyer ranks last, and says why.
	positions = [table.find(name) for name in (lean, mid, small, big)]
	assert all(p >= 0 for p in positions) and positions == sorted(positions), table
	assert "Thin margin" in table and "5.0% of revenue 10,000" in table
	assert page.query_selector(".text-danger"), "the thin margin stands out"
	page.screenshot(path=str(SHOTS / "customer-ranking-by-profit.png"), full_page=True)
	page.close()


def test_a_persian_reader_reads_persian_reasons(server, records, browser):
	reader_language("fa")
	page = login(browser, server)
	page.goto(f"{server}/app/lead/{records.lead}", wait_until="domcontentloaded")
	page.wait_for_selector(".cp-tier-badge", timeout=60_000)
	assert page.get_attribute("html", "dir") == "rtl"
	badge = page.inner_text(".cp-tier-badge")
	assert "High" not in badge and persian(badge), "the tier is shown in Persian"
	why = page.inner_text(".cp-why")
	assert persian(why) and "last request" not in why, why
	page.screenshot(path=str(SHOTS / "lead-persian.png"))

	page.goto(f"{server}/app/customer/{records.customers[1]}", wait_until="domcontentloaded")
	page.wait_for_selector(".cp-tier-badge", timeout=60_000)
	why = page.inner_text(".cp-why")
	assert persian(why) and OLD_REASON not in why, "a reason stored as English text is read in Persian"
	page.screenshot(path=str(SHOTS / "customer-persian.png"))
	page.close()


def test_the_priority_queue_shows_routing_and_escalation(server, records, browser):
	reader_language("en")
	page = login(browser, server)
	page.goto(f"{server}/app/query-report/Priority Queue?mine=1", wait_until="domcontentloaded")
	page.wait_for_selector(".dt-scrollable .dt-row", timeout=60_000)
	page.wait_for_timeout(1500)
	table = page.inner_text(".dt-scrollable")
	assert records.lead in table and USER in table, "the lead is in the queue of the user it was routed to"
	assert page.query_selector(".cp-overdue"), "the unanswered lead is marked overdue"
	page.screenshot(path=str(SHOTS / "priority-queue.png"), full_page=True)
	page.close()


def test_a_call_from_a_known_customer_shows_its_tier_in_the_call_popup(server, records, browser):
	reader_language("en")
	page = login(browser, server)
	page.goto(f"{server}/app/customer-priority", wait_until="domcontentloaded")
	page.wait_for_function("window.frappe && frappe.realtime && frappe.realtime.socket", timeout=60_000)
	# What the telephony integration's server push does: ERPNext's handler opens its popup, then the app's runs.
	call_log = json.loads(frappe.as_json(frappe.get_doc("Call Log", records.call).as_dict()))
	page.evaluate(
		"""(log) => frappe.realtime.socket.listeners("show_call_popup").forEach((handler) => handler(log))""",
		call_log,
	)
	standing = page.wait_for_selector(".call-popup .cp-caller-standing", timeout=60_000)
	text = standing.inner_text()
	tier = frappe.db.get_value("Customer", records.customers[0], "cp_priority_tier")
	assert records.customers[0] in text and tier in text and "Why" in text, text
	page.wait_for_timeout(500)
	page.screenshot(path=str(SHOTS / "call-popup.png"))
	page.close()


@pytest.fixture(scope="module")
def emailed(records):
	"""Committed: an emailed lead from a key account's domain, and one from a stranger nobody has asked yet."""
	from email.message import EmailMessage

	from frappe.email.receive import InboundMail

	from customer_priority.api.party import set_key_account

	frappe.db.rollback()
	site = f"{frappe.generate_hash(length=8)}.example"
	key = make_customer(customer_name=unique("Acme Industrial"), website=f"https://www.{site}/")
	set_key_account(key, 1, "Our largest distributor")
	account = frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("CP Browser Inbox"),
			"email_id": "cp-browser-inbox@example.com",
			"append_to": "Lead",
			"enable_incoming": 0,
		}
	).insert(ignore_permissions=True)
	leads = []
	for sender, subject, body in (
		(
			f"Sara Buyer <sara@{site}>",
			"Price list",
			"Hello, please send your price list.\n\nBest regards,\nSara",
		),
		(f"Reza <reza@{frappe.generate_hash(length=8)}.example>", "سلام", "لطفا کاتالوگ را بفرستید"),
	):
		message = EmailMessage()
		message["From"], message["To"], message["Subject"] = sender, account.email_id, subject
		message["Message-ID"] = f"<{frappe.generate_hash(length=12)}@browser.example>"
		message.set_content(body)
		communication = InboundMail(bytes(message), account).process()
		frappe.db.set_value("Lead", communication.reference_name, "lead_owner", USER)
		leads.append(communication.reference_name)
	frappe.db.commit()
	yield frappe._dict(key=key, from_key=leads[0], stranger=leads[1])
	frappe.db.rollback()
	for lead in leads:
		frappe.db.delete("Communication", {"reference_name": lead})
		frappe.db.delete("ToDo", {"reference_name": lead})
		frappe.delete_doc("Lead", lead, force=True)
	frappe.delete_doc("Email Account", account.name, force=True)
	frappe.delete_doc("Customer", key, force=True)
	frappe.db.commit()


def test_an_emailed_lead_from_a_key_accounts_domain_shows_who_it_is_and_what_was_read(
	server, emailed, browser
):
	SHOTS.mkdir(parents=True, exist_ok=True)
	reader_language("en")
	page = login(browser, server)
	page.goto(f"{server}/app/lead/{emailed.from_key}", wait_until="domcontentloaded")
	badge = page.wait_for_selector(".cp-tier-badge", timeout=60_000)
	assert badge.get_attribute("data-tier") == "First"
	why = page.inner_text(".cp-why")
	assert "Writes from the domain of" in why and "a key account" in why
	assert 'Read as Price List from the email: "price list"' in why
	page.screenshot(path=str(SHOTS / "lead-from-email.png"))

	page.goto(f"{server}/app/lead/{emailed.stranger}", wait_until="domcontentloaded")
	page.wait_for_selector(".cp-to-qualify", timeout=60_000)
	assert "Ask: what volume do they expect" in page.inner_text(".cp-ask")
	page.screenshot(path=str(SHOTS / "lead-to-qualify.png"))
	page.goto(f"{server}/app/query-report/Priority Queue?to_qualify_only=1", wait_until="domcontentloaded")
	# The report's rows, not the rendered ones: the table draws only the rows in view, and a site with many leads
	# to qualify may list this one further down.
	page.wait_for_function(
		"name => (window.frappe?.query_report?.data || []).some(row => row && row.name === name)",
		arg=emailed.stranger,
		timeout=60_000,
	)
	page.screenshot(path=str(SHOTS / "priority-queue-to-qualify.png"), full_page=True)


@pytest.fixture(scope="module")
def predicted(records):
	"""A lead scored by a model learned from closed leads, an opportunity and a customer as a training and a
	recompute leave them. Committed (the web server reads through its own connection); removed afterwards."""
	from customer_priority.engine.conversion import RAISES, reason
	from customer_priority.requests import conversion
	from customer_priority.utils import reasons
	from tests.integration.test_predictions import closed_history, lead

	frappe.db.rollback()
	history = closed_history()
	warm = lead("Existing Customer", cp_open_about_details="Yes")
	frappe.db.commit()
	model = conversion.retrain("Lead")
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": records.customers[0],
			"opportunity_amount": 12000,
		}
	).insert(ignore_permissions=True)
	why = [reason(RAISES, feature="Source", value="Existing Customer", factor="4.2")]
	text, data = reasons.stored_form(why)
	frappe.db.set_value(
		"Opportunity",
		opportunity.name,
		{
			"cp_conversion_probability": 64,
			"cp_conversion_reason": text,
			"cp_conversion_reason_data": data,
			"cp_expected_deal_value": 7680,
		},
	)
	frappe.db.set_value(
		"Customer",
		records.customers[0],
		{"cp_p_alive": 87.5, "cp_expected_orders": 3.4, "cp_expected_value": 30600},
		update_modified=False,
	)
	frappe.db.commit()
	yield frappe._dict(lead=warm.name, opportunity=opportunity.name)
	frappe.db.rollback()
	frappe.delete_doc("Opportunity", opportunity.name, force=True)
	for name in [*history, warm.name]:
		frappe.delete_doc("Lead", name, force=True)
	frappe.delete_doc(conversion.MODEL_DOCTYPE, model, force=True)
	frappe.db.commit()
	conversion.clear_model_cache()


def test_the_forms_show_the_predictions_with_their_reasons(server, records, predicted, browser):
	reader_language("en")
	page = login(browser, server)
	page.goto(f"{server}/app/lead/{predicted.lead}", wait_until="domcontentloaded")
	chance = page.wait_for_selector(".cp-chance", timeout=60_000)
	stored = frappe.db.get_value("Lead", predicted.lead, "cp_conversion_probability")
	assert stored > 50 and f"Chance to buy: {round(stored)}%" in chance.inner_text()
	assert "Source Existing Customer: odds ×" in page.inner_text(".cp-chance-why")
	page.screenshot(path=str(SHOTS / "lead-chance-to-buy.png"))

	page.goto(f"{server}/app/opportunity/{predicted.opportunity}", wait_until="domcontentloaded")
	chance = page.wait_for_selector(".cp-chance", timeout=60_000)
	assert "Chance to buy: 64%" in chance.inner_text()
	page.screenshot(path=str(SHOTS / "opportunity-chance-to-buy.png"))

	page.goto(f"{server}/app/customer/{records.customers[0]}", wait_until="domcontentloaded")
	alive = page.wait_for_selector(".cp-p-alive", timeout=60_000)
	assert "Still buying: 88%" in alive.inner_text() and "3.4 orders" in alive.inner_text()
	assert "the last on" in page.inner_text(".cp-p-alive-why")
	page.screenshot(path=str(SHOTS / "customer-predictions.png"))
	page.close()


MANAGER = "cp-browser-settings@example.com"


def test_a_manager_previews_edited_settings_before_saving(server, records, browser):
	"""Settings' Preview Changes: the form's edited values, unsaved, shown as moves per dimension in a dialog; the
	Settings stay as they were."""
	make_user(MANAGER, ["System Manager", "Sales Manager"])
	update_password(MANAGER, PASSWORD)
	frappe.db.set_value("User", MANAGER, "language", "en")
	frappe.db.commit()
	saved = frappe.db.get_single_value("Customer Priority Settings", "abc_a_cutoff")
	page = login(browser, server, MANAGER)
	page.goto(f"{server}/app/customer-priority-settings", wait_until="domcontentloaded")
	page.wait_for_function(
		"window.cur_frm && cur_frm.doctype === 'Customer Priority Settings'", timeout=60_000
	)
	page.evaluate(
		"() => cur_frm.set_value({abc_a_cutoff: 20, abc_b_cutoff: 50, key_account_top_percent: 40})"
	)
	page.get_by_role("button", name="Preview Changes").first.click()
	dialog = page.wait_for_selector(".modal.show .cp-preview", timeout=60_000)
	text = dialog.inner_text()
	assert "would move" in text and "ABC Class" in text and "Key Account" in text, text
	assert page.query_selector(".modal.show .cp-preview-table"), "a from -> to table"
	assert page.query_selector(
		".modal.show .cp-preview-customer"
	), "a customer that would move, with its reason"
	page.wait_for_timeout(500)
	page.screenshot(path=str(SHOTS / "settings-preview.png"))
	page.close()
	frappe.db.rollback()
	assert frappe.db.get_single_value("Customer Priority Settings", "abc_a_cutoff") == saved, "nothing saved"
