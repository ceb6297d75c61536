"""Reading gross profit per invoice, as ERPNext's Gross Profit report exports it grouped by invoice (or any CSV with
the same columns): customer, posting date, selling amount and gross profit, in company currency.

Returns (credit notes) are rows with negative amounts and subtract. A bad row stops the read with an error naming
its line, as the orders reader does: a silently skipped invoice would make every margin quietly wrong.

``read_profit_rows`` reads a clean export as columns with pyarrow (``read_clean_profits``, as ``order_csv`` reads
orders) and leaves anything else to that careful reading; a property test proves the two readings equal.
"""

from __future__ import annotations

import csv
from datetime import date
from math import isfinite
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_priority.cli.order_csv import OrderFileError, _pick, arrow_columns, clean_bytes, parse_day
from customer_priority.engine.history import Profit

CUSTOMER_COLUMNS = ("Customer", "customer")
DATE_COLUMNS = ("Posting Date", "posting_date", "Date")
NET_COLUMNS = ("Selling Amount", "selling_amount", "base_amount", "Net Amount (Company Currency)")
PROFIT_COLUMNS = ("Gross Profit", "gross_profit")


def _amount(text: str, path: str, line: int, column: str) -> float:
	try:
		value = float(text.replace(",", "").strip() or 0)
	except ValueError:
		raise OrderFileError(f"{path}: line {line}: {column} is not a number: {text!r}") from None
	if not isfinite(value):
		raise OrderFileError(f"{path}: line {line}: {column} is not a number: {text!r}")
	return value


def read_profits(path: str, date_format: str | None = None) -> list[Profit]:
	with open(path, newline="", encoding="utf-8-sig") as handle:
		reader = csv.reader(handle)
		header = next(reader, None)
		if not header:
			raise OrderFileError(f"{path}: the file is empty")
		columns = {}
		for key, names in (
			("customer", CUSTOMER_COLUMNS),
			("day", DATE_COLUMNS),
			("net", NET_COLUMNS),
			("profit", PROFIT_COLUMNS),
		):
			found = _pick(header, names)
			if found is None:
				raise OrderFileError(f"{path}: no {names[0]} column (expected one of: {', '.join(names)})")
			columns[key] = found
		out = []
		for line, row in enumerate(reader, start=2):
			if not any(cell.strip() for cell in row):
				continue
			if len(row) <= max(columns.values()):
				raise OrderFileError(f"{path}: line {line}: expected {len(header)} columns, got {len(row)}")
			customer = row[columns["customer"]].strip()
			if not customer or customer == "Total":  # the report's total row
				continue
			try:
				day = parse_day(row[columns["day"]], date_format)
			except ValueError:
				raise OrderFileError(f"{path}: line {line}: not a date: {row[columns['day']]!r}") from None
			net = _amount(row[columns["net"]], path, line, "Selling Amount")
			profit = _amount(row[columns["profit"]], path, line, "Gross Profit")
			out.append(Profit(customer, day, net, profit))
		return out


class ProfitRows(NamedTuple):
	"""The invoices' gross profit as columns, in file order (what each customer's totals are added in)."""

	names: list[str]
	"""The customers, in the order of their first invoice."""
	customer: np.ndarray
	"""Each invoice's customer, as its position in ``names``."""
	day: np.ndarray
	"""Each invoice's day, as ``date.toordinal()``."""
	net: np.ndarray
	amount: np.ndarray

	def profits(self) -> list[Profit]:
		"""The same invoices as ``read_profits`` gives them."""
		return [
			Profit(self.names[c], date_of(d), n, a)
			for c, d, n, a in zip(
				self.customer.tolist(),
				self.day.tolist(),
				self.net.tolist(),
				self.amount.tolist(),
				strict=True,
			)
		]

	@classmethod
	def from_profits(cls, profits: list[Profit]) -> ProfitRows:
		names = list(dict.fromkeys(p.customer for p in profits))
		row = {name: i for i, name in enumerate(names)}
		n = len(profits)
		return cls(
			names,
			np.fromiter((row[p.customer] for p in profits), np.intp, n),
			np.fromiter((p.day.toordinal() for p in profits), np.int64, n),
			np.fromiter((p.net for p in profits), float, n),
			np.fromiter((p.amount for p in profits), float, n),
		)


def date_of(ordinal: int) -> date:
	return date.fromordinal(ordinal)


def read_profit_rows(path: str, date_format: str | None = None) -> ProfitRows:
	"""The invoices of a gross profit export: read as columns when the file is clean, else by ``read_profits``
	(which names the line of anything it cannot take)."""
	rows = read_clean_profits(path, date_format)
	return rows if rows is not None else ProfitRows.from_profits(read_profits(path, date_format))


def read_clean_profits(path: str, date_format: str | None = None) -> ProfitRows | None:
	"""The columnar reading of a gross profit export (as ``order_csv.read_clean_export`` reads orders), or None
	when the file holds anything it leaves to ``read_profits``: a header over more than one line, a NUL, text
	that is not UTF-8, a short or long row, a field over the csv module's size limit, a blank, nan, infinite or
	only-Python amount, a customer with spaces around it, a date ``parse_day`` does not read."""
	clean = clean_bytes(path)
	if clean is None:
		return None
	data, header = clean
	found = [_pick(header, names) for names in (CUSTOMER_COLUMNS, DATE_COLUMNS, NET_COLUMNS, PROFIT_COLUMNS)]
	if None in found:
		return None
	try:
		return _read_profit_columns(data, len(header), found, date_format)
	except (pa.ArrowException, ValueError):  # pyarrow could not, or a rule would not
		return None


def _read_profit_columns(data: bytes, width: int, found: list, date_format: str | None) -> ProfitRows | None:
	customer_at, day_at, net_at, profit_at = found
	table = arrow_columns(data, width, text=(customer_at, day_at), numbers=(net_at, profit_at))
	if table is None:
		return None
	names = table.column_names
	customers = table[names[customer_at]]
	# The report's total row and rows without a customer are not invoices (read_profits skips them).
	table = table.filter(pc.invert(pc.is_in(customers, value_set=pa.array(["", "Total"], pa.string()))))
	if not table.num_rows:
		return ProfitRows([], np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
	net, amount = table[names[net_at]], table[names[profit_at]]
	if net.null_count or amount.null_count:
		return None
	nets, amounts = net.to_numpy(), amount.to_numpy()
	if not (np.isfinite(nets).all() and np.isfinite(amounts).all()):
		return None
	encoded = table[names[customer_at]].dictionary_encode().combine_chunks()
	customer_names = encoded.dictionary.to_pylist()
	if any(name != name.strip() for name in customer_names):  # read_profits strips them
		return None
	dates = table[names[day_at]]
	distinct = pc.unique(dates)
	ordinals = np.array(
		[parse_day(text, date_format).toordinal() for text in distinct.to_pylist()], dtype=np.int64
	)
	return ProfitRows(
		customer_names,
		encoded.indices.to_numpy().astype(np.intp),
		ordinals[pc.index_in(dates, value_set=distinct).to_numpy()],
		nets,
		amounts,
	)
