"""The bulk writer's literals: every value comes back from MariaDB exactly as it was written."""

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pytest

import frappe

from customer_priority.utils.sql import insert_many, literal

HOSTILE_TEXT = [
	'O\'Brien "Ltd"',
	"back\\slash\\",
	"ifnull(a, b) IFNULL( x",
	"line\nbreak\rreturn\ttab",
	"nul\x00byte and \x1a substitute",
	"'); drop table `tabCustomer`; --",
	"%s %(name)s %%",
	"مشتری ویژه 🚀 ✓",
	"",
	"x" * 5000,
]


@pytest.fixture
def scratch():
	frappe.db.sql("drop temporary table if exists cp_literals")
	frappe.db.sql(
		"""create temporary table cp_literals (id int primary key, text longtext, whole bigint,
		amount decimal(21,9), ratio double, day date, moment datetime(6))"""
	)
	yield
	frappe.db.rollback()  # a DDL statement after writes would commit them
	frappe.db.sql("drop temporary table if exists cp_literals")


def read_back() -> list[tuple]:
	return [tuple(r) for r in frappe.db.sql("select * from cp_literals order by id")]


def test_text_of_every_kind_comes_back_unchanged(scratch):
	rows = [(i, text, None, None, None, None, None) for i, text in enumerate(HOSTILE_TEXT)]
	insert_many("cp_literals", ("id", "text", "whole", "amount", "ratio", "day", "moment"), rows)
	assert [r[1] for r in read_back()] == HOSTILE_TEXT


def test_text_repeated_over_many_rows_comes_back_unchanged(scratch):
	# A column of few distinct texts (a class, a level, a reason) has each one escaped once.
	texts = [HOSTILE_TEXT[i % 4] for i in range(40)]
	rows = [(i, text, None, None, None, None, None) for i, text in enumerate(texts)]
	insert_many("cp_literals", ("id", "text", "whole", "amount", "ratio", "day", "moment"), rows)
	assert [r[1] for r in read_back()] == texts


def test_numbers_dates_nulls_and_numpy_scalars_come_back_unchanged(scratch):
	moment = datetime(2026, 11, 24, 9, 30, 15, 123456)
	rows = [
		(1, None, -(2**62), Decimal("12345.123456789"), 0.1, date(2024, 2, 29), moment),
		(2, "t", np.int64(7), np.float64(1234.5), np.float64(1e-7), None, None),
		(3, np.str_("numpy text"), True, 0.0, -3.25, date(1999, 12, 31), datetime(2026, 1, 1)),
	]
	insert_many("cp_literals", ("id", "text", "whole", "amount", "ratio", "day", "moment"), rows)
	got = read_back()  # Frappe reads decimals back as floats
	assert got[0] == (1, None, -(2**62), 12345.123456789, 0.1, date(2024, 2, 29), moment)
	assert got[1] == (2, "t", 7, 1234.5, 1e-7, None, None)
	assert got[2] == (3, "numpy text", 1, 0.0, -3.25, date(1999, 12, 31), datetime(2026, 1, 1))


def test_a_value_that_cannot_be_stored_is_refused_before_anything_is_written(scratch):
	with pytest.raises(ValueError):
		literal(float("nan"))
	with pytest.raises(ValueError):
		insert_many("cp_literals", ("id", "ratio"), [(1, 1.5), (2, float("inf"))])
	assert read_back() == []


def test_many_rows_span_several_statements(scratch):
	rows = [(i, f"row {i}'s", i * 3, None, i / 7, None, None) for i in range(4321)]
	insert_many("cp_literals", ("id", "text", "whole", "amount", "ratio", "day", "moment"), rows)
	got = read_back()
	assert len(got) == 4321
	assert [(r[0], r[1], r[2], r[4]) for r in got] == [(i, t, w, r) for i, t, w, _a, r, _d, _m in rows]
