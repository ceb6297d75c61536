"""The recompute's first pass: what deciding any customer needs of the whole population, read one part of the
customers at a time.

The customers are taken in name order, ``PART`` at a time. Of each part only its totals are kept, as numbers:
one GROUP BY over its orders' buying days (totals, Reborn days and the purchase summary from the same rows), its
gross profit (grouped again only where invoices moved), and whether it is internal. Once every part is read, the population-wide figures are taken from those
numbers alone: the ranking (rank, percentile, shares, ABC class), the RFM quintile cut-offs, the ranking totals,
and the purchase models fitted on every summary. A million customers hold some 140 bytes each here; their stored
rows, reasons and logs are read and written later, one part at a time (``decide.decide_part``).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date

import numpy as np

import frappe
from frappe.utils import cint

from customer_priority.data import purchases
from customer_priority.engine.bulk import Ranking, rank_population
from customer_priority.engine.clv import summarise
from customer_priority.engine.ranking import RfmCutoffs
from customer_priority.standing.predictions import Predicted, join_summaries, predict_from, summarise_part
from customer_priority.standing.stored import forget_column_kinds, read_stored
from customer_priority.standing.totals import (
	TOTALS_READ,
	ProfitPlan,
	fresh_totals,
	profit_plan,
	totals_population,
)
from customer_priority.utils.replica import reads_on_replica

PART = 10_000
"""Customers in one part: what one step of the recompute holds in memory, and one job of a fanned-out one."""

TOTALS = (
	"lifetime",
	"count",
	"window",
	"window_count",
	"first",
	"last",
	"reborn",
	"lifetime_profit",
	"window_profit",
	"window_invoiced",
)


@dataclass
class Part:
	"""One part of the customers, with everything the population-wide pass found for it: its customers' names (in
	name order), their fresh totals and predictions, their places in the ranking and the cut-offs."""

	number: int
	names: list[str]
	totals: dict[str, np.ndarray]
	internal: np.ndarray
	predicted: Predicted
	ranking: Ranking

	@property
	def span(self) -> tuple[str, str]:
		return (self.names[0], self.names[-1])

	def rows(self, rows) -> Part:
		"""The same part narrowed to the given rows (the customers still there when it is decided)."""
		return Part(
			self.number,
			[self.names[r] for r in rows],
			{column: values[rows] for column, values in self.totals.items()},
			self.internal[rows],
			self.predicted.part(rows),
			Ranking(
				self.ranking.rank[rows],
				self.ranking.percentile[rows],
				self.ranking.share[rows],
				self.ranking.cumulative_share[rows],
				self.ranking.abc[rows],
				self.ranking.cutoffs,
				self.ranking.count,
			),
		)

	def to_bytes(self) -> bytes:
		"""The part as one compressed blob, for a job on another process or host (``from_bytes``)."""
		arrays = {f"totals_{column}": values for column, values in self.totals.items()}
		arrays.update(
			names=np.array([name.encode() for name in self.names]),
			internal=self.internal,
			p_alive=self.predicted.p_alive,
			expected_orders=self.predicted.expected_orders,
			expected_value=self.predicted.expected_value,
			rank=self.ranking.rank,
			percentile=self.ranking.percentile,
			share=self.ranking.share,
			cumulative_share=self.ranking.cumulative_share,
			abc=self.ranking.abc.astype("S1"),
		)
		meta = {
			"number": self.number,
			"state": self.predicted.state,
			"cutoffs": self.ranking.cutoffs.to_dict(),
			"count": self.ranking.count,
		}
		arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
		out = io.BytesIO()
		np.savez_compressed(out, **arrays)
		return out.getvalue()

	@classmethod
	def from_bytes(cls, blob: bytes) -> Part:
		data = np.load(io.BytesIO(blob), allow_pickle=False)
		meta = json.loads(data["meta"].tobytes().decode())
		return cls(
			meta["number"],
			[name.decode() for name in data["names"].tolist()],
			{column: data[f"totals_{column}"] for column in TOTALS},
			data["internal"],
			Predicted(data["p_alive"], data["expected_orders"], data["expected_value"], meta["state"]),
			Ranking(
				data["rank"],
				data["percentile"],
				data["share"],
				data["cumulative_share"],
				data["abc"].astype(str).astype(object),
				RfmCutoffs.from_dict(meta["cutoffs"]),
				meta["count"],
			),
		)


@dataclass
class Figures:
	"""The population-wide pass over every customer (``take_figures``)."""

	names: np.ndarray
	"""Every customer's name as UTF-8 bytes, in name order."""
	starts: list[int]
	"""Where each part starts among the names (and, last, their count)."""
	totals: dict[str, np.ndarray]
	internal: np.ndarray
	predicted: Predicted
	ranking: Ranking
	plan: ProfitPlan
	record: dict[str, str]
	"""The RFM cut-offs and ranking totals, for Settings once every customer is written."""

	@property
	def parts(self) -> int:
		return len(self.starts) - 1

	@property
	def customers(self) -> int:
		return len(self.names)

	@property
	def with_orders(self) -> int:
		return int((self.totals["count"] > 0).sum())

	def part(self, number: int) -> Part:
		start, end = self.starts[number], self.starts[number + 1]
		return Part(
			number,
			[name.decode() for name in self.names[start:end].tolist()],
			{column: values[start:end] for column, values in self.totals.items()},
			self.internal[start:end],
			self.predicted.part(slice(start, end)),
			self.ranking.part(start, end),
		)


