"""``customer-priority``: the app's rule engine on the command line.

    customer-priority demo                     rank the bundled sample data, tier the sample requests
    customer-priority rank ORDERS.csv          rank a Sales Order export from ERPNext
    customer-priority predict ORDERS.csv       P(alive), expected orders and value per customer (BG/NBD, Gamma-Gamma)
    customer-priority compare ORDERS.csv --settings NEW.json [--against OLD.json]
                                               how many customers move between tiers, levels, classes... (from -> to)
    options: --format table|csv|json  --settings FILE.json  --as-of YYYY-MM-DD  --limit N
             --profits GROSS_PROFIT.csv  (rank): ERPNext's Gross Profit report by invoice, for profit and margin

It runs exactly the engine the Frappe app runs, so what it prints is what the app would store.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import numpy as np

from customer_priority.cli.order_csv import OrderFileError, read_orders
from customer_priority.cli.profit_csv import ProfitRows, read_profit_rows
from customer_priority.cli.sample_data import AS_OF as SAMPLE_AS_OF
from customer_priority.cli.sample_data import SAMPLE_DIR
from customer_priority.engine.bulk import Decided, Population, decide_population
from customer_priority.engine.clv import TooLittleHistory, predict, summarise
from customer_priority.engine.columnar import (
	ProfitColumns,
	population_from_orders,
	standings,
	tier_reasons,
)
from customer_priority.engine.history import margin_percent
from customer_priority.engine.i18n import render_reasons
from customer_priority.engine.keyaccount import PotentialProfile, potential_score
from customer_priority.engine.pipeline import Standing
from customer_priority.engine.ranking import is_thin_margin, pareto_head
from customer_priority.engine.settings import Settings, SettingsError
from customer_priority.engine.tiers import LastRequest, Relationship, RequestFacts, Stage, decide_request_tier
from customer_priority.engine.transitions import (
	DIMENSIONS,
	KEY,
	NOT_KEY,
	Moves,
	standing_columns,
	transitions,
)

RANK_COLUMNS = (
	"rank",
	"customer",
	"value",
	"profit",
	"margin",
	"share",
	"cumulative_share",
	"abc",
	"rfm",
	"segment",
	"points",
	"level",
	"tier",
	"key_account",
	"lifecycle",
	"relationship",
	"reason",
)


# The terminal table keeps to what a salesperson reads first; csv and json carry every column.
TABLE_COLUMNS = tuple(c for c in RANK_COLUMNS if c not in ("points", "relationship"))
TABLE_HEADERS = {"share": "share%", "cumulative_share": "cum%", "key_account": "key", "margin": "margin%"}


class CliError(Exception):
	pass


def load_settings(path: str | None) -> Settings:
	if not path:
		return Settings()
	try:
		data = json.loads(Path(path).read_text(encoding="utf-8"))
	except OSError as exc:
		raise CliError(f"cannot read settings file {path}: {exc.strerror}") from None
	except json.JSONDecodeError as exc:
		raise CliError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
	if not isinstance(data, dict):
		raise CliError(f"{path}: expected a JSON object of settings")
	try:
		return Settings.from_dict(data).validate()
	except SettingsError as exc:
		raise CliError(f"{path}: " + "; ".join(str(r) for r in exc.reasons)) from None
	except TypeError as exc:
		raise CliError(f"{path}: {exc}") from None


def _flag(text: str) -> bool:
	return text.strip().lower() in ("1", "yes", "true", "y")


def _number(text: str) -> float:
	try:
		return float(text) if text.strip() else 0.0
	except ValueError:
		return 0.0


def load_customers(path: Path) -> tuple[list[str], dict[str, PotentialProfile], set[str]]:
	names, profiles, internal = [], {}, set()
	with open(path, newline="", encoding="utf-8-sig") as handle:
		for row in csv.DictReader(handle):
			name = row["Customer"]
			names.append(name)
			if _flag(row.get("Is Internal Customer", "0")):
				internal.add(name)
			profile = PotentialProfile(
				brand_strength=int(_number(row.get("Brand Strength", ""))),
				production_volume=int(_number(row.get("Production Volume", ""))),
				sales_network=int(_number(row.get("Sales Network", ""))),
				staff_count=int(_number(row.get("Staff Count", ""))),
				years_in_business=_number(row.get("Years In Business", "")),
				purchase_potential=int(_number(row.get("Purchase Potential", ""))),
			)
			if not profile.is_empty:
				profiles[name] = profile
	return names, profiles, internal


def standing_row(st: Standing) -> dict[str, Any]:
	return {
		"rank": st.rank or "",
		"customer": st.customer,
		"value": round(st.aggregate.window_value, 2),
		"profit": round(st.aggregate.window_profit, 2),
		"margin": "" if st.aggregate.window_margin is None else round(st.aggregate.window_margin, 1),
		"share": round(st.share, 2),
		"cumulative_share": round(st.cumulative_share, 2),
		"abc": st.abc if st.rank else "",
		"rfm": st.rfm_code,
		"segment": st.segment,
		"points": st.points,
		"level": st.level,
		"tier": st.tier,
		"key_account": "yes" if st.is_key else "",
		"lifecycle": st.lifecycle,
		"relationship": st.relationship_level,
		"reason": render_reasons(st.why("tier")),
	}


def format_table(
	rows: list[dict[str, Any]],
	columns: Sequence[str],
	widths: dict[str, int] | None = None,
	headers: dict[str, str] | None = None,
) -> str:
	widths = widths or {}
	cells = [[_cell(row.get(c, "")) for c in columns] for row in rows]
	size = [max([len((headers or {}).get(c, c))] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
	size = [min(s, widths.get(c, 1000)) for s, c in zip(size, columns, strict=True)]
	numeric = {
		c for c in columns if rows and all(isinstance(r.get(c), int | float) for r in rows if r.get(c) != "")
	}

	def line(values: list[str]) -> str:
		out = []
		for value, width, column in zip(values, size, columns, strict=True):
			value = value if len(value) <= width else value[: width - 1] + "…"
			out.append(value.rjust(width) if column in numeric else value.ljust(width))
		return "  ".join(out).rstrip()

	head = line([(headers or {}).get(c, c) for c in columns])
	return "\n".join([head, "-" * len(head)] + [line(c) for c in cells])


def _cell(value: Any) -> str:
	if isinstance(value, float):
		return f"{value:,.2f}"
	return str(value)


def print_table(
	rows: list[dict[str, Any]],
	columns: Sequence[str],
	widths: dict[str, int] | None = None,
	headers: dict[str, str] | None = None,
) -> None:
	sys.stdout.write(format_table(rows, columns, widths, headers) + "\n")


@dataclass
class Ranking:
	"""Everyone's standing as columns (``engine.bulk``); printed rows are built from them, with their reasons
	from the per-customer reference."""

	population: Population
	decided: Decided
	order: np.ndarray
	"""Rows in the order they are printed: ranked customers best first, then internal customers by name."""
	as_of: date
	settings: Settings
	profiles: dict[str, PotentialProfile]

	def __len__(self) -> int:
		return len(self.order)

	def standings(self, limit: int | None = None) -> list[Standing]:
		"""The reference's standing (``pipeline.standing_for``) of the first ``limit`` rows (all without one)."""
		rows = self.order if limit is None else self.order[:limit]
		return standings(
			self.population, self.decided, rows.tolist(), self.as_of, self.settings, self.profiles
		)

	def columns(self) -> dict[str, list]:
		"""Every row, one list per column of ``RANK_COLUMNS``: what ``standing_row`` gives for each standing, built
		from the columns, the reference asked only once per distinct reason (a property test proves them equal)."""
		pop, decided, rows = self.population, self.decided, self.order
		reasons, which = tier_reasons(pop, decided, rows, self.as_of, self.settings, self.profiles)
		rendered = [render_reasons(why) for why in reasons]
		rank = decided.rank[rows].tolist()
		ranked = decided.rank[rows] > 0
		return {
			"rank": [r or "" for r in rank],
			"customer": [pop.names[row] for row in rows.tolist()],
			"value": rounded(pop.window_value[rows]),
			"profit": rounded(pop.window_profit[rows]),
			"margin": margins(pop.window_profit[rows], pop.window_invoiced[rows]),
			"share": rounded(decided.share[rows]),
			"cumulative_share": rounded(decided.cumulative_share[rows]),
			"abc": np.where(ranked, decided.abc[rows], "").tolist(),
			"rfm": decided.rfm_code[rows].tolist(),
			"segment": decided.segment[rows].tolist(),
			"points": decided.points[rows].tolist(),
			"level": decided.level[rows].tolist(),
			"tier": decided.tier[rows].tolist(),
			"key_account": np.where(decided.is_key[rows], "yes", "").tolist(),
			"lifecycle": decided.lifecycle[rows].tolist(),
			"relationship": decided.relationship_level[rows].tolist(),
			"reason": [rendered[i] for i in which.tolist()],
		}

	def summary_line(self) -> str:
		pop, settings = self.population, self.settings
		ranked = self.order[: int(np.count_nonzero(self.decided.rank))]  # internal customers are not ranked
		top, percent = pareto_head(self.decided.cumulative_share[ranked].tolist(), settings)
		# Python's sum in rank order, as the reference adds the printed standings.
		total = sum(pop.window_value[ranked].tolist())
		profit = sum(pop.window_profit[ranked].tolist())
		invoiced = sum(pop.window_invoiced[ranked].tolist())
		keys = int(np.count_nonzero(self.decided.is_key))
		thin = int(
			np.count_nonzero(is_thin_margin(pop.window_invoiced[ranked], pop.window_profit[ranked], settings))
		)
		by_profit = settings.rank_by == "Gross Profit"
		ranked_total = f"gross profit {profit:,.2f}" if by_profit else f"value {total:,.2f}"
		beside = f"value {total:,.2f}" if by_profit else f"gross profit {profit:,.2f}"
		margin = f" ({beside}, {margin_percent(profit, invoiced):.1f}% margin)" if invoiced > 0 else ""
		thin_text = (
			f"; {thin} at a thin margin (below {settings.thin_margin_percent:g}%)" if invoiced > 0 else ""
		)
		return (
			f"As of {self.as_of}: {len(ranked)} customers ranked by {'gross profit' if by_profit else 'value'}, "
			f"{ranked_total} in the last {settings.lookback_days} days{margin}. The top {top} customers "
			f"({percent:.1f}%) bring {settings.abc_a_cutoff:g}% of it; {keys} key accounts{thin_text}."
		)


