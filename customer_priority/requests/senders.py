"""Who is writing or calling: a request that arrives by email, web form or phone is matched to what the site knows,
in this order: a Contact with that address or number (its Customer), a Customer whose contacts or website share
the sender's mail domain (public mail services ignored: Settings list them), an open Lead of the same domain. A
domain two customers share is not guessed: the match names them and a person picks."""

from __future__ import annotations

from typing import NamedTuple

import frappe
from frappe.utils import cint

from customer_priority.data.settings import get_engine_settings
from customer_priority.engine.i18n import Reason, reason
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.reading import email_address, email_domain, phone_digits, website_domain

CLOSED_LEAD_STATUSES = ("Converted", "Do Not Contact", "Lost Quotation")


class SenderMatch(NamedTuple):
	customer: str | None = None
	lead: str | None = None
	candidates: tuple[str, ...] = ()
	reasons: tuple[Reason, ...] = ()


def contact_rows(child_doctype: str, column: str, condition):
	"""(customer, value) of every Contact row of ``child_doctype`` (Contact Email, Contact Phone) matching
	``condition(child)``, for the Customers the contact is linked to."""
	child = frappe.qb.DocType(child_doctype)
	link = frappe.qb.DocType("Dynamic Link")
	return (
		frappe.qb.from_(child)
		.join(link)
		.on(
			(link.parent == child.parent) & (link.parenttype == "Contact") & (link.link_doctype == "Customer")
		)
		.select(link.link_name, child[column])
		.where(condition(child))
		.run()
	)


def contact_customers(email: str | None, phone: str | None) -> list[str]:
	"""Customers linked to a Contact with this address or number (ERPNext links a known sender's Contact)."""
	found: list[str] = []
	if email:
		found += [
			c for c, _a in contact_rows("Contact Email", "email_id", lambda mail: mail.email_id == email)
		]
	digits = phone_digits(phone)
	if digits and not found:
		rows = contact_rows("Contact Phone", "phone", lambda number: number.phone.like(f"%{digits[-4:]}"))
		found += [customer for customer, phone_no in rows if phone_digits(phone_no) == digits]
	return sorted(set(found))


def domain_customers(domain: str) -> list[str]:
	"""Customers whose contacts write from this domain, or whose website is on it."""
	by_contact = contact_rows("Contact Email", "email_id", lambda mail: mail.email_id.like(f"%@{domain}"))
	found = {customer for customer, address in by_contact if email_domain(address) == domain}
	customer = frappe.qb.DocType("Customer")
	by_site = (
		frappe.qb.from_(customer)
		.select(customer.name, customer.website)
		.where(customer.website.like(f"%{domain}%") & (customer.disabled == 0))
		.run()
	)
	found |= {name for name, site in by_site if website_domain(site) == domain}
	return sorted(found)


def domain_leads(domain: str, exclude: str | None) -> list[str]:
	lead = frappe.qb.DocType("Lead")
	rows = (
		frappe.qb.from_(lead)
		.select(lead.name, lead.email_id)
		.where(
			lead.email_id.like(f"%@{domain}")
			& lead.status.notin(CLOSED_LEAD_STATUSES)
			& (lead.name != (exclude or ""))
		)
		.orderby(lead.creation)
		.limit(20)
		.run()
	)
	return [name for name, address in rows if email_domain(address) == domain]


def customer_title(customer: str) -> tuple[str, bool]:
	row = frappe.db.get_value("Customer", customer, ["customer_name", "cp_key_account"], as_dict=True) or {}
	return row.get("customer_name") or customer, bool(cint(row.get("cp_key_account")))


# How a customer was matched, for an ordinary customer and for a key account.
AS_CONTACT = (
	mark("Writes as a contact of {customer}"),
	mark("Writes as a contact of {customer}, a key account"),
)
BY_DOMAIN = (
	mark("Writes from the domain of {customer}"),
	mark("Writes from the domain of {customer}, a key account"),
)


def matched(customer: str, how: tuple[str, str]) -> SenderMatch:
	title, key = customer_title(customer)
	return SenderMatch(customer=customer, reasons=(reason(how[key], customer=title),))


def match_sender(
	sender: str | None, phone: str | None = None, exclude_lead: str | None = None
) -> SenderMatch:
	"""Who this sender is to the site (see the module's order)."""
	email = email_address(sender)
	by_contact = contact_customers(email, phone)
	if len(by_contact) == 1:
		return matched(by_contact[0], AS_CONTACT)
	domain = email_domain(email, get_engine_settings().public_email_domains)
	if not domain:
		return SenderMatch()
	candidates = by_contact or domain_customers(domain)
	if len(candidates) == 1:
		return matched(candidates[0], BY_DOMAIN)
	if candidates:
		names = ", ".join(customer_title(c)[0] for c in candidates[:5])
		return SenderMatch(
			candidates=tuple(candidates),
			reasons=(
				reason(
					mark("Writes from {domain}, the domain of {customers}: pick the customer this is"),
					domain=domain,
					customers=names,
				),
			),
		)
	leads = domain_leads(domain, exclude_lead)
	if leads:
		return SenderMatch(
			lead=leads[0],
			reasons=(reason(mark("Writes from the domain of open lead {lead}"), lead=leads[0]),),
		)
	return SenderMatch()
