"""A request's words read into its facts: its type and whether it is urgent (``engine.reading``), and who writes
it (``senders``). What is read is kept with where it was read; a person's own entry is never overwritten, and a
value a person changes is theirs from then on. The tier's reason quotes what was read and who matched."""

from __future__ import annotations

import json

from customer_priority.data.settings import get_engine_settings
from customer_priority.engine.i18n import Reason
from customer_priority.engine.reading import Reading, read_request, reading_reasons
from customer_priority.engine.tiers import recorded
from customer_priority.requests.senders import SenderMatch, match_sender
from customer_priority.utils import reasons

DATA_FIELD = "cp_intake_data"


def intake_data(doc) -> dict:
	try:
		data = json.loads(doc.get(DATA_FIELD) or "{}")
	except ValueError:
		data = {}
	return data if isinstance(data, dict) else {}


def store(doc, data: dict) -> None:
	doc.set(DATA_FIELD, json.dumps(data, ensure_ascii=False, sort_keys=True))


def read_into(doc, subject: str | None, body: str | None, source: str, message: str | None = None) -> bool:
	"""Read a request's words into the facts nobody recorded; True when a fact changed. The same ``message`` read
	again (ERPNext saves a pulled email's body after inserting it) replaces what it gave before."""
	reading = read_request(subject, body, get_engine_settings().phrases())
	data = intake_data(doc)
	read = data.get("read") or {}
	changed = False
	if message and read.get("message") == message:
		changed = take_back(doc, read)
		read = {}
	read["message"] = message
	if reading.request_type and doc.meta.has_field("cp_request_type"):
		if not doc.get("cp_request_type") or doc.get("cp_request_type") == read.get("request_type"):
			changed |= doc.get("cp_request_type") != reading.request_type
			doc.cp_request_type = reading.request_type
			read.update(
				request_type=reading.request_type, type_phrase=reading.type_phrase, type_source=source
			)
	if reading.urgent and doc.meta.has_field("cp_important_to_them"):
		if recorded(doc.get("cp_important_to_them")) is None:
			doc.cp_important_to_them = "Yes"
			read.update(important="Yes", urgent_phrase=reading.urgent_phrase, urgent_source=source)
			changed = True
	data["read"] = read
	store(doc, data)
	return changed


def take_back(doc, read: dict) -> bool:
	"""Undo what an earlier reading set, where a person has not changed it since."""
	changed = False
	if read.get("request_type") and doc.get("cp_request_type") == read["request_type"]:
		doc.cp_request_type, changed = "", True
	if read.get("important") and doc.get("cp_important_to_them") == read["important"]:
		doc.cp_important_to_them, changed = "Not Asked", True
	return changed


def still_read(doc) -> list[Reason]:
	"""The reasons of what was read that still stands (a person may have changed the value since)."""
	read = intake_data(doc).get("read") or {}
	out = []
	if read.get("request_type") and doc.get("cp_request_type") == read["request_type"]:
		out += reading_reasons(
			Reading(read["request_type"], read.get("type_phrase"), False, None),
			read.get("type_source", ""),
		)
	if read.get("important") and doc.get("cp_important_to_them") == read["important"]:
		out += reading_reasons(
			Reading(None, None, True, read.get("urgent_phrase")), read.get("urgent_source", "")
		)
	return out


def match_into(doc, sender: str | None, phone: str | None) -> SenderMatch:
	"""Who writes: matched once when the request arrives and again when its address or number changes."""
	data = intake_data(doc)
	key = [sender or "", phone or ""]
	if data.get("matched_for") == key and "match" in data:
		stored = data["match"]
		return SenderMatch(
			stored.get("customer"),
			stored.get("lead"),
			tuple(stored.get("candidates") or ()),
			tuple(reasons.decode(stored.get("reasons"))),
		)
	found = match_sender(sender, phone, exclude_lead=doc.name if doc.doctype == "Lead" else None)
	data["matched_for"] = key
	data["match"] = {
		"customer": found.customer,
		"lead": found.lead,
		"candidates": list(found.candidates),
		"reasons": reasons.encode(list(found.reasons)) if found.reasons else None,
	}
	store(doc, data)
	if doc.meta.has_field("cp_matched_customer"):
		doc.cp_matched_customer = found.customer
	return found


def intake_reasons(doc) -> list[Reason]:
	"""Who matched and what was read, as they stand: shown before the tier's own reasons."""
	match = intake_data(doc).get("match") or {}
	found = reasons.decode(match.get("reasons")) if match.get("reasons") else []
	return [*found, *still_read(doc)]
