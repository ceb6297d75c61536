"""Every customer's predicted purchases (``engine.clv``), fitted on the whole order history within the recompute:
how likely it is still buying, and the orders and value expected over the horizon in Settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from frappe import _

from customer_priority.data import purchases
from customer_priority.engine.clv import RepeatSummary, TooLittleHistory, predict, summarise


@dataclass
class Predicted:
	"""One value per customer (aligned with the recompute's names); NaN where nothing was predicted."""

	p_alive: np.ndarray
	expected_orders: np.ndarray
	expected_value: np.ndarray
	state: str
	"""What the fit found, or why there is no fit, for the Settings page."""

	def part(self, rows) -> Predicted:
		return Predicted(
			self.p_alive[rows], self.expected_orders[rows], self.expected_value[rows], self.state
		)


def predict_customers(names: list[str], as_of: date, settings) -> Predicted:
	return predict_from(summarise_part(names, 0, as_of), len(names), as_of, settings)


def summarise_part(
	names: list[str],
	offset: int,
	as_of: date,
	history: purchases.Histories | None = None,
	counted: purchases.Purchases | None = None,
) -> RepeatSummary:
	"""The purchase summaries (``clv.summarise``) of the customers ``names``, each customer's row being ``offset``
	plus its place in ``names``: the parts of a population, summarised one after the other and joined
	(``join_summaries``), give the population's summary. ``history``: their buying days when already read
	(``purchases.histories``); a customer in it but not in ``names`` is left out."""
	if history is None:
		history = purchases.histories_of(counted or purchases.current(), (as_of, as_of), names)
	row_of = {name: offset + row for row, name in enumerate(names)}
	known = np.array([row_of.get(name, -1) for name in history.customers], dtype=np.intp)
	owner_row = known[history.owners()] if len(history.days) else np.zeros(0, dtype=np.intp)
	keep = owner_row >= 0
	return summarise(owner_row[keep], history.days[keep], history.values[keep], as_of.toordinal())


def join_summaries(parts: list[RepeatSummary]) -> RepeatSummary:
	if len(parts) == 1:
		return parts[0]
	return RepeatSummary(
		*(np.concatenate([getattr(part, field.name) for part in parts]) for field in fields(RepeatSummary))
	)


def predict_from(summary: RepeatSummary, n: int, as_of: date, settings) -> Predicted:
	"""The models fitted on every customer's summary and each of the ``n`` customers' predictions."""
	# Nothing predicted (NaN) until the fit says otherwise.
	out = Predicted(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan), "")
	try:
		prediction = predict(summary, settings.prediction_horizon_days)
	except TooLittleHistory as exc:
		out.state = _("Not fitted on {0}: {1}").format(as_of, _(str(exc)))
		return out
	rows = summary.customer
	out.p_alive[rows] = prediction.p_alive
	out.expected_orders[rows] = prediction.expected_orders
	out.expected_value[rows] = prediction.expected_value
	bg, gg = prediction.bgnbd, prediction.gamma_gamma
	out.state = _(
		"Fitted on {0}: {1} customers, {2} of them bought again. BG/NBD r={3:.4g}, alpha={4:.4g} days, "
		"a={5:.4g}, b={6:.4g}; Gamma-Gamma p={7:.4g}, q={8:.4g}, gamma={9:.4g}. Over the next {10} days: "
		"{11:,.0f} orders and {12:,.2f} expected."
	).format(
		as_of,
		len(rows),
		int(np.count_nonzero(summary.frequency > 0)),
		bg.r,
		bg.alpha,
		bg.a,
		bg.b,
		gg.p,
		gg.q,
		gg.gamma,
		settings.prediction_horizon_days,
		float(prediction.expected_orders.sum()),
		float(prediction.expected_value.sum()),
	)
	return out