def rounded(values: np.ndarray, digits: int = 2) -> list[float]:
	"""``[round(v, digits) for v in values]``, as numpy arrays. Scaled and rounded to the nearest integer, a value is
	Python's ``round`` exactly unless the scaling's own rounding error could have crossed a half: those few (and
	any too large for it) are rounded by Python itself. A property test proves it value for value."""
	scale = 10.0**digits
	with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow here: Python rounds them below
		scaled = values * scale
		out = (np.rint(scaled) / scale).tolist()
		# The scaled product is off by at most half a unit in its last place; beyond a few units from a half,
		# its nearest integer is the exact value's.
		doubt = ~(np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) > np.abs(scaled) * 2.0**-48)
		doubt |= ~(np.abs(scaled) < 2.0**52)
	for row in np.flatnonzero(doubt).tolist():
		out[row] = round(float(values[row]), digits)
	return out


def margins(profit: np.ndarray, invoiced: np.ndarray) -> list:
	"""``standing_row``'s margin of each row: ``Aggregate.window_margin`` rounded to 0.1, "" without revenue."""
	has = invoiced > 0
	values = rounded(np.nan_to_num(margin_percent(profit, invoiced), nan=0.0), 1)
	return [v if h else "" for v, h in zip(values, has.tolist(), strict=True)]


