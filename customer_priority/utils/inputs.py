"""What arrives from outside (whitelisted methods' arguments, report filters) is checked before it reaches a query:
a value no form could send (a list where a name goes, a NUL byte, a megabyte of text, a name that does not
exist, a flag that is not 0 or 1) is refused with a message naming the field, as a ValidationError (HTTP 417),
and nothing runs. Values reach SQL only as parameters anyway; this makes the refusal clear instead of a 500 or
an empty answer that looks like data."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate

NAME_LENGTH = 140  # Frappe's own limit for a document name
TEXT_LENGTH = 1000  # a reason typed by a person


def shown(value) -> str:
	"""A value quoted back to the user: short, escaped."""
	text = str(value)
	return frappe.bold(frappe.utils.escape_html(text[:40] + ("…" if len(text) > 40 else "")))


def required(label: str, value) -> None:
	if value is None or (isinstance(value, str) and not value.strip()):
		frappe.throw(_("{0} is required").format(_(label)), frappe.MandatoryError, title=_("Missing Value"))


def plain_text(label: str, value, limit: int) -> str:
	required(label, value)
	if not isinstance(value, str):
		frappe.throw(_("{0} must be text").format(_(label)), title=_("Invalid Value"))
	if "\x00" in value:
		frappe.throw(
			_("{0} holds a character that cannot be stored").format(_(label)), title=_("Invalid Value")
		)
	if len(value) > limit:
		frappe.throw(
			_("{0} is too long: at most {1} characters").format(_(label), limit), title=_("Invalid Value")
		)
	return value


def name(label: str, value) -> str:
	"""A document name: text, one line, no longer than Frappe allows."""
	return plain_text(label, value, NAME_LENGTH)


def text(label: str, value, limit: int = TEXT_LENGTH) -> str:
	"""Words a person typed (a reason): kept as written, within a sane length."""
	return plain_text(label, value, limit)


def existing(label: str, doctype: str, value) -> str:
	name(label, value)
	if not frappe.db.exists(doctype, value):
		not_found(doctype, value)
	return value


def not_found(doctype: str, value) -> None:
	frappe.throw(
		_("{0} {1} does not exist").format(_(doctype), shown(value)),
		frappe.DoesNotExistError,
		title=_("Not Found"),
	)


def choice(label: str, value, options: Iterable[str]) -> str:
	options = list(options)
	if not isinstance(value, str) or value not in options:
		frappe.throw(
			_("{0} must be one of {1} (got {2})").format(
				_(label), ", ".join(_(o) for o in options), shown(value)
			),
			title=_("Invalid Value"),
		)
	return value


def flag(label: str, value) -> int:
	if value not in (0, 1, "0", "1", True, False):
		frappe.throw(
			_("{0} must be 0 or 1 (got {1})").format(_(label), shown(value)), title=_("Invalid Value")
		)
	return int(value in (1, "1", True))


def count(label: str, value) -> int:
	"""A whole number, zero or more."""
	if isinstance(value, bool) or not (
		isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
	):
		frappe.throw(_("{0} must be a whole number (got {1})").format(_(label), shown(value)))
	number = int(value)
	if number < 0:
		frappe.throw(
			_("{0} must be zero or more (got {1})").format(_(label), number), title=_("Invalid Value")
		)
	return number


def day(label: str, value) -> date:
	if not isinstance(value, str | date) or (isinstance(value, str) and len(value) > 30):
		frappe.throw(
			_("{0} must be a date (got {1})").format(_(label), shown(value)), title=_("Invalid Value")
		)
	try:
		return getdate(value)
	except Exception:
		frappe.clear_last_message()  # getdate's own message is replaced by one naming the filter
		frappe.throw(
			_("{0} must be a date (got {1})").format(_(label), shown(value)), title=_("Invalid Value")
		)


# One checker per kind of report filter: (label, value, option) -> the checked value.
FILTER_KINDS: dict[str, Callable] = {
	"Link": lambda label, value, doctype: existing(label, doctype, value),
	"Select": lambda label, value, options: choice(label, value, options() if callable(options) else options),
	"Check": lambda label, value, _option: flag(label, value),
	"Int": lambda label, value, _option: count(label, value),
	"Date": lambda label, value, _option: day(label, value),
	"Name": lambda label, value, _option: name(label, value),
}


def report_filters(filters, spec: dict[str, tuple[str, str, object]]) -> frappe._dict:
	"""A report's filters, each checked by its kind; ``spec`` maps a filter to (kind, label, option). A value
	left empty means "any". Filters the report does not know are refused too: a typo must not widen a report."""
	if filters is None or filters == "":
		return frappe._dict()
	if isinstance(filters, str):
		filters = frappe.parse_json(filters)
	if not isinstance(filters, dict):
		frappe.throw(_("Report filters must be a set of named values"), title=_("Invalid Filters"))
	unknown = sorted(str(f) for f in filters if f not in spec)
	if unknown:
		frappe.throw(_("Unknown filter {0}").format(shown(", ".join(unknown))), title=_("Invalid Filters"))
	checked = frappe._dict()
	for field, value in filters.items():
		if value is None or value == "":
			checked[field] = value
			continue
		kind, label, option = spec[field]
		checked[field] = FILTER_KINDS[kind](label, value, option)
	return checked


def no_filters(label: str, filters) -> None:
	"""What takes no filters (a number card, a chart) refuses any sent rather than ignore them; the empty forms
	Frappe's widgets send pass."""
	try:
		given = frappe.parse_json(filters)
	except (ValueError, RecursionError):
		given = filters
	if given not in (None, "", [], {}):
		frappe.throw(_("{0} takes no filters").format(label), title=_("Invalid Filters"))


REPORTS = frozenset(("Customer Ranking", "Priority Queue", "Key Account Review", "Tier Changes"))


def check_report_request() -> None:
	"""``before_request``: Frappe turns a report's filters into a dict before the report runs, and answers filters
	that are not one (a list, a number, loose text) with a 500; for this app's reports they get a clear 417."""
	form = frappe.local.form_dict
	if form.get("report_name") not in REPORTS or form.get("filters") in (None, ""):
		return
	filters = form.get("filters")
	if isinstance(filters, str):
		try:
			filters = frappe.parse_json(filters)
		except ValueError:
			filters = None  # not JSON at all
	if not isinstance(filters, dict):
		frappe.throw(_("Report filters must be a set of named values"), title=_("Invalid Filters"))
