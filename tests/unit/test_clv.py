"""The purchase models: BG/NBD and Gamma-Gamma, their summaries, fits and the CLI's ``predict``."""

import csv
import json
import math
from datetime import date

import numpy as np
import pytest

from customer_priority import cli
from customer_priority.engine.clv import (
	BGNBD,
	GammaGamma,
	TooLittleHistory,
	bgnbd_log_likelihood,
	fit_bgnbd,
	fit_gamma_gamma,
	predict,
	simulate,
	summarise,
)

# The paper's CDNOW fit (weeks): Fader, Hardie & Lee (2005), "Counting your customers the easy way".
CDNOW = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=-9582.4)


def test_same_day_orders_are_one_purchase_and_later_orders_are_ignored():
	customer = np.array([0, 0, 0, 0, 1, 1, 2])
	day = np.array([10, 10, 15, 40, 12, 12, 30])
	amount = np.array([1.0, 2.0, 4.0, 100.0, 5.0, 6.0, 7.0])
	s = summarise(customer, day, amount, as_of_day=20)
	assert s.customer.tolist() == [0, 1]  # customer 2 first bought after the day of the fit
	assert s.frequency.tolist() == [1, 0]  # day 10 (two orders) and day 15; customer 1 bought on one day only
	assert s.recency.tolist() == [5, 0]
	assert s.age.tolist() == [10, 8]
	assert s.monetary.tolist() == [4.0, 0.0]  # the repeat purchase only; the first day's 3.0 is left out


def test_repeat_value_is_the_mean_of_each_repeat_days_sum():
	s = summarise(np.zeros(5, int), np.array([1, 2, 2, 3, 9]), np.array([9.0, 1.0, 2.0, 5.0, 7.0]), 9)
	assert s.frequency[0] == 3 and s.monetary[0] == pytest.approx((3.0 + 5.0 + 7.0) / 3)


def test_conditional_expectation_matches_the_paper():
	# The paper's worked example: x = 2, t_x = 30.43, T = 38.86 weeks; 1.226 purchases in the next 39 weeks.
	assert CDNOW.expected_purchases(39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=0.001)


def test_log_likelihood_is_the_papers_formula_term_by_term():
	x, t_x, big_t = 3.0, 20.0, 35.0
	r, alpha, a, b = 0.5, 6.0, 0.9, 2.5
	l1 = math.gamma(r + x) * alpha**r / (math.gamma(r) * (alpha + big_t) ** (r + x))
	beta = math.gamma(a + b) * math.gamma(b + x) / (math.gamma(b) * math.gamma(a + b + x))
	l_drop = math.gamma(r + x) * alpha**r / (math.gamma(r) * (alpha + t_x) ** (r + x))
	beta_drop = (
		math.gamma(a + b)
		* math.gamma(a + 1)
		* math.gamma(b + x - 1)
		/ (math.gamma(a) * math.gamma(b) * math.gamma(a + b + x))
	)
	expected = math.log(l1 * beta + l_drop * beta_drop)
	got = bgnbd_log_likelihood((r, alpha, a, b), np.array([x]), np.array([t_x]), np.array([big_t]), 1.0)
	assert got == pytest.approx(expected, rel=1e-10)


def test_p_alive_is_one_without_a_repeat_and_falls_with_silence():
	assert CDNOW.p_alive([0], [0], [30])[0] == 1.0
	recent, silent = CDNOW.p_alive([4, 4], [29, 5], [30, 30])
	assert 0 < silent < recent < 1


def test_spend_expectation_moves_from_the_population_mean_to_the_customers_own():
	model = GammaGamma(p=6.25, q=3.74, gamma=15.44)
	population = model.p * model.gamma / (model.q - 1)
	assert model.expected_value([0], [0])[0] == pytest.approx(population)
	few, many = model.expected_value([1, 1000], [100.0, 100.0])
	assert population < few < many < 100.0 + 1e-9
	assert many == pytest.approx(100.0, rel=0.01)


BG_TRUE = BGNBD(r=3.0, alpha=90.0, a=1.2, b=10.0, log_likelihood=0.0)
GG_TRUE = GammaGamma(p=1.0, q=4.0, gamma=20.0)


def test_fits_recover_known_parameters():
	"""10,000 simulated customers a draw over five years of days; the estimates averaged over four draws (the
	fit's bias, not one draw's noise) are within 5% of every true parameter. One draw's spread is in
	benchmarks/RESULTS.md."""
	estimates = []
	for seed in range(4):
		customer, day, amount = simulate(BG_TRUE, GG_TRUE, 10_000, 1825, np.random.default_rng(seed))
		s = summarise(customer, day, amount, 1825)
		bg, gg = fit_bgnbd(s.frequency, s.recency, s.age), fit_gamma_gamma(s.frequency, s.monetary)
		estimates.append([bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma])
	mean = np.mean(estimates, axis=0)
	true = np.array([3.0, 90.0, 1.2, 10.0, 1.0, 4.0, 20.0])
	assert np.all(np.abs(mean / true - 1) < 0.05), dict(
		zip("r alpha a b p q gamma".split(), mean, strict=True)
	)


def test_a_fit_is_the_maximum_of_its_likelihood():
	customer, day, amount = simulate(BG_TRUE, GG_TRUE, 3000, 1825, np.random.default_rng(7))
	s = summarise(customer, day, amount, 1825)
	fitted = fit_bgnbd(s.frequency, s.recency, s.age)
	best = fitted.log_likelihood
	params = np.array([fitted.r, fitted.alpha, fitted.a, fitted.b])
	for i in range(4):
		for step in (0.97, 1.03):
			moved = params.copy()
			moved[i] *= step
			assert bgnbd_log_likelihood(moved, s.frequency, s.recency, s.age, 1.0) < best


