"""``customer-priority``: the app's rule engine on the command line.

    customer-priority demo                     rank the bundled sample data, tier the sample requests
    customer-priority rank ORDERS.csv          rank a Sales Order export from ERPNext
    options: --format table|csv|json  --settings FILE.json  --as-of YYYY-MM-DD  --limit N
             --profits GROSS_PROFIT.csv  (rank): ERPNext's Gross Profit report by invoice, for profit and margin

It runs exactly the engine the Frappe app runs, so what it prints is what the app would store.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from customer_priority.cli.order_csv import OrderFileError, read_order_histories
from customer_priority.cli.profit_csv import read_profits
from customer_priority.cli.sample_data import AS_OF as SAMPLE_AS_OF
from customer_priority.cli.sample_data import SAMPLE_DIR
from customer_priority.engine.history import add_profits, aggregate_histories
from customer_priority.engine.i18n import render_reasons
from customer_priority.engine.keyaccount import PotentialProfile
from customer_priority.engine.pipeline import Standing, compute_all
from customer_priority.engine.ranking import is_thin_margin, pareto_summary
from customer_priority.engine.settings import Settings, SettingsError
from customer_priority.engine.tiers import LastRequest, Relationship, RequestFacts, Stage, decide_request_tier

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


def emit(
	rows: list[dict[str, Any]],
	columns: Sequence[str],
	fmt: str,
	out: io.TextIOBase,
	widths: dict[str, int] | None = None,
	headers: dict[str, str] | None = None,
) -> None:
	if fmt == "json":
		json.dump(rows, out, ensure_ascii=False, indent=1)
		out.write("\n")
	elif fmt == "csv":
		writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
		writer.writeheader()
		writer.writerows(rows)
	else:
		out.write(format_table(rows, columns, widths, headers) + "\n")


def rank_orders(
	orders_path: str,
	settings: Settings,
	as_of: date | None,
	customers_path: Path | None = None,
	date_format: str | None = None,
	profits_path: str | None = None,
) -> tuple[list[Standing], date]:
	orders = read_order_histories(orders_path, date_format)
	if as_of is None:
		# Rank as of the newest order in the file, so an old export is not all "Lapsed".
		as_of = orders.newest or date.today()
	aggregates = aggregate_histories(orders.histories, as_of, settings)
	if profits_path:
		add_profits(aggregates, read_profits(profits_path, date_format), as_of, settings)
	elif settings.rank_by == "Gross Profit":
		raise CliError(
			"ranking by gross profit needs --profits FILE (ERPNext's Gross Profit report by invoice)"
		)
	names, profiles, internal = load_customers(customers_path) if customers_path else ([], {}, set())
	standings, _cutoffs = compute_all(
		aggregates, as_of, settings, customers=names, profiles=profiles, internal=internal
	)
	return standings, as_of


def summary_line(standings: list[Standing], settings: Settings, as_of: date) -> str:
	ranked = [s for s in standings if s.rank]  # already in rank order; internal customers are not ranked
	top, percent = pareto_summary(ranked)
	total = sum(s.aggregate.window_value for s in standings if s.rank)
	profit = sum(s.aggregate.window_profit for s in standings if s.rank)
	invoiced = sum(s.aggregate.window_invoiced for s in standings if s.rank)
	keys = sum(1 for s in standings if s.is_key)
	thin = sum(
		1
		for s in standings
		if s.rank and is_thin_margin(s.aggregate.window_invoiced, s.aggregate.window_profit, settings)
	)
	by_profit = settings.rank_by == "Gross Profit"
	ranked_total = f"gross profit {profit:,.2f}" if by_profit else f"value {total:,.2f}"
	beside = f"value {total:,.2f}" if by_profit else f"gross profit {profit:,.2f}"
	margin = f" ({beside}, {100 * profit / invoiced:.1f}% margin)" if invoiced > 0 else ""
	thin_text = f"; {thin} at a thin margin (below {settings.thin_margin_percent:g}%)" if invoiced > 0 else ""
	return (
		f"As of {as_of}: {len(ranked)} customers ranked by {'gross profit' if by_profit else 'value'}, "
		f"{ranked_total} in the last {settings.lookback_days} days{margin}. The top {top} customers "
		f"({percent:.1f}%) bring 80% of it; {keys} key accounts{thin_text}."
	)


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
	standings, as_of = rank_orders(
		str(SAMPLE_DIR / "sales_orders.csv"),
		settings,
		as_of,
		SAMPLE_DIR / "customers.csv",
		profits_path=str(SAMPLE_DIR / "gross_profit.csv"),
	)
	rows = [standing_row(s) for s in standings]
	requests = request_rows(SAMPLE_DIR / "requests.csv", settings)
	if args.format == "json":
		json.dump(
			{"as_of": as_of.isoformat(), "customers": rows, "requests": requests},
			sys.stdout,
			ensure_ascii=False,
			indent=1,
		)
		sys.stdout.write("\n")
		return 0
	if args.format == "csv":
		emit(rows, RANK_COLUMNS, "csv", sys.stdout)
		return 0
	print("Customer ranking (sample data)")
	print(summary_line(standings, settings, as_of))
	print()
	emit(
		rows[: args.limit], TABLE_COLUMNS, "table", sys.stdout, {"reason": 60, "customer": 26}, TABLE_HEADERS
	)
	if args.limit < len(rows):
		print(f"... {len(rows) - args.limit} more (use --limit or --format csv)")
	print()
	print("Incoming requests, highest tier first")
	emit(
		requests,
		("tier", "request", "party", "situation", "reason"),
		"table",
		sys.stdout,
		{"situation": 60, "reason": 70},
	)
	return 0


def cmd_rank(args: argparse.Namespace) -> int:
	settings = load_settings(args.settings)
	customers = Path(args.customers) if args.customers else None
	standings, as_of = rank_orders(
		args.orders, settings, args.as_of, customers, args.date_format, args.profits
	)
	rows = [standing_row(s) for s in standings]
	if args.format == "table":
		print(summary_line(standings, settings, as_of))
		print()
		limited = rows[: args.limit] if args.limit else rows
		emit(limited, TABLE_COLUMNS, "table", sys.stdout, {"reason": 60, "customer": 28}, TABLE_HEADERS)
		if len(limited) < len(rows):
			print(f"... {len(rows) - len(limited)} more (use --limit 0 for all, or --format csv)")
	else:
		emit(rows, RANK_COLUMNS, args.format, sys.stdout)
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
