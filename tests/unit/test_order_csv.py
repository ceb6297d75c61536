"""The orders reader: its one-pass loop and its careful row check must read every file the same way."""

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority.cli.order_csv import (
	OrderFileError,
	read_clean_export,
	read_order_histories,
	read_orders,
)
from customer_priority.engine.history import Order
from customer_priority.engine.reference import collect_orders

HEADER = ["ID", "Customer", "Date", "Net Total (Company Currency)", "Status"]
STATUSES = ["Completed", "To Deliver and Bill", "Cancelled", "Draft", " cancelled "]

NAMES = ["Acme", "Beta, Inc.", 'The "Best" Co', "Line\nBreak Ltd", "Zed", "سپهر"]
names = st.sampled_from(NAMES)
orders = st.tuples(
	names,
	st.integers(min_value=0, max_value=1500),
	st.integers(min_value=0, max_value=10_000_000),  # cents
	st.sampled_from(STATUSES),
	st.sampled_from(["plain", "thousands", "blank line after", "dd-mm-yyyy"]),
)


def write_export(rows: list[tuple], path) -> list[Order]:
	"""Write rows the way an export (or a hand-edited export) might look; return the orders they mean."""
	expected = []
	out = io.StringIO()
	writer = csv.writer(out, lineterminator="\r\n")
	writer.writerow(HEADER)
	for number, (name, offset, cents, status, style) in enumerate(rows):
		day = date(2023, 1, 1) + timedelta(days=offset)
		amount = cents / 100
		text = f"{amount:,.2f}" if style == "thousands" else repr(amount)
		day_text = day.strftime("%d-%m-%Y") if style == "dd-mm-yyyy" else day.isoformat()
		writer.writerow([f"SO-{number}", name, day_text, text, status])
		if style == "blank line after":
			out.write("\r\n")
		docstatus = {"cancelled": 2, "draft": 0}.get(status.strip().lower(), 1)
		expected.append(Order(name, day, amount, docstatus))
	path.write_text(out.getvalue(), encoding="utf-8")
	return expected


@settings(max_examples=60, deadline=None)
@given(st.lists(orders, max_size=40))
def test_reader_gives_the_histories_of_the_orders_it_was_given(tmp_path_factory, rows):
	path = tmp_path_factory.mktemp("csv") / "orders.csv"
	expected = write_export(rows, path)
	read = read_order_histories(str(path))
	assert read.histories == collect_orders(expected)
	assert read_orders(str(path)).histories() == read.histories
	assert read.orders == sum(1 for o in expected if o.docstatus == 1)
	assert read.newest == max((o.day for o in expected if o.docstatus == 1), default=None)


def test_export_without_a_status_column_counts_every_row(tmp_path):
	path = tmp_path / "o.csv"
	path.write_text("Customer,Date,Net Total (Company Currency)\nA,2026-01-01,5\nA,2026-01-02,7\n")
	assert read_order_histories(str(path)).histories["A"][0] == [5.0, 7.0]


@pytest.mark.parametrize(
	("content", "message"),
	[
		(b"Customer,Date,Net Total (Company Currency)\nA,2026-01-01,1\nCaf\xe9,2026-01-01,2\n", "not UTF-8"),
		(
			b"Customer,Date,Net Total (Company Currency)\nA,2026-01-01,1\n"
			+ b"B" * 200_000
			+ b",2026-01-01,2\n",
			"line 3: field larger",
		),
		(
			b"Customer,Date,Net Total (Company Currency),docstatus\nA,2026-01-01,1,1\nB,2026-01-01,2,x\n",
			"line 3",
		),
		(
			b"Customer,Date,Net Total (Company Currency)\nA,2026-01-01,1\nB,2026-01-01,1e999\n",
			"line 3: amount",
		),
	],
)
def test_unreadable_rows_are_named_not_skipped(tmp_path, content, message):
	path = tmp_path / "o.csv"
	path.write_bytes(content)
	with pytest.raises(OrderFileError, match=message):
		read_order_histories(str(path))


# ---------------------------------------------------------------------- the columnar reading

TRICKY_NAMES = [
	*NAMES,
	" Lead Space",
	'Un"quoted',
	"Tab\tCo",
	"Cr\rCo",
	"Crlf\r\nCo",
	"#1",
]
CLEAN_AMOUNTS = ["12.5", "0", "4999.99", "-3.25", "1e3", "+7", "0.1"]
ODD_AMOUNTS = ["1,234.50", "", " ", "nan", "inf", "1_000", "abc", "١٢", "NaN", "N/A", " 5 "]
CLEAN_DAYS = ["2024-02-29", "2025-12-31", "2023-01-01"]
ODD_DAYS = ["29-02-2024", "2024-02-29 10:30:00", "someday", "", "2024/02/29", "20240229"]


def export_rows(customers, days, amounts, shapes):
	return st.lists(
		st.tuples(
			st.sampled_from(customers),
			days,
			amounts,
			st.sampled_from([*STATUSES, "Closed"]),
			shapes,
		),
		max_size=25,
	)


