"""Reading gross profit per invoice, as ERPNext's Gross Profit report exports it grouped by invoice (or any CSV with
the same columns): customer, posting date, selling amount and gross profit, in company currency.

Returns (credit notes) are rows with negative amounts and subtract. A bad row stops the read with an error naming
its line, as the orders reader does: a silently skipped invoice would make every margin quietly wrong.
"""

from __future__ import annotations

import csv
from math import isfinite

from customer_priority.cli.order_csv import OrderFileError, _pick, parse_day
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