def rank_orders(
	orders_path: str,
	settings: Settings,
	as_of: date | None,
	customers_path: Path | None = None,
	date_format: str | None = None,
	profits_path: str | None = None,
) -> Ranking:
	"""Read an export (and the gross profit per invoice, when given), aggregate each customer's orders and
	profit and decide everyone, all as columns."""
	orders = read_orders(orders_path, date_format)
	if as_of is None:
		# Rank as of the newest order in the file, so an old export is not all "Lapsed".
		as_of = orders.newest or date.today()
	profits = read_profit_rows(profits_path, date_format) if profits_path else None
	if profits is None and settings.rank_by == "Gross Profit":
		raise CliError(
			"ranking by gross profit needs --profits FILE (ERPNext's Gross Profit report by invoice)"
		)
	names, profiles, internal = load_customers(customers_path) if customers_path else ([], {}, set())
	known = set(orders.names)
	everyone = list(orders.names)
	if profits is not None:  # a customer with profit and no counted order has a row too (history.add_profits)
		everyone += [name for name in profits.names if name not in known]
		known.update(everyone)
	everyone += [name for name in dict.fromkeys(names) if name not in known]
	pop = population_from_orders(
		everyone,
		orders.customer,
		orders.amount,
		orders.day,
		as_of,
		settings,
		internal=[name in internal for name in everyone],
		potential=[potential_score(profiles[n], settings) if n in profiles else np.nan for n in everyone],
		profits=None if profits is None else profit_columns(profits, everyone),
	)
	decided = decide_population(pop, as_of, settings)
	ranked = np.flatnonzero(decided.rank)
	ranked = ranked[np.argsort(decided.rank[ranked])]
	own = sorted(np.flatnonzero(pop.internal).tolist(), key=everyone.__getitem__)
	order = np.concatenate([ranked, np.array(own, dtype=ranked.dtype)])
	return Ranking(pop, decided, order, as_of, settings, profiles)


