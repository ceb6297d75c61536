"""Reading Sales Orders exported from ERPNext (list view / report view "Export") as CSV.

ERPNext writes column labels ("Customer", "Date", "Net Total (Company Currency)", "Status"); the field
names (customer, transaction_date, base_net_total, docstatus) are accepted too. A bad row stops the read with
an error naming its line, because a silently skipped order would make every ranking quietly wrong.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from datetime import date, datetime
from typing import IO

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
		self.handle, self.total, self.stream, self.done, self.shown = (
			handle,
			max(total_bytes, 1),
			stream,
			0,
			-1,
		)

	def __iter__(self) -> Iterator[str]:
		for line in self.handle:
			self.done += len(line)
			percent = 100 * self.done // self.total
			if percent != self.shown:
				self.shown = percent
				bar = "#" * (percent // 4)
				self.stream.write(f"\rreading orders [{bar:<25}] {percent:3d}%")
				self.stream.flush()
			yield line
		self.stream.write("\n")


def read_orders(path: str, date_format: str | None = None, progress: bool | None = None) -> Iterator[tuple]:
	"""Yield one (customer, day, amount, docstatus) tuple per row, the shape of an ``Order``. ``progress`` defaults to on for files over 20 MB when stderr is a terminal."""
	size = os.path.getsize(path)
	if progress is None:
		progress = size > 20_000_000 and sys.stderr.isatty()
	with open(path, newline="", encoding="utf-8-sig") as handle:
		lines = _ProgressLines(handle, size, sys.stderr) if progress else handle
		reader = csv.reader(lines)
		try:
			header = next(reader)
		except StopIteration:
			raise OrderFileError(f"{path}: the file is empty; expected a header row") from None
		columns = {}
		for key, names in (
			("customer", CUSTOMER_COLUMNS),
			("date", DATE_COLUMNS),
			("amount", AMOUNT_COLUMNS),
		):
			index = _pick(header, names)
			if index is None:
				raise OrderFileError(
					f"{path}: line 1: missing column {names[0]!r} (also accepted: {', '.join(names[1:])})"
				)
			columns[key] = index
		ci, di, ai = columns["customer"], columns["date"], columns["amount"]
		si, dsi = _pick(header, STATUS_COLUMNS), _pick(header, DOCSTATUS_COLUMNS)
		width = max(i for i in (ci, di, ai, si, dsi) if i is not None) + 1
		parsed: dict[str, date] = {}  # an export repeats few distinct dates and statuses: read each once
		statuses: dict[str, int] = {}
		for row in reader:
			try:
				customer = row[ci]
				day = parsed.get(row[di])
				if day is None:
					day = parsed[row[di]] = parse_day(row[di], date_format)
				try:
					amount = float(row[ai])
				except ValueError:
					amount = float(row[ai].replace(",", "")) if row[ai] else 0.0
				if dsi is not None:
					docstatus = int(row[dsi])
				elif si is not None:
					docstatus = statuses.get(row[si])
					if docstatus is None:
						docstatus = statuses[row[si]] = STATUS_DOCSTATUS.get(row[si].strip().lower(), 1)
				else:
					docstatus = 1
				if not customer or amount - amount != 0:  # empty name, or nan / infinity
					raise ValueError(
						"empty customer" if not customer else f"amount {row[ai]!r} is not a number"
					)
			except IndexError:
				if not row:
					continue
				raise OrderFileError(
					f"{path}: line {reader.line_num}: expected at least {width} columns, got {len(row)}"
				) from None
			except ValueError as exc:
				raise OrderFileError(f"{path}: line {reader.line_num}: {exc}") from None
			yield (customer, day, amount, docstatus)
