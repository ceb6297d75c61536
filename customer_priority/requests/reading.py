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
	"""Read a request's words into the facts nobody recorded; True when a fact changed. Each message's reading is
	kept apart: the same ``message`` read again (ERPNext saves a pulled email's body after inserting it; a lead's
	notes on every save) replaces what it gave before, and leaves what other messages gave."""
	reading = read_request(subject, body, get_engine_settings().phrases())
	data = intake_data(doc)
	reads = data.get("reads") or {}
	key = message or source
	changed = take_back(doc, reads.pop(key), reads.values()) if key in reads else False
	given_important = any(r.get("important") for r in reads.values())
	read: dict = {}
	if reading.request_type and doc.meta.has_field("cp_request_type"):
		if not doc.get("cp_request_type"):  # a type a person or an earlier message gave stays
			doc.cp_request_type, changed = reading.request_type, True
		if doc.get("cp_request_type") == reading.request_type:
			read.update(
				request_type=reading.request_type, type_phrase=reading.type_phrase, type_source=source
			)
	if reading.urgent and doc.meta.has_field("cp_important_to_them"):
		set_now = recorded(doc.get("cp_important_to_them")) is None
		if set_now:
			doc.cp_important_to_them, changed = "Yes", True
		if set_now or (doc.get("cp_important_to_them") == "Yes" and given_important):
			read.update(important="Yes", urgent_phrase=reading.urgent_phrase, urgent_source=source)
	if read:
		reads[key] = read
	data["reads"] = reads
	store(doc, data)
	return changed


def take_back(doc, read: dict, others) -> bool:
	"""Undo what an earlier reading set, where a person has not changed it since and no other message gave it."""
	others = list(others)
	changed = False
	value = read.get("request_type")
	if value and doc.get("cp_request_type") == value and all(o.get("request_type") != value for o in others):
		doc.cp_request_type, changed = "", True
	if (
		read.get("important")
		and doc.get("cp_important_to_them") == "Yes"
		and not any(o.get("important") for o in others)
	):
		doc.cp_important_to_them, changed = "Not Asked", True
	return changed


def still_read(doc) -> list[Reason]:
	"""The reasons of what was read that still stands (a person may have changed the value since): the first
	message that gave each fact."""
	out, typed, urgent = [], False, False
	for read in (intake_data(doc).get("reads") or {}).values():
		if not typed and read.get("request_type") and doc.get("cp_request_type") == read["request_type"]:
			typed = True
			out += reading_reasons(
				Reading(read["request_type"], read.get("type_phrase"), False, None),
				read.get("type_source", ""),
			)
		if not urgent and read.get("important") and doc.get("cp_important_to_them") == read["important"]:
			urgent = True
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
