"""Reasons kept as data and rendered for whoever reads them.

A decision's reasons are stored twice: as data (``cp_tier_reason_data`` / the log's ``reason_data``: a JSON list of
[template, params]) and as English text (``cp_tier_reason`` / ``reason``) for lists, exports and search. Forms and
reports render the data in the reader's language, so a Persian user reads a Persian reason even when an English
user's save produced it. Reasons stored as text before the data existed are read back into data by matching them
against the app's own templates, in English and in every language the app ships.
"""

from __future__ import annotations

import functools
import json
import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

import frappe

from customer_priority.engine.conversion import FEATURE_LABELS
from customer_priority.engine.i18n import Reason, _, reason
from customer_priority.engine.keyaccount import KEY_SOURCES, RELATIONSHIP_LEVELS
from customer_priority.engine.ranking import SEGMENT_NAMES
from customer_priority.engine.reading import READ_SOURCES
from customer_priority.engine.roles import LIFECYCLES
from customer_priority.engine.settings import REQUEST_TYPES, TIERS

LOCALE = Path(__file__).parents[1] / "locale"
SEPARATOR = "; "
LITERAL = _("{text}")
"""A reason given as words of a person (an override's reason): shown as written."""


def literal(text: str | None) -> Reason:
	return reason(LITERAL, text=(text or "").strip())


def encode(reasons: list[Reason]) -> str:
	return json.dumps([[r.template, r.params] for r in reasons], ensure_ascii=False, default=str)


def decode(data: str | None) -> list[Reason]:
	try:
		return [Reason(template, params or {}) for template, params in json.loads(data or "[]")]
	except (ValueError, TypeError):
		return []


class _Lenient(string.Formatter):
	"""Formats like ``str.format``, but a value read back from stored text (a string) keeps its written form
	where the template asks for a number format."""

	def format_field(self, value, format_spec):
		if isinstance(value, str) and format_spec:
			return value
		return super().format_field(value, format_spec)


_FORMATTER = _Lenient()


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
	"""Parameter values that are the app's own words (tiers, lifecycles, segments...): translated when shown."""
	return frozenset(
		(
			*TIERS,
			*LIFECYCLES,
			*RELATIONSHIP_LEVELS,
			*KEY_SOURCES,
			*SEGMENT_NAMES,
			*REQUEST_TYPES,
			*READ_SOURCES,
			*FEATURE_LABELS.values(),
		)
	)


def render_one(item: Reason, lang: str | None) -> str:
	lang = lang or "en"
	if lang == "en":  # the stored text of every decision: str.format in C, the lenient one only when it fails
		try:
			return item.template.format_map(item.params)
		except (KeyError, IndexError, ValueError, TypeError):
			pass
	site = getattr(frappe.local, "site", None)
	template = _translated(item.template, lang, site)
	params = item.params
	if lang != "en":
		words = vocabulary()
		params = {
			k: _translated(v, lang, site) if isinstance(v, str) and v in words else v
			for k, v in params.items()
		}
	try:
		return _FORMATTER.vformat(template, (), params)
	except (KeyError, IndexError, ValueError):
		return _FORMATTER.vformat(item.template, (), item.params)


@functools.lru_cache(maxsize=4096)
def _translated(template: str, lang: str, site: str | None) -> str:
	"""Kept per site as well as per language: one process serves every site of a bench, and a site's own
	Translation records may word a template otherwise."""
	return template if lang == "en" else frappe._(template, lang=lang)


def render(reasons: list[Reason], lang: str | None = None) -> str:
	return SEPARATOR.join(render_one(r, lang) for r in reasons)


def english(reasons: list[Reason]) -> str:
	"""The stored text of a reason: English, whoever's action produced it."""
	return render(reasons, "en")


_STORED_FORMS: dict[tuple, tuple[str, str]] = {}


def stored_form(reasons: list[Reason]) -> tuple[str, str]:
	"""(English text, data) of reasons, as stored; remembered, because a recompute stores the same few reasons
	for thousands of customers and their log entries."""
	try:
		key = tuple((r.template, *r.params.items()) for r in reasons)
		found = _STORED_FORMS.get(key)
	except TypeError:  # a parameter that cannot be a key
		return english(reasons), encode(reasons)
	if found is None:
		if len(_STORED_FORMS) > 100_000:
			_STORED_FORMS.clear()
		found = _STORED_FORMS[key] = (english(reasons), encode(reasons))
	return found


def stored(data: str | None, text: str | None) -> list[Reason]:
	"""Reasons as stored: from their data, or read back from text stored before reasons were kept as data."""
	return decode(data) if data else parse(text)


def for_reader(data: str | None, text: str | None, lang: str | None = None) -> str:
	"""A stored reason in the reader's language (the session's by default)."""
	return _for_reader(data, text, lang or frappe.local.lang, getattr(frappe.local, "site", None))


@functools.lru_cache(maxsize=16384)
def _for_reader(data: str | None, text: str | None, lang: str, site: str | None) -> str:
	"""Cached per site and language (see ``_translated``): a report shows the same few reasons on thousands of
	rows."""
	reasons = stored(data, text)
	if not reasons:
		return text or ""
	return render(reasons, lang)


# ---------------------------------------------------------------- reading reasons stored as text


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
	"""Every template of the app with a pattern for its English text and for each shipped translation."""
	catalog: dict[str, set[str]] = {}
	for path in LOCALE.glob("*.po*"):
		with path.open("rb") as handle:
			for message in read_po(handle):
				if message.id and isinstance(message.id, str) and message.id != LITERAL:
					catalog.setdefault(message.id, {message.id})
					if message.string and isinstance(message.string, str):
						catalog[message.id].add(message.string)
	patterns = []
	for template, texts in catalog.items():
		for text in texts:
			compiled = _pattern(text)
			if compiled:
				patterns.append((template, compiled))
	# Longer, more specific templates first, so "X: {a}" does not swallow "X: {a} and {b}".
	patterns.sort(key=lambda item: -len(item[1].pattern))
	return patterns


def _pattern(text: str) -> re.Pattern | None:
	parts, names = [], []
	try:
		fields = list(string.Formatter().parse(text))
	except ValueError:
		return None
	for literal_text, name, _spec, _conversion in fields:
		parts.append(re.escape(literal_text))
		if name is None:
			continue
		if not name.isidentifier() or name in names:
			return None
		names.append(name)
		parts.append(f"(?P<{name}>.+?)")
	return re.compile("".join(parts) + r"\Z", re.S)


@functools.lru_cache(maxsize=65536)
def _parse_piece(piece: str) -> tuple[str, tuple] | None:
	for template, pattern in _patterns():
		found = pattern.match(piece)
		if found:
			return template, tuple(found.groupdict().items())
	return None


def parse(text: str | None) -> list[Reason]:
	"""Reasons from their stored text: each "; "-separated piece matched against the app's templates (English or
	translated); a piece no template matches is kept as written."""
	if not text:
		return []
	pieces, out, start = text.split(SEPARATOR), [], 0
	while start < len(pieces):
		# Try the longest run of pieces first: a parameter may itself contain the separator.
		for end in range(len(pieces), start, -1):
			found = _parse_piece(SEPARATOR.join(pieces[start:end]))
			if found:
				out.append(Reason(found[0], dict(found[1])))
				start = end
				break
		else:
			out.append(literal(pieces[start]))
			start += 1
	return out
