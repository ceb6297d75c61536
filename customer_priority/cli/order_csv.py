"""Reading Sales Orders exported from ERPNext (list view / report view "Export") as CSV.

ERPNext writes column labels ("Customer", "Date", "Net Total (Company Currency)", "Status"); the field
names (customer, transaction_date, base_net_total, docstatus) are accepted too. A bad row stops the read with
an error naming its line, because a silently skipped order would make every ranking quietly wrong.

Two readings, one result. ``read_orders`` first tries the columnar reading (``read_clean_export``): pyarrow parses
the file into columns on every core and only the distinct statuses and dates are looked at in Python. It takes a
file only when nothing in it needs a rule of the careful reading; at the first doubt (a blank amount,
"1,234.50", a bad date, a short row, a nan) it steps aside and the careful reading reads the whole file: one
pass that does only what a well-formed row needs, where a row that does not fit falls to ``RowChecker``, which
accepts what it can and names the line of anything it cannot. A property test proves the two readings equal.
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

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
	"""Each customer's submitted orders, in file order (as ``engine.reference.collect_orders`` gathers them)."""
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


class OrderRows(NamedTuple):
	"""An export's submitted orders as columns; each customer's in file order (what every total is added in)."""

	names: list[str]
	"""The customers, in the order of their first submitted order."""
	customer: np.ndarray
	"""Each order's customer, as its position in ``names``."""
	amount: np.ndarray
	day: np.ndarray
	"""Each order's day, as ``date.toordinal()``."""

	@property
	def orders(self) -> int:
		return len(self.day)

	@property
	def newest(self) -> date | None:
		"""The date of the latest submitted order in the file."""
		return date.fromordinal(int(self.day.max())) if len(self.day) else None

	def histories(self) -> dict[str, OrderHistory]:
		"""The same orders as the careful reading gives them: each customer's amounts and days."""
		out: dict[str, OrderHistory] = {name: ([], []) for name in self.names}
		for code, amount, day in zip(
			self.customer.tolist(), self.amount.tolist(), self.day.tolist(), strict=True
		):
			history = out[self.names[code]]
			history[0].append(amount)
			history[1].append(day)
		return out

	@classmethod
	def from_histories(cls, histories: dict[str, OrderHistory]) -> OrderRows:
		"""The careful reading's histories, one customer after another."""
		names = list(histories)
		counts = [len(days) for _amounts, days in histories.values()]
		return cls(
			names,
			np.repeat(np.arange(len(names)), counts),
			np.array([a for amounts, _days in histories.values() for a in amounts], dtype=float),
			np.array([d for _amounts, days in histories.values() for d in days], dtype=np.int64),
		)


def read_orders(path: str, date_format: str | None = None, progress: bool | None = None) -> OrderRows:
	"""The submitted orders of an export: read as columns when the file is clean, else by the careful reading
	(which names the line of anything it cannot take)."""
	rows = read_clean_export(path, date_format)
	if rows is None:
		rows = OrderRows.from_histories(read_order_histories(path, date_format, progress).histories)
	return rows


def read_clean_export(path: str, date_format: str | None = None) -> OrderRows | None:
	"""The columnar reading, or None when the file holds anything it leaves to the careful reading.

	pyarrow's CSV parser splits fields as Python's csv module does (quotes, doubled quotes, quoted line breaks,
	CR, LF or CRLF, blank lines skipped), and the rules stay the careful reading's: the header, statuses and dates
	go through the same caches, each distinct text once. What pyarrow cannot promise to read alike (a header over
	more than one line, a NUL, a short or long row, a field over the csv module's size limit, an amount that only
	Python reads, a blank, nan or infinite amount, an empty customer) makes it step aside.
	"""
	clean = clean_bytes(path)
	if clean is None:
		return None
	data, header = clean
	try:
		checker = RowChecker(path, order_columns(path, header), date_format)
		return _read_columns(data, len(header), checker)
	except (pa.ArrowException, OrderFileError, ValueError):  # pyarrow could not, or a rule would not
		return None


