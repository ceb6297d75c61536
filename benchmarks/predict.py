"""How well and how fast the predictions do, each against a baseline of the same run.

    python benchmarks/predict.py [--draws N] [--write]                 the models, pure Python (no site)
    FRAPPE_BENCH_PATH=/opt/frappe-bench /opt/frappe-bench/env/bin/python benchmarks/predict.py --site SITE [--write]
                                                                       the cost on a real site, 100,000 / 1,000,000

1. Parameter recovery: purchases drawn from BG/NBD (r=3, alpha=90 days, a=1.2, b=10) and Gamma-Gamma (p=1, q=4,
   gamma=20) for 10,000 customers over five years of days, N draws; each fitted parameter against the true one.
2. Calibration and holdout: a draw of 10,000 customers seen for four years, then a fifth held out; per number of
   repeat purchases in the calibration period, the repeat purchases the model expects in the holdout against the
   ones made (the standard check of Fader, Hardie & Lee), and the total.
3. Conversion: a generated history of closed leads whose buying depends on source, final stage and how often
   we wrote (territory and industry are noise), split by time: AUC and Brier score of the chosen model against the
   overall conversion rate and the stage alone, on the newest quarter; and on the bundled sample leads.
4. Cost: the CLI's `predict` against its `rank` on the same 1,000,000-order file (best of 3, in turns); with
   --site, the recompute's fit and scoring (the order read, the fit, the predictions) at 100,000 customers /
   1,000,000 orders against the bare per-customer GROUP BY over the same orders.
With --write the figures go into benchmarks/RESULTS.md (section "Predictions").
"""

from __future__ import annotations

import io
import os
import platform
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from customer_priority.engine import conversion  # noqa: E402
from customer_priority.engine.clv import (  # noqa: E402
	BGNBD,
	GammaGamma,
	fit_bgnbd,
	fit_gamma_gamma,
	predict,
	simulate,
	summarise,
)

TRUE_BG = BGNBD(r=3.0, alpha=90.0, a=1.2, b=10.0, log_likelihood=0.0)
TRUE_GG = GammaGamma(p=1.0, q=4.0, gamma=20.0)
NAMES = ("r", "alpha", "a", "b", "p", "q", "gamma")
TRUE = np.array([3.0, 90.0, 1.2, 10.0, 1.0, 4.0, 20.0])


def recovery(draws: int) -> list[str]:
	estimates, seconds = [], []
	for seed in range(draws):
		customer, day, amount = simulate(TRUE_BG, TRUE_GG, 10_000, 1825, np.random.default_rng(seed))
		s = summarise(customer, day, amount, 1825)
		t0 = time.perf_counter()
		bg, gg = fit_bgnbd(s.frequency, s.recency, s.age), fit_gamma_gamma(s.frequency, s.monetary)
		seconds.append(time.perf_counter() - t0)
		estimates.append([bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma])
	est = np.array(estimates)
	error = est / TRUE - 1
	within = int(np.sum(np.all(np.abs(error) < 0.05, axis=1)))
	lines = [
		f"{draws} draws of 10,000 customers each (seeds 0 to {draws - 1}), five years of days; both fits "
		f"{np.median(seconds):.2f} s per draw (median).",
		"",
		"| parameter | true | mean of the estimates | mean error | largest error of one draw |",
		"|---|---|---|---|---|",
	]
	for i, name in enumerate(NAMES):
		lines.append(
			f"| {name} | {TRUE[i]:g} | {est[:, i].mean():.4g} | {100 * (est[:, i].mean() / TRUE[i] - 1):+.1f}% "
			f"| {100 * np.abs(error[:, i]).max():.1f}% |"
		)
	lines += [
		"",
		f"- every parameter within 5% in {within} of {draws} draws; the mean over the draws (the fit's bias) is "
		f"within {100 * np.abs(est.mean(axis=0) / TRUE - 1).max():.1f}% of every true value.",
		"- one draw's spread is the sampling error of 10,000 customers: the Gamma-Gamma's p and gamma trade off "
		"(only p*gamma/(q-1), the mean spend, is pinned down tightly), as in the literature.",
	]
	return lines