def profit_columns(profits: ProfitRows, everyone: list[str]) -> ProfitColumns:
	"""The invoices' profits (in file order) as columns, each customer as its row among ``everyone``."""
	row = {name: i for i, name in enumerate(everyone)}
	rows = np.array([row[name] for name in profits.names], dtype=np.intp)
	return ProfitColumns(rows[profits.customer], profits.day, profits.net, profits.amount)


def write_json_records(columns: dict[str, list], out: io.TextIOBase) -> None:
	"""``json.dump(rows, out, ensure_ascii=False, indent=1)`` of the rows the columns hold, written column by
	column: the json module's indented writer is pure Python and takes seconds for 100,000 customers. Strings
	go through the json module's own escaping; a test proves the text equal to ``json.dump``'s."""
	keys = list(columns)
	count = len(columns[keys[0]]) if keys else 0
	if not count:
		out.write("[]\n")
		return
	template = " {\n" + ",\n".join(f"  {encode_basestring(k)}: %s" for k in keys) + "\n }"
	texts = [_json_texts(columns[k]) for k in keys]
	out.write("[\n")
	out.write(",\n".join(map(template.__mod__, zip(*texts, strict=True))))
	out.write("\n]\n")


def _json_texts(values: list) -> list[str]:
	"""Each value as the json module writes it: a column of one type at C speed, a mixed one value by value."""
	kinds = set(map(type, values))
	if kinds == {str}:
		distinct = dict.fromkeys(values)
		if len(distinct) * 4 < len(values):  # tiers, segments, reasons: each distinct text escaped once
			for text in distinct:
				distinct[text] = encode_basestring(text)
			return list(map(distinct.__getitem__, values))
		return list(map(encode_basestring, values))
	if kinds == {int}:
		return list(map(int.__repr__, values))
	if kinds == {float} and all(map(math.isfinite, values)):
		return list(map(float.__repr__, values))
	return [json.dumps(value, ensure_ascii=False) for value in values]


