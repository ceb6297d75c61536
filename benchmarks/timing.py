"""Timing without a site: shared by every benchmark script (those on a site and those without one)."""

import time
from pathlib import Path


def best(fn, rounds: int = 3) -> float:
	"""The shortest of ``rounds`` timings of ``fn()``, in seconds: a busy neighbour does not decide it."""
	times = []
	for _ in range(rounds):
		started = time.perf_counter()
		fn()
		times.append(time.perf_counter() - started)
	return min(times)


def write_section(path: Path, title: str, lines: list[str]) -> None:
	"""Put a "## title" section into a results file, replacing the one already there."""
	text = path.read_text() if path.exists() else "# Benchmark results\n"
	head, marker, rest = text.partition(f"\n## {title}\n")
	tail = rest[rest.index("\n## ") :] if marker and "\n## " in rest else ""
	path.write_text(head.rstrip("\n") + f"\n\n## {title}\n\n" + "\n".join(lines).strip("\n") + "\n" + tail)
