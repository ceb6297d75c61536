"""The orders reader: its one-pass loop and its careful row check must read every file the same way."""

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority.cli.order_csv import OrderFileError, read_order_histories
from customer_priority.engine.history import Order, collect_orders

HEADER = ["ID", "Customer", "Date", "Net Total (Company Currency)", "Status"]
STATUSES = ["Completed", "To Deliver and Bill", "Cancelled", "Draft", " cancelled "]

names = st.sampled_from(["Acme", "Beta, Inc.", 'The "Best" Co', "Line\nBreak Ltd", "Zed", "سپهر"])
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