def request_rows(path: Path, settings: Settings) -> list[dict[str, Any]]:
	rows = []
	with open(path, newline="", encoding="utf-8-sig") as handle:
		for row in csv.DictReader(handle):
			facts = RequestFacts(
				relationship=Relationship(row["Relationship"]),
				is_key_account=_flag(row["Key Account"]),
				stage=Stage(row["Stage"]),
				last_request=LastRequest(row["Last Request"]),
				important=_flag(row["Important"]),
				churn_risk=_flag(row["Churn Risk"]),
				key_potential=_flag(row["Key Potential"]),
				gave_details=_flag(row["Gave Details"]),
				request_type=row["Request Type"],
			)
			decision = decide_request_tier(facts, settings)
			rows.append(
				{
					"request": row["Request"],
					"party": row["Party"],
					"situation": row["Situation"],
					"tier": decision.tier,
					"reason": render_reasons(decision.reasons),
				}
			)
	order = {"First": 0, "High": 1, "Medium": 2, "Low": 3}
	return sorted(rows, key=lambda r: (order[r["tier"]], r["request"]))


def cmd_demo(args: argparse.Namespace) -> int:
	settings = load_settings(args.settings)
	as_of = args.as_of or SAMPLE_AS_OF
	ranking = rank_orders(
		str(SAMPLE_DIR / "sales_orders.csv"),
		settings,
		as_of,
		SAMPLE_DIR / "customers.csv",
		profits_path=str(SAMPLE_DIR / "gross_profit.csv"),
	)
	requests = request_rows(SAMPLE_DIR / "requests.csv", settings)
	if args.format == "json":
		json.dump(
			{
				"as_of": ranking.as_of.isoformat(),
				"customers": _records(ranking.columns()),
				"requests": requests,
			},
			sys.stdout,
			ensure_ascii=False,
			indent=1,
		)
		sys.stdout.write("\n")
		return 0
	if args.format == "csv":
		write_csv(ranking.columns(), sys.stdout)
		return 0
	print("Customer ranking (sample data)")
	print(ranking.summary_line())
	print()
	rows = [standing_row(s) for s in ranking.standings(args.limit)]
	print_table(rows, TABLE_COLUMNS, {"reason": 60, "customer": 26}, TABLE_HEADERS)
	if args.limit < len(ranking):
		print(f"... {len(ranking) - args.limit} more (use --limit or --format csv)")
	print()
	print("Incoming requests, highest tier first")
	print_table(
		requests,
		("tier", "request", "party", "situation", "reason"),
		{"situation": 60, "reason": 70},
	)
	return 0


def cmd_rank(args: argparse.Namespace) -> int:
	settings = load_settings(args.settings)
	customers = Path(args.customers) if args.customers else None
	ranking = rank_orders(args.orders, settings, args.as_of, customers, args.date_format, args.profits)
	if args.format == "table":
		print(ranking.summary_line())
		print()
		# The rows printed go through the reference one by one; all of them (--limit 0) through the columns.
		limited = (
			[standing_row(s) for s in ranking.standings(args.limit)]
			if args.limit
			else _records(ranking.columns())
		)
		print_table(limited, TABLE_COLUMNS, {"reason": 60, "customer": 28}, TABLE_HEADERS)
		if len(limited) < len(ranking):
			print(f"... {len(ranking) - len(limited)} more (use --limit 0 for all, or --format csv)")
	elif args.format == "csv":
		write_csv(ranking.columns(), sys.stdout)
	else:
		write_json_records(ranking.columns(), sys.stdout)
	return 0


def _records(columns: dict[str, list]) -> list[dict[str, Any]]:
	return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def write_csv(columns: dict[str, list], out: io.TextIOBase) -> None:
	"""What ``csv.DictWriter`` writes for these rows (header and all), without a dict per row."""
	writer = csv.writer(out, lineterminator="\n")
	writer.writerow(list(columns))
	writer.writerows(zip(*columns.values(), strict=True))


