"""What a request says, read from its words: its type (Catalogue, Price List, Urgent Problem, ...) and whether it
is urgent, by phrase lists (Settings; shipped in English and Persian), and who writes it (the sender's domain).

The text is an email's subject and body, a web form's message or a lead's notes: HTML is reduced to text
(BeautifulSoup), quoted replies, signatures and disclaimers are left out (mail-parser-reply, with the Persian
reply header added here, which it does not know), and Persian is normalised (Arabic yeh and kaf, ZWNJ, Persian and
Arabic digits) on both sides, so "لیست قیمت" matches "ليست قيمت". Phrases match whole words only."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from .i18n import Reason, _, reason

READ_SOURCES = (_("email"), _("web form"), _("notes"))
"""Where a request's words were read (translated when a reason is shown)."""
MAX_TEXT = 20_000
"""Characters of a message that are read: a request says what it wants near its top; a 2 MB body is cut."""

_PERSIAN = str.maketrans(
	{
		"\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
		"\u0649": "\u06cc",  # alef maksura -> Persian yeh
		"\u0643": "\u06a9",  # Arabic kaf -> Persian kaf
		"\u200c": " ",  # ZWNJ: "لیست‌قیمت" reads as "لیست قیمت"
		"\u200f": "",
		"\u200e": "",
		**{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
		**{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
	}
)
# A Persian client's reply header ("در تاریخ ... نوشت:"), which mail-parser-reply does not know.
_PERSIAN_REPLY_HEADER = re.compile(r"^\s*(?:>\s*)*در\s+تاریخ\s.+نوشت\s*:?\s*$", re.MULTILINE)


@lru_cache(maxsize=1)
def reply_parser():
	"""mail-parser-reply's reader (imported when a message is first read: the rankings never need it)."""
	from mailparser_reply import EmailReplyParser

	return EmailReplyParser(languages=["en", "de", "fr", "es"])


def normalise(text: str) -> str:
	"""Text as phrases are compared: NFKC, Persian letters and digits unified, case folded, spaces collapsed."""
	text = unicodedata.normalize("NFKC", text or "").translate(_PERSIAN).casefold()
	return re.sub(r"\s+", " ", text).strip()


def plain_text(body: str | None) -> str:
	"""A message body as text: HTML reduced to its words, line by line; plain text as it is."""
	body = (body or "")[: MAX_TEXT * 5]
	if "<" in body and ">" in body:
		from bs4 import BeautifulSoup  # imported when a message is first read

		soup = BeautifulSoup(body, "html.parser")
		for hidden in soup(["script", "style", "head"]):
			hidden.decompose()
		for quote in soup.find_all("blockquote"):  # a quoted reply in HTML mail
			quote.decompose()
		body = soup.get_text("\n")
	return body


def own_words(body: str | None) -> str:
	"""The writer's own words: the latest reply, without quoted replies, signatures and disclaimers."""
	text = plain_text(body).replace("\r\n", "\n").replace("\r", "\n")
	header = _PERSIAN_REPLY_HEADER.search(text)
	if header:
		text = text[: header.start()]
	try:
		latest = reply_parser().parse_reply(text)
	except Exception:  # a malformed message is read as it is, never lost
		latest = None
	return (latest if latest and latest.strip() else text)[:MAX_TEXT]


class Phrases(NamedTuple):
	"""Phrase lists: for each request type, and for urgency, the phrases that say it (as typed in Settings)."""

	types: tuple[tuple[str, tuple[str, ...]], ...]
	urgent: tuple[str, ...]


def parse_phrase_lines(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
	"""Settings' lines "Type: phrase, phrase, ..." (a Persian comma "،" separates too)."""
	out = []
	for line in (text or "").splitlines():
		if ":" not in line:
			continue
		name, phrases = line.split(":", 1)
		found = tuple(p.strip() for p in re.split(r"[,،]", phrases) if p.strip())
		if name.strip() and found:
			out.append((name.strip(), found))
	return tuple(out)


def parse_phrase_list(text: str) -> tuple[str, ...]:
	return tuple(p.strip() for p in re.split(r"[,،\n]", text or "") if p.strip())


@lru_cache(maxsize=4096)
def _pattern(phrase: str) -> re.Pattern | None:
	words = normalise(phrase).split(" ")
	if not words or not words[0]:
		return None
	return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def first_match(text: str, phrases) -> tuple[int, str] | None:
	"""The earliest place one of the phrases stands in the (normalised) text, whole words only."""
	best = None
	for phrase in phrases:
		pattern = _pattern(phrase)
		found = pattern.search(text) if pattern else None
		if found and (best is None or found.start() < best[0]):
			best = (found.start(), phrase)
	return best


class Reading(NamedTuple):
	request_type: str | None
	type_phrase: str | None
	urgent: bool
	urgent_phrase: str | None


def read_request(subject: str | None, body: str | None, phrases: Phrases) -> Reading:
	"""The request type whose phrase comes first (the subject before the body), and whether any urgency phrase
	stands in the writer's own words."""
	text = normalise(f"{subject or ''}\n{own_words(body)}")
	best_type, best_at, best_phrase = None, None, None
	for request_type, type_phrases in phrases.types:
		found = first_match(text, type_phrases)
		if found and (best_at is None or found[0] < best_at):
			best_type, best_at, best_phrase = request_type, found[0], found[1]
	urgent = first_match(text, phrases.urgent)
	return Reading(best_type, best_phrase, bool(urgent), urgent[1] if urgent else None)


def reading_reasons(reading: Reading, source: str) -> list[Reason]:
	"""What was read, quoting the phrase that matched and where it was read."""
	out = []
	if reading.request_type:
		out.append(
			reason(
				_('Read as {request} from the {source}: "{phrase}"'),
				request=reading.request_type,
				source=source,
				phrase=reading.type_phrase,
			)
		)
	if reading.urgent:
		out.append(
			reason(
				_('Read as urgent from the {source}: "{phrase}"'), source=source, phrase=reading.urgent_phrase
			)
		)
	return out


# ---------------------------------------------------------------------- who writes


def email_address(sender: str | None) -> str | None:
	"""The address in "Name <a@b.example>" or a bare address, lower case; None without one."""
	found = re.search(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", sender or "")
	return found.group(0).lower() if found else None


def email_domain(sender: str | None, public_domains=()) -> str | None:
	"""The sender's mail domain, unless it is a public mail service (gmail.com: anyone may write from it)."""
	address = email_address(sender)
	if not address:
		return None
	domain = address.rsplit("@", 1)[1].strip(".")
	return None if domain in {d.strip().lower() for d in public_domains} else domain


def website_domain(url: str | None) -> str | None:
	"""A website's domain without scheme, path or "www."."""
	found = re.match(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?([^/:?#\s]+)", (url or "").strip().lower())
	return found.group(1).strip(".") if found and "." in found.group(1) else None


def phone_digits(number: str | None) -> str | None:
	"""The last nine digits of a phone number, whatever its format (+98 912-345 6789, ۰۹۱۲۳۴۵۶۷۸۹): enough to tell
	numbers apart, and the same with or without a country or trunk prefix. None for fewer than seven digits."""
	digits = re.sub(r"\D", "", normalise(number or ""))
	return digits[-9:] if len(digits) >= 7 else None
