"""How likely each customer is still buying, and what it will bring: the BG/NBD model for the number of purchases
(Fader, Hardie & Lee 2005) and the Gamma-Gamma model for their value (Fader, Hardie & Lee 2005b).

The formulas are the papers'. The fits are maximum likelihood with scipy (``optimize.minimize`` over the log of
each parameter, ``special.gammaln``/``betaln``/``hyp2f1`` for the terms), vectorised over customers who share
the same summary, with a weak prior worth one customer that keeps a small site's fit finite. The best-known package for these models (``lifetimes``) has had no release since 2020 and
breaks on current numpy and pandas; scipy is maintained and already does every hard part.

As the literature does, orders on the same day are one purchase, valued at the day's sum. A customer's first
purchase starts its clock: ``frequency`` counts the repeat purchases, ``recency`` is the day of the last one since
the first, ``age`` the days from the first to the day of the fit. The spend model uses the mean value of the
repeat purchases only (the first purchase is often unlike the rest). Time is in days throughout.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

MIN_REPEAT_BUYERS = 20
"""Fewer customers with a repeat purchase than this and the models are not fitted: too little to learn from."""


class TooLittleHistory(ValueError):
	"""The order history cannot support a fit; the message says why."""


@dataclass(frozen=True)
class RepeatSummary:
	"""Each customer's purchase summary in the models' terms, one row per customer."""

	customer: np.ndarray
	"""Row of each customer in the caller's list of names."""
	frequency: np.ndarray
	"""Repeat purchases (distinct purchase days after the first)."""
	recency: np.ndarray
	"""Days from the first purchase to the last."""
	age: np.ndarray
	"""Days from the first purchase to the day of the fit."""
	monetary: np.ndarray
	"""Mean value of the repeat purchases (0 without one)."""


def summarise(customer: np.ndarray, day: np.ndarray, amount: np.ndarray, as_of_day: int) -> RepeatSummary:
	"""Collapse orders (customer row, day number, amount) into one summary per buying customer. Orders after
	``as_of_day`` are ignored; same-day orders are one purchase at the day's sum."""
	keep = day <= as_of_day
	customer, day, amount = customer[keep], day[keep], amount[keep].astype(float)
	if not len(customer):
		empty = np.zeros(0)
		return RepeatSummary(np.zeros(0, dtype=np.intp), empty, empty, empty, empty)
	order = np.lexsort((day, customer))
	customer, day, amount = customer[order], day[order], amount[order]
	new_purchase = np.ones(len(day), dtype=bool)
	new_purchase[1:] = (customer[1:] != customer[:-1]) | (day[1:] != day[:-1])
	starts = np.flatnonzero(new_purchase)
	p_customer, p_day = customer[starts], day[starts]
	p_value = np.add.reduceat(amount, starts)
	first_of_customer = np.ones(len(starts), dtype=bool)
	first_of_customer[1:] = p_customer[1:] != p_customer[:-1]
	c_starts = np.flatnonzero(first_of_customer)
	purchases = np.diff(np.append(c_starts, len(starts)))
	first_day = p_day[c_starts]
	last_day = p_day[np.append(c_starts[1:], len(starts)) - 1]
	frequency = purchases - 1
	repeat_value = np.add.reduceat(p_value, c_starts) - p_value[c_starts]
	with np.errstate(invalid="ignore", divide="ignore"):
		monetary = np.where(frequency > 0, repeat_value / np.maximum(frequency, 1), 0.0)
	return RepeatSummary(
		p_customer[c_starts].astype(np.intp),
		frequency.astype(float),
		(last_day - first_day).astype(float),
		(as_of_day - first_day).astype(float),
		monetary,
	)


