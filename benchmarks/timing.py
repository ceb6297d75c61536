"""Timing without a site: shared by every benchmark script (those on a site and those without one)."""

import time


def best(fn, rounds: int = 3) -> float:
	"""The shortest of ``rounds`` timings of ``fn()``, in seconds: a busy neighbour does not decide it."""
	times = []
	for _ in range(rounds):
		started = time.perf_counter()
		fn()
		times.append(time.perf_counter() - started)
	return min(times)