def holdout() -> list[str]:
	customer, day, amount = simulate(
		TRUE_BG, TRUE_GG, 10_000, 1460, np.random.default_rng(11), holdout_days=365
	)
	s = summarise(customer, day, amount, 1460)
	prediction = predict(s, 365)
	later = (day > 1460) & (day <= 1825)
	held = np.unique(np.column_stack([customer[later], day[later]]), axis=0)
	actual = np.bincount(held[:, 0], minlength=10_000)[s.customer]
	buckets = [(0, 0), (1, 1), (2, 2), (3, 4), (5, 9), (10, 19), (20, 39), (40, 79), (80, 10**9)]
	lines = [
		"Calibration: the first 1,460 days; holdout: the next 365. Per repeat purchases in calibration, the mean "
		"repeat purchases per customer in the holdout:",
		"",
		"| repeat purchases in calibration | customers | predicted | actual |",
		"|---|---|---|---|",
	]
	for low, high in buckets:
		at = (s.frequency >= low) & (s.frequency <= high)
		if not at.any():
			continue
		label = str(low) if low == high else f"{low}+" if high > 10**6 else f"{low}-{high}"
		lines.append(
			f"| {label} | {int(at.sum()):,} | {prediction.expected_orders[at].mean():.2f} | {actual[at].mean():.2f} |"
		)
	total_p, total_a = float(prediction.expected_orders.sum()), int(actual.sum())
	lines += [
		"",
		f"- total over the holdout: predicted {total_p:,.0f}, actual {total_a:,} ({100 * (total_p / total_a - 1):+.1f}%).",
	]
	return lines


def generated_leads(n: int, seed: int):
	rng = np.random.default_rng(seed)
	source = rng.choice(["Campaign", "Cold Calling", "Existing Customer", "Advertisement", "Reference"], n)
	final = rng.choice(["Yes", "No", "Not Asked"], n, p=[0.2, 0.2, 0.6])
	messages = rng.poisson(3, n)
	territory = rng.choice([f"T{i}" for i in range(8)], n)
	industry = rng.choice([f"I{i}" for i in range(12)], n)
	log_odds = (
		-1.6
		+ 1.5 * (source == "Existing Customer")
		+ 0.6 * (source == "Reference")
		- 1.1 * (source == "Cold Calling")
		+ 1.4 * (final == "Yes")
		- 0.6 * (final == "No")
		+ 0.3 * (messages - 3)
	)
	bought = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(int)
	columns = {
		"source": source.tolist(),
		"final_stage": final.tolist(),
		"messages": messages.tolist(),
		"territory": territory.tolist(),
		"industry": industry.tolist(),
		"age_days": rng.integers(1, 200, n).tolist(),
	}
	return columns, bought, np.arange(n)


def conversion_lines() -> list[str]:
	lines = [
		"| history | closed | bought | chosen model | its AUC | its Brier | overall rate AUC / Brier | stage alone AUC / Brier |",
		"|---|---|---|---|---|---|---|---|",
	]
	cases = [("generated, 5,000 closed leads", *generated_leads(5000, 1))]
	sample = ROOT / "customer_priority" / "cli" / "sample_data" / "leads.csv"
	if sample.exists():
		cases.append(("bundled sample leads", *sample_leads(sample)))
	found = []
	for label, columns, bought, day in cases:
		t0 = time.perf_counter()
		result = conversion.train(columns, bought, day, stage_feature="final_stage")
		seconds = time.perf_counter() - t0
		m = result.metrics
		chosen = m[result.model.kind]
		lines.append(
			f"| {label} | {result.closed:,} | {result.converted:,} | {result.model.kind.replace('_', ' ')} "
			f"| {chosen['auc']:.3f} | {chosen['brier']:.4f} | {m['overall_rate']['auc']:.3f} / "
			f"{m['overall_rate']['brier']:.4f} | {m['stage_only']['auc']:.3f} / {m['stage_only']['brier']:.4f} |"
		)
		spread = {f: max(t.values()) - min(t.values()) for f, t in result.model.contributions.items()}
		found.append(
			f"- {label}: trained and chosen in {seconds:.2f} s; each feature's spread of log-odds (the most it moves "
			"the odds): "
			+ ", ".join(f"{f} {v:.2f}" for f, v in sorted(spread.items(), key=lambda kv: -kv[1]))
		)
	return [
		*lines,
		"",
		*found,
		"- generated: the outcome depends on source, final stage and messages only; the fit ranks them first and "
		"territory, industry and age near zero.",
	]


def sample_leads(path: Path):
	import csv

	rows = list(csv.DictReader(path.open(encoding="utf-8")))
	features = [c for c in rows[0] if c not in ("Lead", "Closed On", "Bought")]
	columns = {f: [r[f] for r in rows] for f in features}
	for f in features:
		if f in conversion.NUMERIC:
			columns[f] = [float(v) if v else None for v in columns[f]]
	day = np.array([np.datetime64(r["Closed On"]).astype(int) for r in rows])
	return columns, np.array([int(r["Bought"]) for r in rows]), day


