"""Writing a chunk of results: bulk INSERTs into temporary tables and one UPDATE ... JOIN, built without the
database so the next chunk is built while this one is written."""

from __future__ import annotations

from datetime import datetime

import numpy as np

import frappe

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


def result_statements(rows: list[tuple], ranked_on: datetime) -> list[str]:
	"""A chunk of customers' results as the statements that write them: bulk INSERTs into the temporary tables and
	one UPDATE ... JOIN. Each row ends with its (text, data) tier reason; the distinct reasons (a few hundred in a
	run, each some 200 bytes) go over once, the rows carry their number, and the run's time is one literal. Built
	without the database, so the next chunk is built while this one is written."""
	numbers: dict[tuple[str, str], int] = {}
	numbered = [(*row[:-1], numbers.setdefault(row[-1], len(numbers))) for row in rows]
	tier_reasons_of_chunk = [(number, text, data) for (text, data), number in numbers.items()]
	assignments = ", ".join(f"c.`{column}` = n.`{column}`" for column in WRITTEN)
	return [
		"delete from cp_recompute",
		"delete from cp_recompute_reason",
		*insert_statements("cp_recompute_reason", ["number", "text", "data"], tier_reasons_of_chunk),
		*insert_statements("cp_recompute", ["name", *WRITTEN, "reason"], numbered),
		f"""update `tabCustomer` c join cp_recompute n on c.name = n.name
			join cp_recompute_reason r on r.number = n.reason
		set {assignments}, c.cp_tier_reason = r.text, c.cp_tier_reason_data = r.data,
			c.cp_ranked_on = {literal(ranked_on)}""",
	]


TEMPORARY_TABLES = {
	"cp_recompute": "name varchar(140) primary key, {}, reason int".format(
		", ".join(f"`{column}` {RESULT_COLUMNS[column]}" for column in WRITTEN)
	),
	"cp_recompute_reason": "number int primary key, text text, data longtext",
}


def drop_temporary_tables() -> None:
	for table in TEMPORARY_TABLES:
		frappe.db.sql(f"drop temporary table if exists {table}")


def write_results(statements: list[str]) -> None:
	for statement in statements:
		frappe.db.sql(statement)
