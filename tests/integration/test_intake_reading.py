"""Who is writing and what they ask, through ERPNext's own inbound path: raw RFC 822 messages (English and
Persian) fed to an Email Account appending to Lead or to Issue, and the website's contact form. Each request gets a
tier and an honest reason: the customer it matched, the phrase that was read."""

from email.message import EmailMessage

import frappe
from frappe.email.receive import InboundMail

from customer_priority.api import party
from customer_priority.requests.senders import SenderMatch, match_sender
from tests.integration.helpers import make_contact, make_customer, unique

INBOX = "cp-reading-inbox@example.com"


def inbox(append_to: str):
	existing = frappe.db.get_value("Email Account", {"email_id": INBOX}, "name")
	if existing:  # ERPNext's pull commits: an inbox from an earlier test may still be there
		frappe.db.set_value("Email Account", existing, "append_to", append_to)
		return frappe.get_doc("Email Account", existing)
	return frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("CP Inbox"),
			"email_id": INBOX,
			"append_to": append_to,
			"enable_incoming": 0,
		}
	).insert(ignore_permissions=True)


def raw_message(sender: str, subject: str, text: str | None = None, html: str | None = None) -> bytes:
	message = EmailMessage()
	message["From"], message["To"], message["Subject"] = sender, INBOX, subject
	message["Message-ID"] = f"<{frappe.generate_hash(length=12)}@sender.example>"
	if text is not None:
		message.set_content(text)
	if html is not None:
		if text is None:
			message.set_content(html, subtype="html")
		else:
			message.add_alternative(html, subtype="html")
	return bytes(message)


def receive(append_to: str, sender: str, subject: str, text=None, html=None):
	communication = InboundMail(raw_message(sender, subject, text, html), inbox(append_to)).process()
	return frappe.get_doc(communication.reference_doctype, communication.reference_name)


def domain() -> str:
	return f"{frappe.generate_hash(length=8)}.example"


def key_account_at(site_domain: str) -> str:
	customer = make_customer(website=f"https://www.{site_domain}/")
	party.set_key_account(customer, 1, "strategic")
	return customer


def test_a_contact_of_a_key_account_writing_that_their_line_is_down_comes_first():
	customer = make_customer()
	party.set_key_account(customer, 1, "strategic")
	address = f"ops@{domain()}"
	make_contact(customer, email=address)
	lead = receive("Lead", f"Ops <{address}>", "Line down", "Our line is down, urgent!\n\n-- \nOps team")
	assert lead.cp_matched_customer == customer
	assert lead.cp_priority_tier == "First", lead.cp_tier_reason
	assert "Writes as a contact of" in lead.cp_tier_reason and "a key account" in lead.cp_tier_reason
	assert lead.cp_request_type == "Urgent Problem" and lead.cp_important_to_them == "Yes"
	assert 'Read as urgent from the email: "urgent"' in lead.cp_tier_reason


def test_a_stranger_from_a_key_accounts_domain_is_not_treated_as_a_stranger():
	site = domain()
	customer = key_account_at(site)
	lead = receive("Lead", f"New Person <new.person@{site}>", "Hello", "Please send your price list.")
	assert lead.cp_matched_customer == customer
	assert lead.cp_priority_tier == "First", "never below the key account's own tier"
	assert "Writes from the domain of" in lead.cp_tier_reason and "a key account" in lead.cp_tier_reason
	assert lead.cp_request_type == "Price List"


def test_a_domain_two_customers_share_is_not_guessed():
	site = domain()
	first, second = make_customer(website=f"{site}"), make_customer(website=f"https://{site}")
	lead = receive("Lead", f"someone@{site}", "Question", "Could you tell me your delivery times?")
	assert not lead.cp_matched_customer
	names = {frappe.db.get_value("Customer", c, "customer_name") for c in (first, second)}
	assert all(name in lead.cp_tier_reason for name in names) and "pick the customer" in lead.cp_tier_reason
	assert lead.cp_priority_tier == "Medium" and lead.cp_to_qualify == 1


def test_a_public_mail_domain_matches_nobody():
	make_customer(website="https://gmail.com")  # even a customer claiming it
	lead = receive("Lead", f"{frappe.generate_hash(length=8)}@gmail.com", "Hi", "Send a sample please")
	assert not lead.cp_matched_customer and "Writes" not in lead.cp_tier_reason
	assert lead.cp_request_type == "Sample"