def take_figures(as_of: date, settings, regroup_all: bool = False, size: int | None = None) -> Figures:
	"""Every customer's totals, one part of ``size`` customers at a time, and the population-wide figures: all
	reads, on the site's read replica when it has one (caught up with the primary first; what moves after is
	what the finishing pass puts right, as on the primary)."""
	with reads_on_replica():
		return read_figures(as_of, settings, regroup_all, size)


def read_figures(as_of: date, settings, regroup_all: bool, size: int | None) -> Figures:
	size = size or PART
	forget_column_kinds()  # the columns as they are now, read once for the run
	expected = frappe.db.count("Customer")
	plan = profit_plan(expected, as_of, settings, regroup_all)
	counted = plan.counted
	# The columns are made once, for as many customers as there are, and each part fills its rows.
	width = cint(frappe.db.sql("select max(length(name)) from `tabCustomer`")[0][0]) or 1
	columns = Columns(expected, width)
	summaries, starts, after = [], [0], None
	while True:
		stored = read_stored(TOTALS_READ, after=after, limit=size)
		names = stored["name"]
		if not names:
			break
		span = (names[0], names[-1])
		history = purchases.histories(counted, plan.window, span)  # the part's orders, read once
		totals = fresh_totals(stored, as_of, settings, plan, span, counted, history)
		internal = [bool(cint(v)) for v in stored["is_internal_customer"]]
		columns.fill(starts[-1], names, totals, internal)
		summaries.append(summarise_part(names, starts[-1], as_of, history))
		starts.append(starts[-1] + len(names))
		after = names[-1]
		del stored, totals, history
		if len(names) < size:
			break
	n = starts[-1]
	joined, names, internal = columns.cut(n)
	if not summaries:  # no customer: nothing to fit on, as the models say
		summaries = [summarise(np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(0), as_of.toordinal())]
	summary = join_summaries(summaries)
	summaries.clear()
	predicted = predict_from(summary, n, as_of, settings)
	del summary
	pop = totals_population(
		names,
		joined,
		internal,
		previous_level=[],
		potential=np.zeros(0),
		marked_key=np.zeros(0, dtype=bool),
		at_risk=np.zeros(0, dtype=bool),
		p_alive=np.zeros(0),
		expected_value=np.zeros(0),
	)
	ranking = rank_population(pop, as_of, settings)
	ranked_by = joined["window_profit"] if settings.rank_by == "Gross Profit" else joined["window"]
	bought = (ranking.rank > 0) & (ranked_by > 0)
	ranking_totals = {
		"total": float(ranked_by[bought].sum()),
		"count": int(bought.sum()),
		"class_a": int((bought & (ranking.abc == "A")).sum()),
	}
	record = {
		"rfm_cutoffs": json.dumps(ranking.cutoffs.to_dict()),
		"ranking_totals": json.dumps(ranking_totals),
	}
	return Figures(names, starts, joined, internal, predicted, ranking, plan, record)


class Columns:
	"""Every customer's totals as columns, filled a part at a time (grown if customers are added meanwhile)."""

	def __init__(self, rows: int, width: int):
		self.names = np.zeros(rows, dtype=f"S{width}")
		self.internal = np.zeros(rows, dtype=bool)
		self.totals = {
			column: np.zeros(rows, dtype=np.int32 if column in INTEGERS else float) for column in TOTALS
		}

	def fill(self, start: int, names: list[str], totals: dict, internal: list[bool]) -> None:
		end = start + len(names)
		encoded = np.array([name.encode() for name in names])
		if end > len(self.names) or encoded.dtype.itemsize > self.names.dtype.itemsize:
			self.grow(end, max(encoded.dtype.itemsize, self.names.dtype.itemsize))
		self.names[start:end] = encoded
		self.internal[start:end] = internal
		for column in TOTALS:
			self.totals[column][start:end] = totals[column]

	def grow(self, rows: int, width: int) -> None:
		rows = max(rows, len(self.names))
		names = np.zeros(rows, dtype=f"S{width}")
		names[: len(self.names)] = self.names
		self.names = names
		self.internal = np.concatenate([self.internal, np.zeros(rows - len(self.internal), dtype=bool)])
		for column, values in self.totals.items():
			self.totals[column] = np.concatenate([values, np.zeros(rows - len(values), dtype=values.dtype)])

	def cut(self, rows: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
		"""The columns of the first ``rows`` customers (fewer than counted when some were removed meanwhile)."""
		return (
			{column: values[:rows] for column, values in self.totals.items()},
			self.names[:rows],
			self.internal[:rows],
		)


INTEGERS = ("count", "window_count", "first", "last", "reborn")
"""Counts and days (ordinals, some 740,000 today) held in 32 bits: a million customers' five columns in 20 MB
instead of 40."""