def clean_bytes(path: str) -> tuple[bytes, list[str]] | None:
	"""A file's bytes and header row when the columnar reading may try it: readable, the header on its first line,
	no NUL, valid UTF-8 (checked in C); None leaves the file to the careful reading."""
	try:
		with open(path, "rb") as handle:
			data = handle.read()
	except OSError:
		return None
	header = _one_line_header(data)
	if header is None or b"\0" in data:
		return None
	try:
		pa.array([data], pa.large_binary()).cast(pa.large_string())
	except pa.ArrowException:
		return None
	return data, header


def _one_line_header(data: bytes) -> list[str] | None:
	"""The header row, when it is the first line (as pyarrow's ``skip_rows=1`` skips it) and csv reads it alike."""
	end = data.find(b"\n")
	line = data[:end].removesuffix(b"\r") if end >= 0 else b""
	if not line or b"\r" in line or line.count(b'"') % 2:
		return None
	try:
		rows = list(csv.reader([line.decode("utf-8-sig")]))
	except (UnicodeDecodeError, csv.Error):
		return None
	return rows[0] if len(rows) == 1 else None


def arrow_columns(data: bytes, width: int, text: tuple[int, ...], numbers: tuple[int, ...]):
	"""A clean export as an Arrow table (columns ``c0``, ``c1``...): the given columns as text and as numbers,
	the others left raw bytes (the file is already known to be UTF-8: no decoding). None when a field is longer
	than the csv module allows, so the careful reader names it as it would."""
	names = [f"c{i}" for i in range(width)]
	types = dict.fromkeys(names, pa.large_binary())
	types.update({names[i]: pa.string() for i in text})
	types.update({names[i]: pa.float64() for i in numbers})
	table = pa_csv.read_csv(
		pa.py_buffer(data),
		read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
		parse_options=pa_csv.ParseOptions(newlines_in_values=True),
		convert_options=pa_csv.ConvertOptions(
			column_types=types, strings_can_be_null=False, quoted_strings_can_be_null=False
		),
	)
	limit = csv.field_size_limit()
	numeric = {names[i] for i in numbers}
	for name in names:
		if name not in numeric and (pc.max(pc.binary_length(table[name])).as_py() or 0) > limit:
			return None
	return table


def _read_columns(data: bytes, width: int, checker: RowChecker) -> OrderRows | None:
	columns = checker.columns
	table = arrow_columns(
		data,
		width,
		text=(columns.customer, columns.day, checker.status_index),
		numbers=(columns.amount,),
	)
	if table is None:
		return None
	names = table.column_names
	if not table.num_rows:
		return None
	if isinstance(checker.submitted, _AlwaysSubmitted):
		orders = table
	else:
		status = table[names[checker.status_index]]
		submitted = [text for text in pc.unique(status).to_pylist() if checker.submitted[text]]
		needed = [names[i] for i in (columns.customer, columns.day, columns.amount)]  # the rest is not copied
		orders = table.select(needed).filter(pc.is_in(status, value_set=pa.array(submitted, pa.string())))
	if not orders.num_rows:
		return OrderRows([], np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0, dtype=np.int64))
	amount = orders[names[columns.amount]]
	if amount.null_count:
		return None
	amounts = amount.to_numpy()
	if not np.isfinite(amounts).all():
		return None
	customers = orders[names[columns.customer]].dictionary_encode().combine_chunks()
	customer_names = customers.dictionary.to_pylist()
	if "" in customer_names:
		return None
	dates = orders[names[columns.day]]
	distinct = pc.unique(dates)
	ordinals = np.array([checker.days[text] for text in distinct.to_pylist()], dtype=np.int64)
	return OrderRows(
		customer_names,
		customers.indices.to_numpy().astype(np.intp),
		amounts,
		ordinals[pc.index_in(dates, value_set=distinct).to_numpy()],
	)
