"""Reasons are kept as data and read in the reader's language, including reasons stored as text before."""

import frappe

from customer_priority.customer_priority.report.priority_queue import priority_queue
from customer_priority.customer_priority.report.tier_changes import tier_changes
from customer_priority.patches.v0_2 import reasons_as_data
from customer_priority.utils import reasons
from tests.integration.helpers import make_customer, make_order, unique

PERSIAN = ("\u0600", "\u06ff")


def persian(text: str) -> bool:
	return any(PERSIAN[0] <= ch <= PERSIAN[1] for ch in text or "")


def make_lead(**fields):
	return frappe.get_doc({"doctype": "Lead", "first_name": unique("Reason Lead"), **fields}).insert(
		ignore_permissions=True
	)


def loaded_as(doctype: str, name: str, lang: str) -> str:
	"""The reason a form shows to a reader of ``lang`` (what ``getdoc`` runs: the doc's onload)."""
	frappe.local.lang = lang
	try:
		doc = frappe.get_doc(doctype, name)
		doc.set("__onload", frappe._dict())
		doc.run_method("onload")
		return doc.cp_tier_reason
	finally:
		frappe.local.lang = "en"


def test_a_reason_is_stored_in_english_with_its_data_and_read_in_each_language():
	frappe.db.set_single_value("System Settings", "language", "fa")  # the site's language no longer matters
	frappe.local.system_settings = None
	lead = make_lead(status="Quotation", cp_at_final_stage="Yes", cp_last_request="Yes")
	stored = frappe.db.get_value("Lead", lead.name, ["cp_tier_reason", "cp_tier_reason_data"], as_dict=True)
	assert stored.cp_tier_reason == "Final stage of negotiation and this is their last request before buying"
	assert reasons.decode(stored.cp_tier_reason_data)[0].template == stored.cp_tier_reason
	assert persian(loaded_as("Lead", lead.name, "fa"))
	assert loaded_as("Lead", lead.name, "en") == stored.cp_tier_reason


def test_a_reason_stored_as_text_before_is_read_in_the_readers_language():
	lead = make_lead(status="Quotation", cp_at_final_stage="Yes", cp_last_request="Yes")
	english = "Final stage of negotiation and this is their last request before buying"
	persian_text = reasons.render(reasons.parse(english), "fa")
	assert persian(persian_text)
	# As the app stored reasons before: text only, in the language of whoever caused the change.
	frappe.db.set_value("Lead", lead.name, {"cp_tier_reason": persian_text, "cp_tier_reason_data": None})
	assert loaded_as("Lead", lead.name, "en") == english
	frappe.db.set_value("Lead", lead.name, {"cp_tier_reason": english, "cp_tier_reason_data": None})
	assert loaded_as("Lead", lead.name, "fa") == persian_text
	reasons_as_data.execute()  # the upgrade keeps the data from then on
	data = frappe.db.get_value("Lead", lead.name, "cp_tier_reason_data")
	assert reasons.decode(data)[0].template == english


def test_a_numbered_reason_keeps_its_numbers_in_every_language():
	customer = make_customer()
	make_order(customer, 1234)
	text = "Repeat buyer: 3 orders; RFM 455: Loyal"
	frappe.db.set_value("Customer", customer, {"cp_tier_reason": text, "cp_tier_reason_data": None})
	shown = loaded_as("Customer", customer, "fa")
	assert persian(shown) and "3" in shown and "455" in shown
	assert loaded_as("Customer", customer, "en") == text


def test_reports_and_the_log_read_in_the_readers_language():
	lead = make_lead(cp_open_about_details="No")
	lead.status, lead.cp_at_final_stage, lead.cp_last_request = "Quotation", "Yes", "Yes"
	lead.save()
	frappe.local.lang = "fa"
	try:
		_c, rows, *_rest = tier_changes.execute({"party_type": "Lead", "party": lead.name})
		assert rows and persian(rows[0].reason)
		_c, queue = priority_queue.execute({"document_type": "Lead"})
		assert persian(next(r for r in queue if r.name == lead.name).reason)
		log = frappe.get_last_doc("Customer Tier Log", filters={"party": lead.name})
		log.set("__onload", frappe._dict())
		log.run_method("onload")
		assert persian(log.reason)
	finally:
		frappe.local.lang = "en"


def test_words_of_a_person_are_kept_as_written():
	customer = make_customer()
	frappe.call(
		"customer_priority.api.party.set_tier_override",
		doctype="Customer",
		name=customer,
		tier="High",
		reason="CEO asked: {treat} them well",
	)
	assert loaded_as("Customer", customer, "fa").endswith("CEO asked: {treat} them well")
	assert loaded_as("Customer", customer, "en") == "Set by hand: CEO asked: {treat} them well"


def test_a_reason_translated_for_one_site_is_not_shown_on_another(monkeypatch):
	"""One process serves every site of a bench, and a site may word a template its own way (a Translation record):
	what was translated for one site is not kept for another."""
	from frappe.core.doctype.translation.translation import clear_user_translation_cache

	template = "Key account: its requests are handled urgently even when routine"
	shown = [reasons.Reason(template, {})]
	stored = reasons.encode(shown)
	ours = "حساب کلیدی این شرکت: زودتر از همه"
	try:
		with monkeypatch.context() as elsewhere:
			elsewhere.setattr(frappe.local, "site", "another-site.localhost")
			shipped = reasons.render(shown, "fa")
			assert persian(shipped) and reasons.for_reader(stored, None, "fa") == shipped
		frappe.get_doc(
			{"doctype": "Translation", "language": "fa", "source_text": template, "translated_text": ours}
		).insert(ignore_permissions=True)
		assert reasons.render(shown, "fa") == ours
		assert reasons.for_reader(stored, None, "fa") == ours
	finally:
		frappe.db.rollback()
		clear_user_translation_cache("fa")
		reasons._translated.cache_clear()
		reasons._for_reader.cache_clear()
