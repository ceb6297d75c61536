"""How customers would move between two standings: per dimension (tier, level, ABC class, key account, lifecycle,
relationship level), a table of (from, to, how many), and which customers moved at all.

The Settings preview (what saving the edited settings would change) and ``customer-priority compare`` (two
settings files on one export) both ask this module, so what counts as a move lives in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .bulk import Decided
from .i18n import _

DIMENSIONS = ("tier", "level", "abc", "key_account", "lifecycle", "relationship")
LABELS = {
	"tier": _("Tier"),
	"level": _("Level"),
	"abc": _("ABC Class"),
	"key_account": _("Key Account"),
	"lifecycle": _("Lifecycle"),
	"relationship": _("Relationship Level"),
}
KEY, NOT_KEY = "1", "0"
"""A key account's flag as a value of the ``key_account`` dimension."""


def standing_columns(
	decided: Decided, override_tier: Sequence[str | None] | None = None
) -> dict[str, np.ndarray]:
	"""What a run stores in each dimension for each customer, as strings (as the recompute's ``new_values`` does):
	the tier set by hand where ``override_tier`` holds one, else the rules' tier; no ABC class for a customer not
	ranked (internal); the key-account flag as ``KEY`` / ``NOT_KEY``."""
	tier = decided.tier.astype(object)
	if override_tier is not None:
		override = np.array([t or "" for t in override_tier], dtype=object)
		tier = np.where(override != "", override, tier)
	return {
		"tier": tier,
		"level": np.asarray(decided.level, dtype=object),
		"abc": np.where(decided.rank > 0, decided.abc, "").astype(object),
		"key_account": np.where(decided.is_key, KEY, NOT_KEY).astype(object),
		"lifecycle": np.asarray(decided.lifecycle, dtype=object),
		"relationship": np.asarray(decided.relationship_level, dtype=object),
	}


@dataclass
class Moves:
	"""Who moves between two standings of the same customers (rows aligned)."""

	table: dict[str, list[tuple[str, str, int]]]
	"""Per dimension, each (from, to, count) that happens, the most frequent first (then by from, to)."""
	moved: dict[str, np.ndarray]
	"""Per dimension, whether each row moves in it."""
	values: dict[str, tuple[np.ndarray, np.ndarray]]
	"""Per dimension, (before, after) of each row, None as ""."""

	@property
	def any_moved(self) -> np.ndarray:
		"""Whether each row moves in any dimension."""
		masks = list(self.moved.values())
		return np.logical_or.reduce(masks) if masks else np.zeros(0, dtype=bool)

	def count(self, dimension: str) -> int:
		return int(np.count_nonzero(self.moved[dimension]))

	def sample(self, size: int) -> np.ndarray:
		"""Up to ``size`` rows that move, in turns over the kinds of move (a tier move first, each (from, to) of
		each dimension in the table's order), so a small sample shows every kind of move there is; in row order
		within a kind."""
		if size <= 0:
			return np.zeros(0, dtype=np.intp)
		queues = []
		for dimension in DIMENSIONS:
			if dimension not in self.table:
				continue
			before, after = self.values[dimension]
			for old, new, _count in self.table[dimension]:
				queues.append(
					np.flatnonzero(self.moved[dimension] & (before == old) & (after == new)).tolist()
				)
		chosen: dict[int, None] = {}
		depth = 0
		while len(chosen) < size and any(depth < len(q) for q in queues):
			for queue in queues:
				if depth < len(queue) and len(chosen) < size:
					chosen.setdefault(queue[depth])
			depth += 1
		return np.array(list(chosen), dtype=np.intp)


def transitions(before: Mapping[str, Sequence], after: Mapping[str, Sequence]) -> Moves:
	"""The moves from ``before`` to ``after``: two mappings of dimension to one value per row (None counts as ""),
	over the dimensions both hold."""
	table, moved, values = {}, {}, {}
	for dimension in DIMENSIONS:
		if dimension not in before or dimension not in after:
			continue
		old, new = _labels(before[dimension]), _labels(after[dimension])
		if len(old) != len(new):
			raise ValueError(f"{dimension}: {len(old)} rows before, {len(new)} after")
		mask = old != new
		froms, old_at = np.unique(old[mask].astype(str), return_inverse=True)
		tos, new_at = np.unique(new[mask].astype(str), return_inverse=True)
		pairs, counts = np.unique(old_at.reshape(-1) * len(tos) + new_at.reshape(-1), return_counts=True)
		table[dimension] = sorted(
			(
				(str(froms[p // len(tos)]), str(tos[p % len(tos)]), int(n))
				for p, n in zip(pairs, counts, strict=True)
			),
			key=lambda row: (-row[2], row[0], row[1]),
		)
		moved[dimension] = mask
		values[dimension] = (old, new)
	return Moves(table, moved, values)


def _labels(values: Sequence) -> np.ndarray:
	"""A column of labels as an object array, None as ""."""
	labels = np.array(values, dtype=object)
	missing = np.equal(labels, None)
	if missing.any():
		labels[missing] = ""
	return labels