PREDICT_COLUMNS = ("customer", "p_alive", "expected_orders", "expected_value")


def predict_orders(orders_path: str, as_of: date | None, horizon_days: int, date_format: str | None = None):
	"""Fit the purchase models on an export's orders up to ``as_of`` (the newest order's day by default) and
	predict each buying customer over the horizon. Gives (as_of, names, prediction)."""
	if horizon_days < 1:
		raise CliError("--horizon-days must be 1 or more")
	orders = read_orders(orders_path, date_format)
	if not orders.orders:
		raise CliError(f"{orders_path}: no submitted orders to learn from")
	as_of = as_of or orders.newest
	summary = summarise(orders.customer, orders.day, orders.amount, as_of.toordinal())
	try:
		prediction = predict(summary, horizon_days)
	except TooLittleHistory as exc:
		raise CliError(f"{orders_path}: cannot fit the purchase models as of {as_of}: {exc}") from None
	return as_of, orders.names, prediction


def cmd_predict(args: argparse.Namespace) -> int:
	as_of, names, prediction = predict_orders(args.orders, args.as_of, args.horizon_days, args.date_format)
	rows = prediction.summary.customer
	# Most valuable first: what a salesperson reads first is who will bring the most.
	order = np.lexsort((rows, -prediction.expected_value))
	columns = {
		"customer": [names[row] for row in rows[order].tolist()],
		"p_alive": rounded(prediction.p_alive[order], 4),
		"expected_orders": rounded(prediction.expected_orders[order], 3),
		"expected_value": rounded(prediction.expected_value[order], 2),
	}
	bgnbd, spend = prediction.bgnbd, prediction.gamma_gamma
	model = {
		"time_unit": "day",
		"as_of": as_of.isoformat(),
		"horizon": prediction.horizon_days,
		"customers": len(rows),
		"repeat_buyers": int(np.count_nonzero(prediction.summary.frequency > 0)),
		"bgnbd": {
			"r": bgnbd.r,
			"alpha": bgnbd.alpha,
			"a": bgnbd.a,
			"b": bgnbd.b,
			"log_likelihood": bgnbd.log_likelihood,
		},
		"gamma_gamma": spend.as_dict(),
	}
	if args.format == "json":
		json.dump({"model": model, "customers": _records(columns)}, sys.stdout, ensure_ascii=False, indent=1)
		sys.stdout.write("\n")
	elif args.format == "csv":
		write_csv(columns, sys.stdout)
	else:
		print(
			f"As of {as_of}: {model['customers']} customers, {model['repeat_buyers']} of them bought again; "
			f"predictions for the next {prediction.horizon_days} days (orders on one day are one purchase)."
		)
		print(
			f"BG/NBD r={bgnbd.r:.4g} alpha={bgnbd.alpha:.4g} days a={bgnbd.a:.4g} b={bgnbd.b:.4g} "
			f"(log-likelihood {bgnbd.log_likelihood:,.1f}); Gamma-Gamma p={spend.p:.4g} q={spend.q:.4g} "
			f"gamma={spend.gamma:.4g}"
		)
		print(
			f"Expected over the horizon: {float(prediction.expected_orders.sum()):,.1f} orders, "
			f"{float(prediction.expected_value.sum()):,.2f} in value."
		)
		print()
		limited = _records(columns)
		limited = limited[: args.limit] if args.limit else limited
		print_table(limited, PREDICT_COLUMNS, {"customer": 28})
		if len(limited) < len(rows):
			print(f"... {len(rows) - len(limited)} more (use --limit 0 for all, or --format csv)")
	return 0


COMPARE_COLUMNS = ("dimension", "from", "to", "count")
SAMPLE_COLUMNS = ("customer", "moves", "reason")
KEY_WORDS = {KEY: "yes", NOT_KEY: "no"}


