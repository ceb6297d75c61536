"""What reading a request costs against parsing the message alone, and how well the shipped phrases read.

    python benchmarks/reading.py [MESSAGES] [ROUNDS] [--write]      (default 10,000 messages, 3 rounds)

MESSAGES raw RFC 822 messages are made from the labelled requests of the tests (tests/data), half plain text with
a quoted earlier reply and a signature, half HTML with a quoted block; a tenth carry a long forwarded chain.
Timed in turns, best of ROUNDS:
  - parse alone: Python's email parser (``message_from_bytes`` and the body's text), what any mail pull does;
  - parse + read: the same and ``engine.reading.read_request`` (HTML to text, own words, type, urgency).
Precision and recall of the request type are counted on the labelled set itself, per language.
With --write the figures go into benchmarks/RESULTS.md (section "Reading requests").
"""

from __future__ import annotations

import csv
import platform
import sys
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best, write_section  # noqa: E402
from customer_priority.engine.reading import read_request  # noqa: E402
from customer_priority.engine.settings import Settings  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "labelled_requests.tsv"
CHAIN = "\n".join(f"> > line {i} of an old thread about invoices and deliveries" for i in range(400))


def labelled() -> list[tuple[str | None, str]]:
	rows = csv.DictReader(LABELLED.open(encoding="utf-8"), delimiter="\t")
	return [(None if r["label"] == "None" else r["label"], r["text"]) for r in rows]


def messages(count: int) -> list[bytes]:
	texts = [text for _label, text in labelled()]
	out = []
	for i in range(count):
		text = texts[i % len(texts)]
		message = EmailMessage()
		message["From"], message["To"], message["Subject"] = (
			f"buyer{i}@firm{i % 97}.example",
			"sales@x.example",
			"Re: your offer",
		)
		message["Message-ID"] = f"<m{i}@firm.example>"
		quoted = f"On Mon, 1 Dec 2026, Sales <sales@x.example> wrote:\n> our price list is attached, urgent\n{CHAIN if i % 10 == 0 else ''}"
		if i % 2:
			message.set_content(f"{text}\n\nBest regards,\nBuyer {i}\n\n{quoted}")
		else:
			message.set_content(
				f"<html><body><p>{text}</p><p>Regards</p><blockquote>{quoted}</blockquote></body></html>",
				subtype="html",
			)
		out.append(bytes(message))
	return out


def parse(raw: bytes) -> tuple[str, str]:
	message = message_from_bytes(raw, policy=policy.default)
	body = message.get_body(preferencelist=("plain", "html"))
	return message["Subject"] or "", body.get_content() if body else ""


def precision_recall(rows, phrases) -> tuple[float, float, int]:
	hits = predicted = expected = 0
	for label, text in rows:
		found = read_request("", text, phrases).request_type
		hits += bool(found) and found == label
		predicted += bool(found)
		expected += bool(label)
	return hits / predicted, hits / expected, len(rows)


def main(argv: list[str]) -> None:
	args = [a for a in argv if not a.startswith("--")]
	count = int(args[0]) if args else 10_000
	rounds = int(args[1]) if len(args) > 1 else 3
	phrases = Settings().phrases()
	raws = messages(count)
	parsed = [parse(raw) for raw in raws]
	read_request(*parsed[0], phrases)  # imports and compiled phrases, once

	def parse_only():
		for raw in raws:
			parse(raw)

	def parse_and_read():
		for raw in raws:
			read_request(*parse(raw), phrases)

	alone, both = 0.0, 0.0
	for _ in range(rounds):  # in turns, so a busy neighbour weighs on both
		alone = min(alone or float("inf"), best(parse_only, 1))
		both = min(both or float("inf"), best(parse_and_read, 1))
	rows = labelled()
	persian = [r for r in rows if any("\u0600" <= ch <= "\u06ff" for ch in r[1])]
	english = [r for r in rows if r not in persian]
	lines = [
		f"Command: `python benchmarks/reading.py {count} {rounds} --write` ({platform.machine()}, Python "
		f"{platform.python_version()}; best of {rounds}, in turns).",
		"",
		"| what | baseline, same run | with reading | ratio |",
		"|---|---|---|---|",
		f"| {count:,} raw messages (half HTML, quoted replies, a tenth with a 400-line chain) | parse alone "
		f"{alone:.2f} s ({1e6 * alone / count:.0f} µs a message) | parse + read {both:.2f} s "
		f"({1e6 * both / count:.0f} µs a message) | {both / alone:.1f}× |",
		"",
		"| labelled requests (tests/data) | messages | precision of the type | recall of the type |",
		"|---|---|---|---|",
	]
	for name, part in (("English", english), ("Persian", persian), ("both", rows)):
		precision, recall, n = precision_recall(part, phrases)
		lines.append(f"| {name} | {n} | {precision:.2f} | {recall:.2f} |")
	print("\n".join(lines))
	if "--write" in argv:
		write_section(Path(__file__).resolve().parent / "RESULTS.md", "Reading requests", lines)


if __name__ == "__main__":
	main(sys.argv[1:])
