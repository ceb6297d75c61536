"""The translation catalogues stay well formed: each message an msgid followed by its msgstr, none twice, and every
message of the template translated into Persian (a catalogue the reader of reasons cannot parse breaks every
reason shown, so this is checked before any site is)."""

from collections import Counter
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "customer_priority" / "locale"


def entries(path: Path) -> list[tuple[str, str | None]]:
	"""(msgid, msgstr) pairs as written; msgstr None when an msgid is not followed by one."""
	lines = path.read_text(encoding="utf-8").splitlines()
	found, i = [], 0
	while i < len(lines):
		if lines[i].startswith("msgid "):
			msgid, i = lines[i][6:], i + 1
			while i < len(lines) and lines[i].startswith('"'):
				msgid, i = msgid + lines[i], i + 1
			msgstr = None
			if i < len(lines) and lines[i].startswith("msgstr "):
				msgstr, i = lines[i][7:], i + 1
				while i < len(lines) and lines[i].startswith('"'):
					msgstr, i = msgstr + lines[i], i + 1
			found.append((msgid, msgstr))
			continue
		assert not lines[i].startswith("msgstr"), f"{path.name}:{i + 1}: msgstr without msgid"
		i += 1
	return found


def test_every_message_has_its_string_and_appears_once():
	for path in (LOCALE / "main.pot", LOCALE / "fa.po"):
		pairs = entries(path)
		assert pairs
		assert [m for m, s in pairs if s is None] == [], path.name
		twice = [m for m, n in Counter(m for m, _s in pairs).items() if n > 1]
		assert twice == [], path.name


def test_every_template_message_is_translated_into_persian():
	persian = {m: s for m, s in entries(LOCALE / "fa.po")}
	missing = [m for m, _s in entries(LOCALE / "main.pot") if m != '""' and persian.get(m) in (None, '""')]
	assert missing == []