@dataclass
class Comparison:
	"""Everyone under the settings compared against (``before``) and under the new ones (``after``): the new run
	takes each customer's level from the one before, as a recompute after saving takes the stored level."""

	before: Ranking
	after: Ranking
	moves: Moves

	def rows(self) -> list[dict[str, Any]]:
		"""One row per (dimension, from, to) that happens, dimension by dimension, the most frequent first."""
		return [
			{
				"dimension": dimension,
				"from": shown(dimension, old),
				"to": shown(dimension, new),
				"count": count,
			}
			for dimension in DIMENSIONS
			for old, new, count in self.moves.table[dimension]
		]

	def sample(self, limit: int) -> list[dict[str, Any]]:
		"""Up to ``limit`` customers that move (every kind of move in turn), with their moves and new tier reason."""
		rows = self.moves.sample(limit)
		after = self.after
		reasons, which = tier_reasons(
			after.population, after.decided, rows, after.as_of, after.settings, after.profiles
		)
		out = []
		for i, row in enumerate(rows.tolist()):
			moves = [
				f"{dimension} {shown(dimension, old[row])} -> {shown(dimension, new[row])}"
				for dimension, (old, new) in self.moves.values.items()
				if self.moves.moved[dimension][row]
			]
			out.append(
				{
					"customer": after.population.names[row],
					"moves": "; ".join(moves),
					"reason": render_reasons(reasons[which[i]]),
				}
			)
		return out


def shown(dimension: str, value: str) -> str:
	if dimension == "key_account":
		return KEY_WORDS.get(value, value)
	return value or "-"


def compare_orders(args: argparse.Namespace) -> Comparison:
	"""Both rankings of the same export; the new one decides levels from the old one's (hysteresis)."""
	if not args.settings:
		raise CliError("compare needs --settings NEW.json (the settings to try)")
	old_settings, new_settings = load_settings(args.against), load_settings(args.settings)
	customers = Path(args.customers) if args.customers else None
	before = rank_orders(args.orders, old_settings, args.as_of, customers, args.date_format, args.profits)
	after = rank_orders(args.orders, new_settings, before.as_of, customers, args.date_format, args.profits)
	if (
		after.population.names != before.population.names
	):  # the same file read twice: never, unless it changed
		raise CliError(f"{args.orders}: the file changed while it was read")
	after.population.previous_level = before.decided.level.tolist()
	after.decided = decide_population(after.population, after.as_of, new_settings)
	moves = transitions(standing_columns(before.decided), standing_columns(after.decided))
	return Comparison(before, after, moves)


def cmd_compare(args: argparse.Namespace) -> int:
	comparison = compare_orders(args)
	moves, rows = comparison.moves, comparison.rows()
	customers = len(comparison.after.population)
	moved = int(np.count_nonzero(moves.any_moved))
	if args.format == "json":
		json.dump(
			{
				"as_of": comparison.after.as_of.isoformat(),
				"customers": customers,
				"moved": moved,
				"dimensions": {
					dimension: {
						"moved": moves.count(dimension),
						"transitions": [
							{"from": r["from"], "to": r["to"], "count": r["count"]}
							for r in rows
							if r["dimension"] == dimension
						],
					}
					for dimension in DIMENSIONS
				},
				"sample": comparison.sample(args.limit),
			},
			sys.stdout,
			ensure_ascii=False,
			indent=1,
		)
		sys.stdout.write("\n")
	elif args.format == "csv":
		write_csv({c: [r[c] for r in rows] for c in COMPARE_COLUMNS}, sys.stdout)
	else:
		against = args.against or "the default settings"
		print(
			f"As of {comparison.after.as_of}: {moved} of {customers} customers would move under {args.settings} "
			f"(against {against})."
		)
		print(", ".join(f"{d}: {moves.count(d)}" for d in DIMENSIONS))
		print()
		if rows:
			print_table(rows, COMPARE_COLUMNS)
			sample = comparison.sample(args.limit)
			if sample:
				print()
				print(f"Some of them ({len(sample)} of {moved}), with their new tier's reason:")
				print_table(sample, SAMPLE_COLUMNS, {"customer": 28, "moves": 60, "reason": 70})
		else:
			print("Nobody moves.")
	return 0