@dataclass(frozen=True)
class BGNBD:
	"""Purchases while alive follow a Poisson process whose rate is Gamma(r, alpha) across customers; after each
	purchase a customer drops out with a probability that is Beta(a, b) across customers. ``alpha`` in days."""

	r: float
	alpha: float
	a: float
	b: float
	log_likelihood: float

	def p_alive(self, frequency, recency, age) -> np.ndarray:
		"""Probability the customer has not dropped out by the day of the fit."""
		x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
		ratio = _log_dropout_odds(self, x, t_x, big_t)
		return np.where(x > 0, 1.0 / (1.0 + np.exp(ratio)), 1.0)

	def expected_purchases(self, horizon, frequency, recency, age) -> np.ndarray:
		"""Expected purchases in the next ``horizon`` days, given each customer's history (the paper's eq. 10)."""
		r, alpha, a, b = self.r, self.alpha, self.a, self.b
		x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
		t = float(horizon)
		from scipy.special import hyp2f1

		head = (a + b + x - 1.0) / (a - 1.0)
		z = t / (alpha + big_t + t)
		tail = 1.0 - np.exp((r + x) * np.log((alpha + big_t) / (alpha + big_t + t))) * hyp2f1(
			r + x, b + x, a + b + x - 1.0, z
		)
		alive_odds = np.where(x > 0, np.exp(_log_dropout_odds(self, x, t_x, big_t)), 0.0)
		return np.maximum(head * tail / (1.0 + alive_odds), 0.0)

	def as_dict(self) -> dict[str, float]:
		return asdict(self)


@dataclass(frozen=True)
class GammaGamma:
	"""A customer's purchase values are Gamma(p, nu) around its own mean; nu is Gamma(q, gamma) across customers."""

	p: float
	q: float
	gamma: float

	def expected_value(self, frequency, monetary) -> np.ndarray:
		"""Expected value of a customer's next purchase given its repeat purchases (the population mean without one)."""
		x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
		p, q, g = self.p, self.q, self.gamma
		return np.where(x > 0, p * (g + x * m) / (p * x + q - 1.0), p * g / (q - 1.0))

	def as_dict(self) -> dict[str, float]:
		return asdict(self)


def _log_dropout_odds(model: BGNBD, x, t_x, big_t):
	"""log( a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) ): the odds the customer has dropped out (x > 0)."""
	with np.errstate(divide="ignore", invalid="ignore"):
		return (
			np.log(model.a)
			- np.log(np.maximum(model.b + x - 1.0, 1e-300))
			+ (model.r + x) * (np.log(model.alpha + big_t) - np.log(model.alpha + t_x))
		)


def bgnbd_log_likelihood(params, x, t_x, big_t, weight) -> float:
	"""The BG/NBD log-likelihood of the summaries (each ``weight`` times), the paper's eq. 6."""
	x = np.asarray(x, dtype=float)
	counts, at = np.unique(x, return_inverse=True)
	weight = np.broadcast_to(np.asarray(weight, dtype=float), x.shape)
	t_x, big_t = np.asarray(t_x, dtype=float), np.asarray(big_t, dtype=float)
	return _bgnbd_ll_and_gradient(params, counts, at.reshape(-1), x, t_x, big_t, weight)[0]


def _bgnbd_ll_and_gradient(params, counts, at, x, t_x, big_t, weight):
	"""``bgnbd_log_likelihood`` and its gradient in the log of each parameter (the optimiser's coordinates): the derivatives
	of eq. 6, digamma terms once per distinct count. A unit test checks them against finite differences."""
	from scipy.special import betaln, digamma, gammaln

	r, alpha, a, b = params
	repeat = counts > 0
	drop_term = np.full(len(counts), -np.inf)
	drop_term[repeat] = np.log(a) - np.log(b + counts[repeat] - 1.0)
	log_alpha_t, log_alpha_tx = np.log(alpha + big_t), np.log(alpha + t_x)
	stays = -(r + x) * log_alpha_t
	with np.errstate(divide="ignore", invalid="ignore"):
		drops = drop_term[at] - (r + x) * log_alpha_tx
	both = np.logaddexp(stays, drops)
	w_stay, w_drop = np.exp(stays - both), np.exp(drops - both)  # each branch's share of the likelihood
	per_count = gammaln(r + counts) - gammaln(r) + betaln(a, b + counts) - betaln(a, b)
	ll = float(np.sum(weight * (per_count[at] + r * np.log(alpha) + both)))
	d_r_count = digamma(r + counts) - digamma(r)
	d_a_count = digamma(a + b) - digamma(a + b + counts)
	d_b_count = digamma(b + counts) - digamma(a + b + counts) - digamma(b) + digamma(a + b)
	inverse_b = np.zeros(len(counts))
	inverse_b[repeat] = 1.0 / (b + counts[repeat] - 1.0)
	d_r = d_r_count[at] + np.log(alpha) - w_stay * log_alpha_t - w_drop * log_alpha_tx
	d_alpha = r / alpha - (r + x) * (w_stay / (alpha + big_t) + w_drop / (alpha + t_x))
	d_a = d_a_count[at] + w_drop / a
	d_b = d_b_count[at] - w_drop * inverse_b[at]
	gradient = np.array([weight @ d_r * r, weight @ d_alpha * alpha, weight @ d_a * a, weight @ d_b * b])
	return ll, gradient


