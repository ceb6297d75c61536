"""Writing a chunk of results: bulk INSERTs into temporary tables and one UPDATE ... JOIN, built without the
database so the next chunk is built while this one is written."""

from __future__ import annotations

from datetime import datetime

import numpy as np

import frappe
from frappe.utils import cint, flt

from customer_priority.data import purchases
from customer_priority.standing.stored import DAY_COLUMNS, RESULT_COLUMNS
from customer_priority.utils.sql import insert_statements, literal

WRITTEN = tuple(
	c for c in RESULT_COLUMNS if c not in ("cp_tier_reason", "cp_tier_reason_data", "cp_ranked_on")
)


def stored_form(values: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, list]:
	"""The given rows of the columnar results as Python values for the database: days back to dates."""
	out = {}
	for column in WRITTEN:
		picked = values[column][rows].tolist()
		out[column] = [purchases.day(v) for v in picked] if column in DAY_COLUMNS else picked
	return out


WATCHED = (
	"cp_order_count",
	"cp_lifetime_value",
	"cp_priority_tier",
	"cp_level",
	"cp_key_account",
	"cp_lifetime_profit",
	"cp_window_invoiced",
)
"""What every order or invoice hook, override or mark by hand changes on a customer: if any moved since the run read
it, someone else wrote it (an invoice moves its profit and invoiced amount, and may move nothing else)."""
WATCHED_TEXT = ("cp_priority_tier", "cp_level")
READ_COLUMNS = tuple(f"read_{column}" for column in WATCHED)
"""The chunk's row holds each watched value as the run read it under these names."""


def unmoved() -> str:
	"""The condition that a customer's (``c``) watched values are still those the run read, which the chunk's row
	(``n``) holds: ``watched_form`` in SQL, NULL as 0 or "" on either side, text compared byte for byte, numbers as
	the floats the run holds."""
	return " and ".join(
		f"binary coalesce(c.`{column}`, '') = binary coalesce(n.`{read}`, '')"
		if column in WATCHED_TEXT
		else f"coalesce(c.`{column}`, 0) = coalesce(n.`{read}`, 0)"
		for column, read in zip(WATCHED, READ_COLUMNS, strict=True)
	)


def watched_form(values) -> tuple:
	"""Watched values as the run compares them in Python (``unmoved`` in SQL)."""
	count, lifetime, tier, level, key, profit, invoiced = values
	return (
		cint(count),
		round(flt(lifetime), 6),
		tier or "",
		level or "",
		cint(key),
		round(flt(profit), 6),
		round(flt(invoiced), 6),
	)


def result_statements(rows: list[tuple], read: dict[str, tuple], ranked_on: datetime) -> list[str]:
	"""A chunk of customers' results as the statements that write them: bulk INSERTs into the temporary tables and
	one UPDATE ... JOIN that writes only the customers whose watched values are still those the run read (``read``,
	by name, in ``WATCHED`` order), their rows locked as it writes them. Each row ends with its (text, data) tier
	reason; the distinct reasons (a few hundred in a run, each some 200 bytes) go over once, the rows carry their
	number, and the run's time is one literal. Built without the database, so the next chunk is built while this one
	is written."""
	numbers: dict[tuple[str, str], int] = {}
	numbered = [(*row[:-1], *read[row[0]], numbers.setdefault(row[-1], len(numbers))) for row in rows]
	tier_reasons_of_chunk = [(number, text, data) for (text, data), number in numbers.items()]
	return [
		"delete from cp_recompute",
		"delete from cp_recompute_reason",
		*insert_statements("cp_recompute_reason", ["number", "text", "data"], tier_reasons_of_chunk),
		*insert_statements("cp_recompute", ["name", *WRITTEN, *READ_COLUMNS, "reason"], numbered),
		update_statement(ranked_on, unmoved()),
	]


def update_statement(ranked_on: datetime, condition: str) -> str:
	"""The UPDATE ... JOIN that writes the chunk's customers meeting ``condition`` (SQL over ``c``, the customer,
	and ``n``, its row in the chunk)."""
	assignments = ", ".join(f"c.`{column}` = n.`{column}`" for column in WRITTEN)
	return f"""update `tabCustomer` c join cp_recompute n on c.name = n.name
		join cp_recompute_reason r on r.number = n.reason
	set {assignments}, c.cp_tier_reason = r.text, c.cp_tier_reason_data = r.data,
		c.cp_ranked_on = {literal(ranked_on)}
	where {condition}"""


TEMPORARY_TABLES = {
	# A chunk's rows are written once, read once and deleted: kept in memory they need no undo or redo log (the
	# reasons' text columns need a table on disk).
	"cp_recompute": "(name varchar(140) primary key, {}, {}, reason int) engine=memory".format(
		", ".join(f"`{column}` {RESULT_COLUMNS[column]}" for column in WRITTEN),
		", ".join(
			f"`{read}` {'varchar(140)' if column in WATCHED_TEXT else 'double'}"
			for column, read in zip(WATCHED, READ_COLUMNS, strict=True)
		),
	),
	"cp_recompute_reason": "(number int primary key, text text, data longtext)",
}
CHUNK_TABLE_BYTES = 256 * 1024 * 1024
"""How large the in-memory table may grow on this connection: an upper bound, not memory taken (MariaDB's default
of 16 MiB is near one chunk's fixed-width rows)."""


def drop_temporary_tables() -> None:
	for table in TEMPORARY_TABLES:
		frappe.db.sql(f"drop temporary table if exists {table}")


def write_results(statements: list[str]) -> None:
	for statement in statements:
		frappe.db.sql(statement)
