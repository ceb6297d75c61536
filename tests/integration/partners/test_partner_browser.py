"""Frappe CRM's and Helpdesk's own screens in a real browser: a tiered lead in CRM's list and page, a key account's
ticket in Helpdesk's agent view with its tier and why beside its priority (screenshots in docs/screenshots)."""

import pytest

import frappe

from tests.integration.helpers import unique
from tests.integration.partners.test_crm import crm_lead, key_account
from tests.integration.partners.test_helpdesk import ticket
from tests.integration.test_browser import SHOTS, browser, login, server  # noqa: F401 (fixtures)

ADMIN_PASSWORD = "admin"  # the test runner makes the site with it


@pytest.fixture(scope="module")
def records():
	frappe.db.rollback()
	customer, email = key_account()
	lead = crm_lead(email=email, status="New", organization=unique("CP Org"))
	final = crm_lead(status="Qualified", cp_at_final_stage="Yes", cp_last_request="Yes")
	by_hand = crm_lead(status="New")
	doc = ticket(email)
	frappe.db.commit()
	yield frappe._dict(
		customer=customer,
		lead=lead.name,
		final=final.name,
		final_name=final.lead_name,
		by_hand=by_hand.name,
		ticket=doc.name,
	)
	frappe.db.rollback()
	frappe.delete_doc("HD Ticket", doc.name, force=True, ignore_permissions=True)
	for name in (lead.name, final.name, by_hand.name):
		frappe.delete_doc("CRM Lead", name, force=True, ignore_permissions=True)
	frappe.db.commit()


# CRM's and Helpdesk's "Getting started" panel would cover the side panels: as if its steps were done.
ONBOARDED = """for (const app of ["frappecrm", "helpdesk"])
	localStorage.setItem("isOnboardingStepsCompleted" + app + "Administrator", "true");"""


def admin_page(browser, base):  # noqa: F811 (the fixture, passed in)
	return login(browser, base, "Administrator", ADMIN_PASSWORD, ONBOARDED)


def test_crm_shows_the_tier_in_its_list_and_on_the_lead(server, records, browser):  # noqa: F811
	SHOTS.mkdir(parents=True, exist_ok=True)
	page = admin_page(browser, server)
	view = frappe.db.get_value("CRM View Settings", {"label": "Leads by Priority", "dt": "CRM Lead"})
	page.goto(f"{server}/crm/leads/view/list?view={view}", wait_until="domcontentloaded")
	page.wait_for_selector(f"text={records.final_name}", timeout=90_000)
	page.wait_for_timeout(1500)
	listed = page.inner_text("body")
	assert "Priority Tier" in listed and "First" in listed and "High" in listed
	page.screenshot(path=str(SHOTS / "crm-leads-by-priority.png"))

	page.goto(f"{server}/crm/leads/{records.lead}", wait_until="domcontentloaded")
	page.wait_for_selector("text=Priority Tier", timeout=90_000)
	page.wait_for_timeout(1500)
	shown = page.inner_text("body")
	values = page.eval_on_selector_all("textarea, input", "els => els.map(e => e.value)")
	assert "First" in shown + " ".join(v or "" for v in values)
	assert any("Writes as a contact of" in (v or "") for v in values) or "Writes as a contact of" in shown
	page.screenshot(path=str(SHOTS / "crm-lead-priority.png"))
	page.close()


def test_a_manager_sets_the_tier_by_hand_on_crms_lead_page(server, records, browser):  # noqa: F811
	page = admin_page(browser, server)
	page.goto(f"{server}/crm/leads/{records.by_hand}", wait_until="domcontentloaded")
	page.get_by_role("button", name="Set Tier by Hand").click(timeout=90_000)
	page.select_option("#cp-override-tier", "First")
	page.fill("#cp-override-reason", "They signed a letter of intent")
	page.wait_for_timeout(500)
	page.screenshot(path=str(SHOTS / "crm-tier-by-hand.png"))
	with page.expect_response(lambda r: "set_tier_override" in r.url) as answered:
		page.get_by_role("button", name="Set Tier", exact=True).click()
	assert answered.value.ok, answered.value.text()
	page.wait_for_selector("text=Clear Tier Override", timeout=60_000)  # the page reloads with the override
	frappe.db.rollback()  # a fresh read of what the browser's request committed
	row = frappe.db.get_value(
		"CRM Lead",
		records.by_hand,
		["cp_priority_tier", "cp_tier_override", "cp_override_reason"],
		as_dict=True,
	)
	assert (row.cp_priority_tier, row.cp_tier_override) == ("First", 1)
	assert row.cp_override_reason == "They signed a letter of intent"
	with page.expect_response(lambda r: "clear_tier_override" in r.url) as answered:
		page.get_by_role("button", name="Clear Tier Override").click()
	assert answered.value.ok, answered.value.text()
	frappe.db.rollback()
	row = frappe.db.get_value(
		"CRM Lead", records.by_hand, ["cp_priority_tier", "cp_tier_override"], as_dict=True
	)
	assert (row.cp_priority_tier, row.cp_tier_override) == ("Medium", 0), "the rules decide again"
	page.close()


def test_helpdesk_shows_the_tier_beside_the_tickets_priority(server, records, browser):  # noqa: F811
	page = admin_page(browser, server)
	page.goto(f"{server}/helpdesk/tickets/{records.ticket}", wait_until="domcontentloaded")
	page.wait_for_selector("text=Customer Tier", timeout=90_000)
	page.wait_for_timeout(1500)
	shown = page.inner_text("body")
	assert "Customer Tier" in shown and "First" in shown and "Urgent" in shown
	# The reason is a text field: its words are the field's value, not the page's text.
	values = page.eval_on_selector_all("textarea, input", "els => els.map(e => e.value)")
	assert any("Tier of" in (v or "") for v in values), values
	page.screenshot(path=str(SHOTS / "helpdesk-ticket-tier.png"))
	page.close()
