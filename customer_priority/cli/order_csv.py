"""Reading Sales Orders exported from ERPNext (list view / report view "Export") as CSV.

ERPNext writes column labels ("Customer", "Date", "Net Total (Company Currency)", "Status"); the field
names (customer, transaction_date, base_net_total, docstatus) are accepted too. A bad row stops the read with
an error naming its line, because a silently skipped order would make every ranking quietly wrong.

A million-row export is read in one pass that does only what a well-formed row needs (one float, two cached
lookups, two appends); a row that does not fit (blank, "1,234.50", a bad date) falls to ``RowChecker``, which
accepts what it can and names the line of anything it cannot.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime
from math import isfinite
from typing import IO, Any, NamedTuple, TypeVar

from customer_priority.engine.history import OrderHistory
from customer_priority.engine.memory import paused_gc

CUSTOMER_COLUMNS = ("Customer", "customer")
DATE_COLUMNS = ("Date", "transaction_date", "Transaction Date")
AMOUNT_COLUMNS = (
	"Net Total (Company Currency)",
	"base_net_total",
	"Grand Total (Company Currency)",
	"base_grand_total",
)
STATUS_COLUMNS = ("Status", "status")
DOCSTATUS_COLUMNS = ("Docstatus", "docstatus", "Document Status")

# ERPNext's Sales Order statuses: Draft is not submitted, Cancelled is docstatus 2, the rest are submitted.
STATUS_DOCSTATUS = {"draft": 0, "cancelled": 2}
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%m-%d-%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")
T = TypeVar("T")


class OrderFileError(ValueError):
	"""A problem with the orders file, with the line it was found on."""


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
	stripped = [h.strip().lstrip("\ufeff") for h in header]
	for name in names:
		if name in stripped:
			return stripped.index(name)
	return None


def parse_day(text: str, date_format: str | None = None) -> date:
	text = text.strip()
	if date_format:
		return datetime.strptime(text, date_format).date()
	try:
		return date.fromisoformat(text[:10])
	except ValueError:
		pass
	for fmt in DATE_FORMATS:
		try:
			return datetime.strptime(text, fmt).date()
		except ValueError:
			continue
	raise ValueError(f"unreadable date {text!r}")


class _ProgressLines:
	"""Wraps a text file, printing how far through it we are to stderr."""

	def __init__(self, handle: IO[str], total_bytes: int, stream: IO[str]):
		self.handle, self.total, self.stream = handle, max(total_bytes, 1), stream

	def __iter__(self) -> Iterator[str]:
		done, shown = 0, -1
		for line in self.handle:
			done += len(line)
			percent = 100 * done // self.total
			if percent != shown:
				shown = percent
				self.stream.write(f"\rreading orders [{'#' * (percent // 4):<25}] {percent:3d}%")
				self.stream.flush()
			yield line
		self.stream.write("\n")


class OrderColumns(NamedTuple):
	customer: int
	day: int
	amount: int
	status: int | None
	docstatus: int | None

	@property
	def width(self) -> int:
		return max(i for i in self if i is not None) + 1


def order_columns(path: str, header: list[str]) -> OrderColumns:
	found = []
	for names in (CUSTOMER_COLUMNS, DATE_COLUMNS, AMOUNT_COLUMNS):
		index = _pick(header, names)
		if index is None:
			raise OrderFileError(
				f"{path}: line 1: missing column {names[0]!r} (also accepted: {', '.join(names[1:])})"
			)
		found.append(index)
	return OrderColumns(*found, _pick(header, STATUS_COLUMNS), _pick(header, DOCSTATUS_COLUMNS))


class _DayCache(dict):
	"""Date text -> day ordinal, each distinct text parsed once (an export repeats few dates)."""

	def __init__(self, date_format: str | None):
		super().__init__()
		self.date_format = date_format

	def __missing__(self, text: str) -> int:
		day = self[text] = parse_day(text, self.date_format).toordinal()
		return day


class _SubmittedCache(dict):
	"""Status (or docstatus) text -> whether the row is a submitted order."""

	def __init__(self, docstatus_column: bool):
		super().__init__()
		self.docstatus_column = docstatus_column

	def __missing__(self, text: str) -> bool:
		if self.docstatus_column:
			submitted = int(text) == 1
		else:
			submitted = STATUS_DOCSTATUS.get(text.strip().lower(), 1) == 1
		self[text] = submitted
		return submitted


class _AlwaysSubmitted(dict):
	"""For an export without a status column: every row is a submitted order."""

	def __missing__(self, text: str) -> bool:
		return True


class OrderFile(NamedTuple):
	histories: dict[str, OrderHistory]
	"""Each customer's submitted orders, in file order (see ``engine.ranking.collect_orders``)."""
	newest: date | None
	"""The date of the latest submitted order in the file."""
	orders: int
	"""How many submitted orders the histories hold."""