def cli_cost(rows: int = 1_000_000, customers: int = 100_000, rounds: int = 3) -> list[str]:
	from benchmarks.cli_rank import make_csv
	from customer_priority import cli

	path = str(make_csv(rows, customers))  # the rank benchmark's file: skewed, three years, 3% cancelled
	timings: dict[str, list[float]] = {"rank": [], "predict": []}
	for _round in range(rounds):
		for command in timings:
			t0 = time.perf_counter()
			with redirect_stdout(io.StringIO()):
				cli.main([command, path])
			timings[command].append(time.perf_counter() - t0)
	rank, pred = min(timings["rank"]), min(timings["predict"])
	return [
		f"- `customer-priority predict` against `rank` on the same file ({rows:,} orders, {customers:,} customers, "
		f"best of {rounds} in turns): rank {rank:.2f} s, predict {pred:.2f} s ({pred / rank:.2f}x)."
	]


def site_cost(site: str) -> list[str]:
	import frappe

	from benchmarks import dataset

	os.environ.setdefault("HTTP_PROXY", "http://127.0.0.1:9")
	sites = os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites")
	os.chdir(sites)  # Frappe writes its logs relative to the sites folder
	frappe.init(site=site, sites_path=sites)
	frappe.connect()
	frappe.set_user("Administrator")
	from frappe.utils import getdate

	from customer_priority.data.settings import get_engine_settings
	from customer_priority.standing.predictions import predict_customers

	dataset.ensure(100_000, 1_000_000, None)
	# The data set draws an order's customer and its day from MariaDB's rand() with nearby seeds, whose first
	# values move together: every customer's orders fall on one day or two. Purchase models need each customer's
	# days drawn apart, so the days are drawn again from a hash of the order (idempotent, the same on every run).
	frappe.db.sql(
		"""update `tabSales Order` set transaction_date = date_sub(curdate(), interval crc32(name) mod 1095 day)
		where name like %s""",
		dataset.PREFIX + "%",
	)
	frappe.db.commit()
	names = frappe.db.sql_list("select name from `tabCustomer` order by name")
	settings = get_engine_settings()
	bare, fitted, read = [], [], []
	from customer_priority.data import purchases

	for _round in range(5):
		t0 = time.perf_counter()
		purchases.histories_of(purchases.current(), (getdate(), getdate()), names)
		read.append(time.perf_counter() - t0)
		t0 = time.perf_counter()
		frappe.db.sql(
			"""select customer, sum(base_net_total), count(*), min(transaction_date), max(transaction_date)
			from `tabSales Order` where docstatus = 1 group by customer"""
		)
		bare.append(time.perf_counter() - t0)
		t0 = time.perf_counter()
		predicted = predict_customers(names, getdate(), settings)
		fitted.append(time.perf_counter() - t0)
	frappe.destroy()
	b, f, r = min(bare), min(fitted), min(read)
	return [
		f"- on the site ({len(names):,} customers, 1,000,000 submitted orders of `benchmarks/dataset.py`, their days "
		"drawn apart, best of 5 "
		f"in turns): the bare per-customer GROUP BY {b:.2f} s; the recompute's read, fit and predictions of every "
		f"customer {f:.2f} s ({f / b:.2f}x), of which reading each customer's purchases {r:.2f} s. {predicted.state}"
	]


def main(argv: list[str]) -> None:
	draws = int(argv[argv.index("--draws") + 1]) if "--draws" in argv else 6
	if "--site" in argv:
		lines = site_cost(argv[argv.index("--site") + 1])
		print("\n".join(lines))
		if "--write" in argv:
			append_to_section(lines)
		return
	lines = [
		"`python benchmarks/predict.py --draws 6 --write` (the models, no site) and "
		"`benchmarks/predict.py --site SITE --write` (the cost on a site); "
		f"Python {platform.python_version()}, the project's 2-core machine.",
		"",
		"### Parameter recovery (BG/NBD and Gamma-Gamma)",
		"",
		*recovery(draws),
		"",
		"### Calibration and holdout",
		"",
		*holdout(),
		"",
		"### Conversion probability on a time split",
		"",
		*conversion_lines(),
		"",
		"### Cost",
		"",
		*cli_cost(),
	]
	print("\n".join(lines))
	if "--write" in argv:
		from benchmarks.timing import write_section

		write_section(ROOT / "benchmarks" / "RESULTS.md", "Predictions", lines)


def append_to_section(lines: list[str]) -> None:
	path = ROOT / "benchmarks" / "RESULTS.md"
	text = path.read_text()
	head, marker, rest = text.partition("\n## Predictions\n")
	if not marker:
		raise SystemExit("run the models part with --write first")
	at = rest.find("\n## ")
	body, tail = (rest[:at], rest[at:]) if at >= 0 else (rest, "")
	body = "\n".join(line for line in body.rstrip("\n").split("\n") if not line.startswith("- on the site ("))
	path.write_text(head + marker + body + "\n" + "\n".join(lines) + "\n" + tail)


if __name__ == "__main__":
	main(sys.argv[1:])
