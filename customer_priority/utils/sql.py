"""Set-based writes the framework has no fast path for.

Values are inlined as SQL literals that need no escaping: text goes as a hexadecimal literal of its UTF-8 bytes
(``_utf8mb4 X'...'``), numbers as their shortest exact form, days and times in ISO form. Nothing a value holds (a
quote, a backslash, a NUL, a ``%``, or an "ifnull(" that Frappe's ``db.sql`` rewrites in a statement's text) can
change the statement.
"""

import math
from datetime import date, datetime
from decimal import Decimal

import frappe

BATCH = 2000


def text_literal(value: str) -> str:
	return "_utf8mb4 X'" + value.encode("utf-8").hex() + "'"


def literal(value) -> str:
	"""A value as an SQL literal, for the types the app writes in bulk; any other type is refused."""
	kind = type(value)
	if kind is str:
		return text_literal(value)
	if value is None:
		return "NULL"
	if kind is int or kind is bool:
		return str(int(value))
	if kind is float:
		if not math.isfinite(value):
			raise ValueError(f"{value} cannot be stored")
		return repr(value)
	if kind is datetime:
		return "'" + value.isoformat(" ") + "'"
	if kind is date or kind is Decimal:
		return "'" + str(value) + "'"
	if isinstance(value, str | float):
		return literal(str(value) if isinstance(value, str) else float(value))
	if hasattr(value, "item"):  # a numpy scalar
		return literal(value.item())
	raise TypeError(f"a {kind.__name__} cannot be written in bulk")


def column_literals(values: list | tuple) -> list[str]:
	"""A column's values as SQL literals: one loop of one kind when the column holds one type (the common case,
	several times faster than a call per value), ``literal`` for each value otherwise."""
	kinds = set(map(type, values))
	if kinds == {str}:
		distinct = set(values)
		if len(distinct) * 4 < len(values):  # a class, a level, a reason: each distinct text encoded once
			encoded = {v: text_literal(v) for v in distinct}
			return list(map(encoded.__getitem__, values))
		return list(map(text_literal, values))
	if kinds == {int}:
		return list(map(str, values))
	if kinds == {float} and all(map(math.isfinite, values)):
		return list(map(repr, values))
	return list(map(literal, values))


def insert_many(table: str, columns: list[str] | tuple[str, ...], rows: list[tuple]) -> None:
	"""Multi-row INSERTs of ``BATCH`` rows, with the values inlined as literals, built column by column.

	Kept instead of ``frappe.db.bulk_insert``, which builds every value through the query builder, and faster than
	passing the values as parameters, which pymysql escapes through six calls each (``benchmarks/RESULTS.md``)."""
	for statement in insert_statements(table, columns, rows):
		frappe.db.sql(statement)


def insert_statements(table: str, columns: list[str] | tuple[str, ...], rows: list[tuple]) -> list[str]:
	"""The statements ``insert_many`` runs, built without the database (another thread may be using it)."""
	head = f"insert into `{table}` ({', '.join(f'`{c}`' for c in columns)}) values "
	statements = []
	for start in range(0, len(rows), BATCH):
		batch = rows[start : start + BATCH]
		formatted = zip(*(column_literals(column) for column in zip(*batch, strict=True)), strict=True)
		statements.append(head + ",".join(["(" + ",".join(row) + ")" for row in formatted]))
	return statements
