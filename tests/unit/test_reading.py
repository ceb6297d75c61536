"""Reading a request's words: its type and urgency by whole-word phrases in English and Persian, the writer's own
words only (no quoted reply, no signature), HTML reduced to text, and who writes (domain, number)."""

import csv
import importlib.util
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customer_priority.engine.reading import (
	email_address,
	email_domain,
	normalise,
	phone_digits,
	plain_text,
	read_request,
	website_domain,
)
from customer_priority.engine.settings import REQUEST_TYPES, Settings, SettingsError

PHRASES = Settings().phrases()


@pytest.mark.parametrize(
	("subject", "body", "request_type", "urgent"),
	[
		("Hello", "Please send your price list.", "Price List", False),
		("URGENT", "Our line is down since this morning, please help", "Urgent Problem", True),
		("", "Could you send a quotation for 500 units?", "Quotation", False),
		("درخواست", "لطفا ليست قيمت محصولات را بفرستيد", "Price List", False),  # Arabic yeh, no ZWNJ
		("", "خط تولید خوابیده، فوری رسیدگی کنید", "Urgent Problem", True),
		("پیش‌فاکتور", "لطفاً پیش فاکتور ۵۰۰ عدد را ارسال کنید", "Quotation", False),
		("Re: hi", "Thanks, nothing for now.", None, False),
		("", "Our quotes are fine, the orderly process works", None, False),  # whole words only
	],
)
def test_what_a_request_asks_is_read_in_both_languages(subject, body, request_type, urgent):
	reading = read_request(subject, body, PHRASES)
	assert (reading.request_type, reading.urgent) == (request_type, urgent)
	if request_type:
		assert normalise(reading.type_phrase) in normalise(f"{subject} {body}")


def test_the_subject_is_read_before_the_body():
	assert (
		read_request("Complaint about order 17", "we also want a catalogue", PHRASES).request_type
		== "Complaint"
	)


def test_a_quoted_reply_and_a_signature_are_not_read():
	body = (
		"Please send a sample.\n\nBest regards,\nSara\n\n"
		"On Mon, 1 Dec 2026 at 10:00, Sales <sales@acme.example> wrote:\n> Our price list is attached, urgent\n"
	)
	reading = read_request("", body, PHRASES)
	assert reading.request_type == "Sample" and not reading.urgent
	persian = "نمونه بفرستید\n\nدر تاریخ ۱۴۰۵/۰۹/۱۳ فروش نوشت:\n> لیست قیمت فوری"
	assert read_request("", persian, PHRASES) == read_request("", "نمونه بفرستید", PHRASES)


def test_html_is_read_as_text_without_its_quoted_blocks_and_scripts():
	html = (
		"<html><head><style>.x{}</style></head><body><p>Please send your <b>price list</b></p>"
		"<blockquote>urgent complaint</blockquote><script>urgent()</script></body></html>"
	)
	assert "price list" in plain_text(html) and "urgent" not in plain_text(html)
	reading = read_request("", html, PHRASES)
	assert (reading.request_type, reading.urgent) == ("Price List", False)


def test_an_empty_a_huge_and_a_mixed_body_are_read_without_error():
	assert read_request(None, None, PHRASES).request_type is None
	assert read_request("", "<html></html>", PHRASES).request_type is None
	huge = "Please send a catalogue. " + "filler words " * 200_000  # 2.6 MB
	started = time.perf_counter()
	assert read_request("", huge, PHRASES).request_type == "Catalogue"
	assert time.perf_counter() - started < 5, "a 2 MB body is cut, not read whole"
	mixed = "Hi, لطفا کاتالوگ and a quotation"
	assert read_request("", mixed, PHRASES).request_type == "Catalogue"


@given(st.text(max_size=300), st.text(max_size=2000))
def test_any_text_is_read_without_error(subject, body):
	reading = read_request(subject, body, PHRASES)
	assert reading.request_type in (None, *REQUEST_TYPES)


def test_persian_letters_digits_and_zwnj_are_unified():
	assert normalise("ليست‌قيمت ۱۲۳ ٤٥") == normalise("لیست قیمت 123 45") == "لیست قیمت 123 45"
	assert normalise("كاتالوگ") == "کاتالوگ"


def test_who_writes_their_domain_not_a_public_one():
	public = Settings().public_email_domains
	assert email_address("Sara Ahmadi <Sara@Acme.Example>") == "sara@acme.example"
	assert email_domain("Sara <sara@acme.example>", public) == "acme.example"
	assert email_domain("someone@gmail.com", public) is None
	assert email_domain("no address here", public) is None
	assert website_domain("https://www.Acme.example/about") == "acme.example"
	assert website_domain("acme") is None


@pytest.mark.parametrize("number", ["+98 912 345 6789", "0912-345-6789", "۰۹۱۲۳۴۵۶۷۸۹", "(0912) 345 67 89"])
def test_a_phone_number_in_any_format_reads_the_same(number):
	assert phone_digits(number) == phone_digits("+989123456789") == "123456789"
	assert phone_digits("12-34") is None, "too short to tell anyone apart"


def test_phrase_lists_must_name_real_request_types():
	with pytest.raises(SettingsError):
		Settings(request_type_phrases="Pizza: pepperoni").validate()
	with pytest.raises(SettingsError):
		Settings(request_type_phrases="nothing to see").validate()
	assert Settings(request_type_phrases="Sample: swatch, نمونه").validate().phrases().types == (
		("Sample", ("swatch", "نمونه")),
	)


def labelled() -> list[tuple[str | None, str]]:
	path = Path(__file__).parents[1] / "data" / "labelled_requests.tsv"
	rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))
	return [(None if r["label"] == "None" else r["label"], r["text"]) for r in rows]


def test_the_shipped_phrases_read_the_labelled_requests_in_both_languages():
	"""206 requests written in English and Persian, labelled by hand with their type (or none)."""
	rows = labelled()
	persian = [row for row in rows if any("\u0600" <= ch <= "\u06ff" for ch in row[1])]
	english = [row for row in rows if row not in persian]
	assert len(rows) >= 200 and len(persian) >= 100 and len(english) >= 100
	for language in (english, persian):
		precision, recall, _count = reading_benchmark().precision_recall(language, PHRASES)
		assert precision >= 0.95 and recall >= 0.85, (precision, recall)


def reading_benchmark():
	"""benchmarks/reading.py, whose precision and recall the test asserts and whose run it smoke-tests."""
	spec = importlib.util.spec_from_file_location(
		"reading_bench", Path(__file__).parents[2] / "benchmarks" / "reading.py"
	)
	bench = importlib.util.module_from_spec(spec)
	spec.loader.exec_module(bench)
	return bench


def test_the_reading_benchmark_runs_on_a_few_messages(capsys):
	reading_benchmark().main(["40", "1"])
	out = capsys.readouterr().out
	assert "40 raw messages" in out and "| both | 206 |" in out