def fit_bgnbd(frequency, recency, age) -> BGNBD:
	"""Maximum-likelihood BG/NBD parameters. Times are scaled so the longest age is 10 while fitting (the
	optimiser then sees parameters of one size), and ``alpha`` is given back in days."""
	x, t_x, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
	if np.count_nonzero(x > 0) < MIN_REPEAT_BUYERS:
		raise TooLittleHistory(f"fewer than {MIN_REPEAT_BUYERS} customers bought twice")
	scale = max(float(big_t.max()), 1.0) / 10.0
	(x, t_x, big_t), weight = _distinct_rows(x, t_x, big_t)

	counts, at = np.unique(x, return_inverse=True)
	at = at.reshape(-1)
	scaled_t_x, scaled_t = t_x / scale, big_t / scale
	total = float(weight.sum())

	def minus_ll(log_params):
		ll, gradient = _bgnbd_ll_and_gradient(np.exp(log_params), counts, at, x, scaled_t_x, scaled_t, weight)
		return (-ll + _prior(log_params)) / total, (-gradient + _prior_gradient(log_params)) / total

	r, alpha, a, b = np.exp(_minimise(minus_ll, np.log([1.0, 1.0, 1.0, 1.0])))
	params = (float(r), float(alpha * scale), float(a), float(b))
	# The likelihood in days, as the parameters are given (a density's value depends on the unit of time).
	return BGNBD(*params, bgnbd_log_likelihood(params, x, t_x, big_t, weight))


def fit_gamma_gamma(frequency, monetary) -> GammaGamma:
	"""Maximum-likelihood Gamma-Gamma parameters over the customers with a repeat purchase of positive value."""
	x, m = np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float)
	repeat = (x > 0) & (m > 0)
	if np.count_nonzero(repeat) < MIN_REPEAT_BUYERS:
		raise TooLittleHistory(f"fewer than {MIN_REPEAT_BUYERS} customers bought twice")
	x, m = x[repeat], m[repeat]
	scale = float(np.median(m))  # values of any currency's size: gamma is fitted on values near 1
	(x, m), weight = _distinct_rows(x, m / scale)

	# What does not move with the parameters is taken once: each count's own terms and the logs of the values.
	from scipy.special import digamma, gammaln

	counts, at = np.unique(x, return_inverse=True)
	count_weight = np.bincount(at.reshape(-1), weights=weight)
	log_m = np.log(m)
	weighted_x_log_m, weighted_log_m = float(np.sum(weight * x * log_m)), float(np.sum(weight * log_m))
	x_log_x, total = counts * np.log(counts), float(weight.sum())

	def minus_ll(log_params):
		p, q, g = np.exp(log_params)
		per_count = gammaln(p * counts + q) - gammaln(p * counts) - gammaln(q) + p * x_log_x
		log_xm_g = np.log(x * m + g)
		ll = (
			float(np.dot(count_weight, per_count))
			+ q * np.log(g) * total
			+ p * weighted_x_log_m
			- weighted_log_m
			- float(np.dot(weight, (p * x + q) * log_xm_g))
		)
		# Its derivatives, in the log of each parameter.
		psi_sum, psi_px = digamma(p * counts + q), digamma(p * counts)
		d_p = (
			float(np.dot(count_weight, counts * (psi_sum - psi_px) + x_log_x))
			+ weighted_x_log_m
			- float(np.dot(weight, x * log_xm_g))
		)
		d_q = float(np.dot(count_weight, psi_sum)) - digamma(q) * total + np.log(g) * total
		d_q -= float(np.dot(weight, log_xm_g))
		d_g = q * total / g - float(np.dot(weight, (p * x + q) / (x * m + g)))
		gradient = np.array([d_p * p, d_q * q, d_g * g])
		return (-ll + _prior(log_params)) / total, (-gradient + _prior_gradient(log_params)) / total

	p, q, g = np.exp(_minimise(minus_ll, np.log([1.0, 2.0, 1.0])))
	return GammaGamma(float(p), float(q), float(g * scale))