def read_order_histories(
	path: str, date_format: str | None = None, progress: bool | None = None
) -> OrderFile:
	"""Read an orders file into per-customer histories. ``progress`` defaults to on for files over 20 MB when
	stderr is a terminal."""
	size = os.path.getsize(path)
	if progress is None:
		progress = size > 20_000_000 and sys.stderr.isatty()
	with paused_gc():
		orders, days = _read(path, size, progress, date_format, _collect)
	histories = {name: (flat[0::2], flat[1::2]) for name, flat in orders.items()}
	if "" in histories or not isfinite(sum(map(sum, (amounts for amounts, _days in histories.values())))):
		# An empty customer or a nan / infinite amount: read again, row by row, to name the line.
		_read(path, size, False, date_format, _check_every_row)
	newest = date.fromordinal(max(days.values())) if days else None
	return OrderFile(histories, newest, sum(len(amounts) for amounts, _days in histories.values()))


def _read(
	path: str,
	size: int,
	progress: bool,
	date_format: str | None,
	collect: Callable[[Any, RowChecker], T],
) -> T:
	try:
		with open(path, newline="", encoding="utf-8-sig") as handle:
			reader = csv.reader(_ProgressLines(handle, size, sys.stderr) if progress else handle)
			try:
				header = next(reader)
			except StopIteration:
				raise OrderFileError(f"{path}: the file is empty; expected a header row") from None
			try:
				return collect(reader, RowChecker(path, order_columns(path, header), date_format))
			except csv.Error as exc:
				raise OrderFileError(f"{path}: line {reader.line_num}: {exc}") from None
	except UnicodeDecodeError:
		raise OrderFileError(f"{path}: not UTF-8 text; export or save the file as CSV (UTF-8)") from None


def _collect(reader: Any, checker: RowChecker) -> tuple[dict[str, list], _DayCache]:
	"""Each customer's submitted orders as one flat list (amount, day, amount, day, ...), and the dates read."""
	ci, di, ai = checker.columns.customer, checker.columns.day, checker.columns.amount
	status_index, submitted, days = checker.status_index, checker.submitted, checker.days
	orders: defaultdict[str, list] = defaultdict(list)
	row: list[str] = []
	while True:
		try:
			for row in reader:
				if submitted[row[status_index]]:
					amount, day = float(row[ai]), days[row[di]]  # may fail: before touching the history
					history = orders[row[ci]]
					history.append(amount)
					history.append(day)
			return orders, days
		except (ValueError, IndexError):
			order = checker.check(row, reader.line_num)
			if order is not None:
				history = orders[order.customer]
				history.append(order.amount)
				history.append(order.day)


def _check_every_row(reader: Any, checker: RowChecker) -> None:
	for row in reader:
		checker.check(row, reader.line_num)


class CheckedRow(NamedTuple):
	customer: str
	day: int
	amount: float


class RowChecker:
	"""The careful reading of one row the fast loop could not take: accept what an export can contain,
	name the line of anything else. It holds the date and status caches both readings share."""

	def __init__(self, path: str, columns: OrderColumns, date_format: str | None):
		self.path, self.columns, self.days = path, columns, _DayCache(date_format)
		if columns.docstatus is not None:
			self.status_index, self.submitted = columns.docstatus, _SubmittedCache(docstatus_column=True)
		elif columns.status is not None:
			self.status_index, self.submitted = columns.status, _SubmittedCache(docstatus_column=False)
		else:
			# Any column will do: every row counts.
			self.status_index, self.submitted = columns.customer, _AlwaysSubmitted()

	def check(self, row: list[str], line: int) -> CheckedRow | None:
		"""The row's submitted order, or None for a blank line, a draft or a cancelled order; raises
		``OrderFileError`` naming the line."""
		if not row:
			return None
		ci, di, ai = self.columns.customer, self.columns.day, self.columns.amount
		if len(row) < self.columns.width:
			raise OrderFileError(
				f"{self.path}: line {line}: expected at least {self.columns.width} columns, got {len(row)}"
			)
		try:
			if not self.submitted[row[self.status_index]]:
				return None  # drafts and cancelled orders do not count, whatever they hold
			customer, day, text = row[ci], self.days[row[di]], row[ai]
			try:
				amount = float(text)
			except ValueError:
				amount = float(text.replace(",", "")) if text.strip() else 0.0  # "1,234.50", or blank
		except ValueError as exc:
			raise OrderFileError(f"{self.path}: line {line}: {exc}") from None
		if not customer:
			raise OrderFileError(f"{self.path}: line {line}: empty customer")
		if amount - amount != 0:
			raise OrderFileError(f"{self.path}: line {line}: amount {text!r} is not a number")
		return CheckedRow(customer, day, amount)