# Half the files as an export is written (the columnar reading's to take), half with anything in them.
any_export = st.one_of(
	export_rows(
		TRICKY_NAMES,
		st.sampled_from(CLEAN_DAYS),
		st.sampled_from(CLEAN_AMOUNTS),
		st.sampled_from(["row", "blank line"]),
	),
	export_rows(
		[*TRICKY_NAMES, ""],
		st.sampled_from(CLEAN_DAYS + ODD_DAYS),
		st.sampled_from(CLEAN_AMOUNTS + ODD_AMOUNTS),
		st.sampled_from(["row"] * 8 + ["blank line", "short row", "long row", "raw"]),
	),
)


def write_any_export(rows, quoting, newline, bom, path) -> bool:
	"""Write rows as an export or a hand-edited one might; say whether every row is one the columnar reading
	is meant to take."""
	out = io.StringIO()
	writer = csv.writer(out, quoting=quoting, lineterminator=newline)
	writer.writerow(HEADER)
	clean = True
	for number, (name, day, amount, status, shape) in enumerate(rows):
		row = [f"SO-{number}", name, day, amount, status]
		submitted = status.strip().lower() not in ("cancelled", "draft")
		# Amounts are parsed as numbers before statuses are looked at: an odd amount even on a cancelled row
		# sends the file to the careful reading (real exports format every row's amount alike).
		clean &= shape in ("row", "blank line") and amount in CLEAN_AMOUNTS
		clean &= not submitted or (name != "" and day in CLEAN_DAYS)
		if shape == "blank line":
			writer.writerow(row)
			out.write(newline)
		elif shape == "short row":
			writer.writerow(row[:3])
		elif shape == "long row":
			writer.writerow([*row, "extra"])
		elif shape == "raw":  # hand-edited, quotes and all as typed
			out.write(",".join(row) + newline)
		else:
			writer.writerow(row)
	path.write_bytes((("\ufeff" if bom else "") + out.getvalue()).encode())
	return clean and newline != "\r"


@settings(max_examples=250, deadline=None)
@given(
	any_export,
	st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
	st.sampled_from(["\r\n", "\n", "\r"]),
	st.booleans(),
	st.sampled_from([None, "%Y-%m-%d", "%d-%m-%Y"]),
)
def test_the_columnar_reading_takes_a_file_only_to_read_it_as_the_careful_reading_does(
	tmp_path_factory, rows, quoting, newline, bom, date_format
):
	path = tmp_path_factory.mktemp("csv") / "orders.csv"
	clean = write_any_export(rows, quoting, newline, bom, path)
	try:
		careful = read_order_histories(str(path), date_format)
	except OrderFileError:
		careful = None
	fast = read_clean_export(str(path), date_format)
	if fast is not None:
		assert careful is not None, "the columnar reading took a file the careful reading refuses"
		assert fast.histories() == careful.histories
		assert (fast.newest, fast.orders) == (careful.newest, careful.orders)
	elif clean and careful is not None and date_format is None and rows:
		raise AssertionError("a clean export fell to the careful reading")
	if careful is not None:
		assert read_orders(str(path), date_format).histories() == careful.histories


def test_the_columnar_reading_steps_aside_for_what_only_the_careful_reading_can_name(tmp_path):
	header = "Customer,Date,Net Total (Company Currency)\n"
	for body in (
		"A,2026-01-01,1\nB,someday,2\n",  # a bad date: the careful reading names its line
		"A,2026-01-01,1\n,2026-01-01,2\n",  # an empty customer
		"A,2026-01-01,nan\n",
		"A,2026-01-01,1e999\n",
		'A,2026-01-01,"1,234.50"\n',  # the careful reading reads it as 1234.5
		"A,2026-01-01\n",
		"A,2026-01-01,1\n" + "B" * 200_000 + ",2026-01-01,2\n",  # over the csv module's field size limit
	):
		path = tmp_path / "o.csv"
		path.write_text(header + body)
		assert read_clean_export(str(path)) is None, body[:40]
	path.write_bytes(b"Customer,Date,Net Total (Company Currency)\nA,2026-01-01,1\nCaf\xe9,2026-01-01,2\n")
	assert read_clean_export(str(path)) is None, "not UTF-8"
	path.write_text(header + "A,2026-01-01,1\nA,2026-01-03,2.5\n")
	assert read_clean_export(str(path)).histories() == {"A": ([1.0, 2.5], [739617, 739619])}


amount_texts = st.one_of(
	st.floats(allow_nan=False, allow_infinity=False).map(repr),
	st.floats(-1e12, 1e12).map(lambda x: f"{x:.17e}"),
	st.from_regex(r"-?[0-9]{1,22}(\.[0-9]{1,22})?", fullmatch=True),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(amount_texts, min_size=1, max_size=30))
def test_amounts_read_as_columns_are_pythons_floats_to_the_last_digit(tmp_path_factory, texts):
	path = tmp_path_factory.mktemp("csv") / "orders.csv"
	lines = [f"A,2026-01-01,{text}" for text in texts]
	path.write_text("Customer,Date,Net Total (Company Currency)\n" + "\n".join(lines) + "\n")
	fast = read_clean_export(str(path))
	assert fast is not None
	assert list(map(repr, fast.amount.tolist())) == [repr(float(text)) for text in texts]