PRIOR_WEIGHT = 1.0
"""A weak prior on the log of each (scaled) parameter, worth about one customer: with a few dozen customers the
likelihood can be flattest towards infinity (every customer buying at the same pace makes the Gamma's shape
unbounded), and this keeps the fit finite; with thousands it moves nothing (the recovery test)."""


def _prior(log_params) -> float:
	return PRIOR_WEIGHT * float(np.sum(np.square(log_params)))


def _prior_gradient(log_params) -> np.ndarray:
	return 2.0 * PRIOR_WEIGHT * np.asarray(log_params)


def _distinct_rows(*columns):
	"""The distinct rows of the columns, with how often each occurs: customers with the same summary are one term."""
	stacked = np.column_stack(columns)
	rows, weight = np.unique(stacked, axis=0, return_counts=True)
	return tuple(rows.T), weight.astype(float)


LOG_BOUND = 12.0
"""Each parameter is fitted between e^-12 and e^12 (on the scaled data): a fit that ends on that bound found no
maximum inside it, as when every customer buys like clockwork or the history is too short."""


def _minimise(function, start):
	from scipy.optimize import minimize

	bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
	best = minimize(
		function,
		start,
		jac=True,  # the function gives its gradient too
		method="L-BFGS-B",
		bounds=bounds,
		options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 500},
	)
	if not np.all(np.isfinite(best.x)) or not math.isfinite(best.fun):
		raise TooLittleHistory("the purchase history gives no stable fit")
	if np.any(np.abs(best.x) > LOG_BOUND - 0.5):
		raise TooLittleHistory("the purchase history gives no stable fit (too short, or too regular)")
	return best.x


@dataclass(frozen=True)
class Prediction:
	"""The fitted models and each customer's predictions over the horizon (rows as in the summary)."""

	bgnbd: BGNBD
	gamma_gamma: GammaGamma
	horizon_days: int
	summary: RepeatSummary
	p_alive: np.ndarray
	expected_orders: np.ndarray
	expected_value: np.ndarray


def predict(summary: RepeatSummary, horizon_days: int) -> Prediction:
	"""Fit both models on the summaries and predict every customer's P(alive), expected purchases and expected
	value (purchases times the expected value of each, not discounted) over the next ``horizon_days``."""
	bgnbd = fit_bgnbd(summary.frequency, summary.recency, summary.age)
	gamma_gamma = fit_gamma_gamma(summary.frequency, summary.monetary)
	if gamma_gamma.q <= 1.0:  # the spend of a customer without a repeat purchase would have no finite mean
		raise TooLittleHistory("the repeat purchases' values give no finite mean spend")
	orders = bgnbd.expected_purchases(horizon_days, summary.frequency, summary.recency, summary.age)
	each = gamma_gamma.expected_value(summary.frequency, summary.monetary)
	if not (np.all(np.isfinite(orders)) and np.all(np.isfinite(each))):
		raise TooLittleHistory("the purchase history gives no finite expectation")
	return Prediction(
		bgnbd,
		gamma_gamma,
		horizon_days,
		summary,
		bgnbd.p_alive(summary.frequency, summary.recency, summary.age),
		orders,
		orders * each,
	)


def simulate(
	model: BGNBD,
	spend: GammaGamma,
	customers: int,
	days: int,
	rng: np.random.Generator,
	holdout_days: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
	"""Orders (customer row, day, amount) drawn from the two processes: each customer's first purchase on a day
	spread over the first half of ``days``, then purchases while alive until ``days + holdout_days``. What the
	fits are checked against (they must find the parameters back)."""
	rate = rng.gamma(model.r, 1.0 / model.alpha, customers)
	dropout = rng.beta(model.a, model.b, customers)
	nu = rng.gamma(spend.q, 1.0 / spend.gamma, customers)
	birth = rng.uniform(0, days / 2, customers)
	end = float(days + holdout_days)
	rows, times = [np.arange(customers)], [birth]
	now, alive = birth.copy(), np.arange(customers)
	while len(alive):
		now[alive] += rng.exponential(1.0 / rate[alive])
		alive = alive[now[alive] < end]
		rows.append(alive.copy())
		times.append(now[alive].copy())
		alive = alive[rng.random(len(alive)) >= dropout[alive]]
	customer = np.concatenate(rows)
	day = np.floor(np.concatenate(times)).astype(np.int64)
	amount = rng.gamma(spend.p, 1.0 / nu[customer])
	return customer, day, amount