def test_a_persian_email_is_read_with_its_phrase_quoted():
	lead = receive(
		"Lead",
		f"خریدار <kharidar@{domain()}>",
		"درخواست",
		"سلام\nلطفا ليست قيمت محصولات را بفرستيد\n\nدر تاریخ ۱۴۰۵/۰۹/۱۳ فروش نوشت:\n> فوری",
	)
	assert lead.cp_request_type == "Price List"
	assert lead.cp_important_to_them == "Not Asked", "the quoted reply's urgency is not theirs"
	assert "لیست قیمت" in lead.cp_tier_reason


def test_an_html_only_email_with_a_forwarded_chain_reads_only_the_writers_words():
	html = (
		"<div>Please send a <b>quotation</b> for 40 units.</div>"
		"<blockquote><p>Complaint: the last order was defective, urgent</p></blockquote>"
	)
	lead = receive("Lead", f"buyer@{domain()}", "Fwd: our needs", html=html)
	assert lead.cp_request_type == "Quotation" and lead.cp_important_to_them == "Not Asked"


def test_an_empty_a_huge_and_a_domainless_email_still_make_a_tiered_lead():
	empty = receive("Lead", f"quiet@{domain()}", "", "")
	assert empty.cp_priority_tier == "Medium" and empty.cp_to_qualify
	huge = receive("Lead", f"big@{domain()}", "Catalogue please", "x " * 1_000_000)
	assert huge.cp_request_type == "Catalogue" and huge.cp_priority_tier
	assert match_sender("postmaster") == match_sender(None) == SenderMatch(), "no domain: nobody is guessed"
	domainless = frappe.get_doc({"doctype": "Lead", "first_name": unique("No Address")}).insert(
		ignore_permissions=True
	)
	assert domainless.cp_priority_tier == "Medium" and not domainless.cp_matched_customer
	assert not frappe.db.exists("Error Log", {"method": ("like", "%could not read%")})


def test_a_persons_own_entry_is_never_overwritten_by_what_is_read():
	lead = receive("Lead", f"buyer@{domain()}", "Samples", "Please send samples")
	assert lead.cp_request_type == "Sample"
	lead.cp_request_type = "Meeting"  # a person corrects it
	lead.save()
	InboundMail(
		raw_message(f"{lead.email_id}", f"Re: {lead.name}", "And your price list, thanks"), inbox("Lead")
	).process()
	lead.reload()
	assert lead.cp_request_type == "Meeting" and "Read as" not in lead.cp_tier_reason


def test_an_issue_by_email_from_a_key_accounts_domain_takes_its_tier():
	site = domain()
	customer = key_account_at(site)
	issue = receive("Issue", f"support.user@{site}", "Broken pump", "The pump is not working")
	assert issue.cp_matched_customer == customer
	assert issue.cp_priority_tier == frappe.db.get_value("Customer", customer, "cp_priority_tier")
	assert "Writes from the domain of" in issue.cp_tier_reason


def test_the_websites_contact_form_is_read_too():
	from erpnext.templates.utils import send_message

	sender = f"visitor@{domain()}"
	send_message(sender, "Hello, please send a quotation for 10 units", "Website Query")
	opportunity = frappe.get_last_doc("Opportunity", filters={"contact_email": sender})
	assert opportunity.cp_request_type == "Quotation"
	assert 'Read as Quotation from the web form: "quotation"' in opportunity.cp_tier_reason


def test_a_leads_notes_are_read_like_an_email():
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": unique("Caller"),
			"notes": [{"note": "<p>Called: their line is down, needs a technician today</p>"}],
		}
	).insert(ignore_permissions=True)
	assert lead.cp_request_type == "Urgent Problem" and lead.cp_important_to_them == "Yes"
	assert 'Read as Urgent Problem from the notes: "line is down"' in lead.cp_tier_reason
	lead.notes[0].note = "Called: wants a catalogue"
	lead.save()  # the notes read again replace what they gave before
	assert lead.cp_request_type == "Catalogue" and lead.cp_important_to_them == "Not Asked"