def _as_of(text: str) -> date:
	try:
		return date.fromisoformat(text)
	except ValueError:
		raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
	parser = argparse.ArgumentParser(prog="customer-priority", description=__doc__.split("\n\n")[0])
	common = argparse.ArgumentParser(add_help=False)
	common.add_argument("--format", choices=("table", "csv", "json"), default="table")
	common.add_argument("--settings", metavar="FILE", help="JSON file of settings to try (see README)")
	common.add_argument("--as-of", type=_as_of, metavar="YYYY-MM-DD", help="rank as of this day")
	sub = parser.add_subparsers(dest="command", required=True)
	demo = sub.add_parser("demo", parents=[common], help="rank the bundled sample data")
	demo.add_argument("--limit", type=int, default=25, help="rows to show in the table (default 25)")
	demo.set_defaults(func=cmd_demo)
	ranker = sub.add_parser("rank", parents=[common], help="rank a Sales Order CSV exported from ERPNext")
	ranker.add_argument(
		"orders", help="CSV with Customer, Date, Net Total (Company Currency) and Status columns"
	)
	ranker.add_argument(
		"--customers", metavar="FILE", help="optional customers CSV (potential profile, internal)"
	)
	ranker.add_argument("--date-format", metavar="FMT", help="strptime format of the Date column if not ISO")
	ranker.add_argument(
		"--profits",
		metavar="FILE",
		help="gross profit per invoice (ERPNext's Gross Profit report by invoice: Customer, Posting Date, "
		"Selling Amount, Gross Profit), for profit, margin and ranking by gross profit",
	)
	ranker.add_argument("--limit", type=int, default=50, help="rows to show in the table (0 = all)")
	ranker.set_defaults(func=cmd_rank)
	predictor = sub.add_parser(
		"predict",
		parents=[common],
		help="fit BG/NBD and Gamma-Gamma on a Sales Order CSV: P(alive), expected orders and value",
	)
	predictor.add_argument("orders", help="CSV with Customer, Date, Net Total (Company Currency) and Status")
	predictor.add_argument(
		"--horizon-days", type=int, default=365, metavar="N", help="days ahead to predict (default 365)"
	)
	predictor.add_argument(
		"--date-format", metavar="FMT", help="strptime format of the Date column if not ISO"
	)
	predictor.add_argument("--limit", type=int, default=50, help="rows to show in the table (0 = all)")
	predictor.set_defaults(func=cmd_predict)
	comparer = sub.add_parser(
		"compare",
		parents=[common],
		help="how many customers move between tiers, levels, classes, key accounts and roles under new settings",
	)
	comparer.add_argument("orders", help="CSV with Customer, Date, Net Total (Company Currency) and Status")
	comparer.add_argument(
		"--against", metavar="FILE", help="JSON file of the settings in use (default: the default settings)"
	)
	comparer.add_argument(
		"--customers", metavar="FILE", help="optional customers CSV (potential profile, internal)"
	)
	comparer.add_argument(
		"--date-format", metavar="FMT", help="strptime format of the Date column if not ISO"
	)
	comparer.add_argument("--profits", metavar="FILE", help="gross profit per invoice, as for rank")
	comparer.add_argument(
		"--limit", type=int, default=10, help="customers to show with their new reason (default 10)"
	)
	comparer.set_defaults(func=cmd_compare)
	return parser


def main(argv: Sequence[str] | None = None) -> int:
	parser = build_parser()
	args = parser.parse_args(argv)
	try:
		return args.func(args)
	except (CliError, OrderFileError) as exc:
		print(f"customer-priority: error: {exc}", file=sys.stderr)
		return 2
	except FileNotFoundError as exc:
		print(f"customer-priority: error: no such file: {exc.filename}", file=sys.stderr)
		return 2
	except BrokenPipeError:
		return 0


if __name__ == "__main__":
	sys.exit(main())