def test_too_few_repeat_buyers_are_not_fitted():
	customer = np.arange(30).repeat(2)
	day = np.tile([1, 1], 30)  # everyone bought on one day only
	s = summarise(customer, day, np.ones(60), 100)
	with pytest.raises(TooLittleHistory):
		predict(s, 365)


def test_prediction_totals_follow_the_simulated_future():
	"""Calibration on the first 1,460 days, holdout of the next 365: predicted repeat purchases against the ones
	the same simulated customers made."""
	customer, day, amount = simulate(BG_TRUE, GG_TRUE, 5000, 1460, np.random.default_rng(3), holdout_days=365)
	s = summarise(customer, day, amount, 1460)
	prediction = predict(s, 365)
	later = (day > 1460) & (day <= 1825)
	actual = len(np.unique(np.column_stack([customer[later], day[later]]), axis=0))
	assert prediction.expected_orders.sum() == pytest.approx(actual, rel=0.05)


def write_orders(path, rows):
	with open(path, "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(["ID", "Customer", "Date", "Net Total (Company Currency)", "Status"])
		for i, (name, day, amount) in enumerate(rows):
			writer.writerow(
				[f"SO-{i}", name, date.fromordinal(day).isoformat(), f"{amount:.2f}", "Completed"]
			)


def simulated_file(tmp_path, customers=400, seed=5):
	customer, day, amount = simulate(BG_TRUE, GG_TRUE, customers, 1095, np.random.default_rng(seed))
	start = date(2023, 1, 1).toordinal()
	rows = [
		(f"C{c:04d}", start + int(d), float(a) * 100) for c, d, a in zip(customer, day, amount, strict=True)
	]
	path = tmp_path / "orders.csv"
	write_orders(path, rows)
	return path, rows, start


def test_cli_predict_json(tmp_path, capsys):
	path, rows, start = simulated_file(tmp_path)
	assert cli.main(["predict", str(path), "--format", "json", "--horizon-days", "180"]) == 0
	out = json.loads(capsys.readouterr().out)
	model = out["model"]
	assert model["time_unit"] == "day" and model["horizon"] == 180
	assert set(model["bgnbd"]) == {"r", "alpha", "a", "b", "log_likelihood"}
	assert set(model["gamma_gamma"]) == {"p", "q", "gamma"}
	assert model["as_of"] == date.fromordinal(max(d for _n, d, _a in rows)).isoformat()
	customers = out["customers"]
	assert {c["customer"] for c in customers} == {n for n, _d, _a in rows}
	for c in customers:
		assert set(c) == {"customer", "p_alive", "expected_orders", "expected_value"}
		assert 0 <= c["p_alive"] <= 1 and c["expected_orders"] >= 0 and c["expected_value"] >= 0
	values = [c["expected_value"] for c in customers]
	assert values == sorted(values, reverse=True)


def test_cli_predict_ignores_orders_after_as_of(tmp_path, capsys):
	path, rows, start = simulated_file(tmp_path)
	cut = start + 700
	assert (
		cli.main(["predict", str(path), "--format", "json", "--as-of", date.fromordinal(cut).isoformat()])
		== 0
	)
	with_later = json.loads(capsys.readouterr().out)
	kept = tmp_path / "kept.csv"
	write_orders(kept, [r for r in rows if r[1] <= cut])
	assert (
		cli.main(["predict", str(kept), "--format", "json", "--as-of", date.fromordinal(cut).isoformat()])
		== 0
	)
	without = json.loads(capsys.readouterr().out)
	assert with_later == without


def test_cli_predict_table_and_csv(tmp_path, capsys):
	path, _rows, _start = simulated_file(tmp_path)
	assert cli.main(["predict", str(path), "--limit", "5"]) == 0
	out = capsys.readouterr().out
	assert "BG/NBD r=" in out and "Gamma-Gamma p=" in out and "more (use --limit 0" in out
	assert cli.main(["predict", str(path), "--format", "csv"]) == 0
	lines = capsys.readouterr().out.splitlines()
	assert lines[0] == "customer,p_alive,expected_orders,expected_value"


def test_cli_predict_says_why_it_cannot_fit(tmp_path, capsys):
	path = tmp_path / "few.csv"
	write_orders(path, [("A", 738000, 10.0), ("A", 738010, 12.0), ("B", 738001, 5.0)])
	assert cli.main(["predict", str(path)]) == 2
	assert "fewer than 20 customers bought twice" in capsys.readouterr().err
	assert cli.main(["predict", str(path), "--horizon-days", "0"]) == 2
	assert "--horizon-days" in capsys.readouterr().err


def test_the_gradients_are_the_likelihoods_own():
	"""The fits' analytic gradients against central finite differences of the same objectives."""
	from scipy.optimize import approx_fprime

	from customer_priority.engine import clv

	customer, day, amount = simulate(BG_TRUE, GG_TRUE, 2000, 1825, np.random.default_rng(2))
	s = summarise(customer, day, amount, 1825)
	captured = {}

	def capture(function, start):
		captured["f"] = function
		return start

	real = clv._minimise
	clv._minimise = capture
	try:
		for fit, args, point in (
			(clv.fit_bgnbd, (s.frequency, s.recency, s.age), np.log([2.5, 0.4, 1.1, 7.0])),
			(clv.fit_gamma_gamma, (s.frequency, s.monetary), np.log([1.3, 3.0, 0.8])),
		):
			try:
				fit(*args)
			except TooLittleHistory:
				pass
			function = captured["f"]
			analytic = function(point)[1]
			numeric = approx_fprime(point, lambda p, f=function: f(p)[0], 1e-7)
			assert np.allclose(analytic, numeric, rtol=1e-4, atol=1e-6), (analytic, numeric)
	finally:
		clv._minimise = real
