"""The gross profit export read as columns: taken only to be read as the careful reading (``read_profits``) reads
it, invoice for invoice, to the last digit."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from customer_priority.cli.order_csv import OrderFileError
from customer_priority.cli.profit_csv import read_clean_profits, read_profit_rows, read_profits

HEADER = ["Sales Invoice", "Customer", "Posting Date", "Selling Amount", "Buying Amount", "Gross Profit"]
NAMES = [
	"Acme",
	"Beta, Inc.",
	'The "Best" Co',
	"Line\nBreak Ltd",
	"سپهر",
	'Un"quoted',
	"Total",
	"",
	"Cr\rCo",
	"Crlf\r\nCo",
	"Tab\tCo",
	"#1",
]
ODD_NAMES = [" Lead Space", "Trail ", " "]
CLEAN_AMOUNTS = ["12.5", "0", "4999.99", "-3.25", "1e3", "+7", "0.1", "-1200.75"]
ODD_AMOUNTS = ["1,234.50", "", " ", "nan", "inf", "1_000", "abc", " 5 "]
CLEAN_DAYS = ["2024-02-29", "2025-12-31", "2023-01-01"]
ODD_DAYS = ["29-02-2024", "someday", "", "2024/02/29"]


def invoice_rows(names, days, amounts, shapes):
	return st.lists(st.tuples(names, days, amounts, amounts, shapes), max_size=25)


any_export = st.one_of(
	invoice_rows(
		st.sampled_from(NAMES),
		st.sampled_from(CLEAN_DAYS),
		st.sampled_from(CLEAN_AMOUNTS),
		st.sampled_from(["row", "blank line"]),
	),
	invoice_rows(
		st.sampled_from(NAMES + ODD_NAMES),
		st.sampled_from(CLEAN_DAYS + ODD_DAYS),
		st.sampled_from(CLEAN_AMOUNTS + ODD_AMOUNTS),
		st.sampled_from(["row"] * 8 + ["blank line", "short row", "long row", "raw", "blank cells"]),
	),
)


def write_export(rows, quoting, newline, bom, path) -> bool:
	"""Write the rows; say whether the file is one the columnar reading is meant to take."""
	out = io.StringIO()
	writer = csv.writer(out, quoting=quoting, lineterminator=newline)
	writer.writerow(HEADER)
	clean = newline != "\r"
	for number, (name, day, net, profit, shape) in enumerate(rows):
		row = [f"SINV-{number}", name, day, net, "0", profit]
		clean &= shape in ("row", "blank line") and net in CLEAN_AMOUNTS and profit in CLEAN_AMOUNTS
		clean &= name in NAMES and (name in ("", "Total") or day in CLEAN_DAYS)
		if shape == "blank line":
			writer.writerow(row)
			out.write(newline)
		elif shape == "short row":
			writer.writerow(row[:3])
		elif shape == "long row":
			writer.writerow([*row, "extra"])
		elif shape == "raw":
			out.write(",".join(row) + newline)
		elif shape == "blank cells":
			writer.writerow([""] * len(row))
		else:
			writer.writerow(row)
	path.write_bytes((("\ufeff" if bom else "") + out.getvalue()).encode())
	return clean


@settings(max_examples=300, deadline=None)
@given(
	any_export,
	st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
	st.sampled_from(["\r\n", "\n", "\r"]),
	st.booleans(),
)
def test_the_columnar_reading_takes_a_profit_file_only_to_read_it_as_the_careful_reading_does(
	tmp_path_factory, rows, quoting, newline, bom
):
	path = tmp_path_factory.mktemp("csv") / "profits.csv"
	clean = write_export(rows, quoting, newline, bom, path)
	try:
		careful = read_profits(str(path))
	except OrderFileError:
		careful = None
	fast = read_clean_profits(str(path))
	if fast is not None:
		assert careful is not None, "the columnar reading took a file the careful reading refuses"
		got = fast.profits()
		assert [tuple(p) for p in got] == [tuple(p) for p in careful]
		assert [(repr(p.net), repr(p.amount)) for p in got] == [
			(repr(p.net), repr(p.amount)) for p in careful
		]
	elif clean and careful is not None and rows and quoting != csv.QUOTE_NONNUMERIC:
		raise AssertionError("a clean export fell to the careful reading")
	if careful is not None:
		assert read_profit_rows(str(path)).profits() == careful


def test_the_columnar_reading_steps_aside_for_what_only_the_careful_reading_can_name(tmp_path):
	header = "Customer,Posting Date,Selling Amount,Gross Profit\n"
	for body in (
		"A,2026-01-01,1,1\nB,someday,2,1\n",
		"A,2026-01-01,nan,1\n",
		"A,2026-01-01,1,1e999\n",
		'A,2026-01-01,"1,234.50",1\n',
		"A,2026-01-01,,1\n",  # blank: the careful reading reads 0
		" A,2026-01-01,1,1\n",  # the careful reading strips the customer
		"A,2026-01-01,1\n",
	):
		path = tmp_path / "p.csv"
		path.write_text(header + body)
		assert read_clean_profits(str(path)) is None, body[:40]
	path.write_text(header + "A,2026-01-01,10,2.5\nTotal,,10,2.5\nB,2026-01-03,-4,-1\n")
	rows = read_clean_profits(str(path))
	assert rows is not None and rows.profits() == read_profits(str(path))
