"""Soak: minutes of mixed load from several processes against one site, then the invariants.

    cd /opt/frappe-bench/sites && PYTHONPATH=<checkout> ../env/bin/python <checkout>/benchmarks/soak.py SITE \
        [--minutes 10] [--workers 8] [--customers 40]

Each worker process, as desk users would: submits Sales Orders and cancels some, submits Sales Invoices and credit
notes against them, takes new leads by email (ERPNext's inbound mail path) and by hand, opens issues and loses
opportunities to competitors, committing after each. Alongside, the escalation job runs every minute and the
recompute every two. Half the Sales Order submits, in turns, run with the app's document hooks switched off, on
customers of their own: the same load on the same machine at the same time is the baseline of the submit times.

Then: no worker saw an error and no Error Log row was written; every customer's stored aggregates (by the hooks
and the recomputes) equal a recompute from scratch; the tier log holds each real change once (every move starts
where the one before ended and the last ends at the stored value); and Sales Order submit p50 / p99 with the app
against the baseline. Prints one JSON line last; the exit status is 1 when an invariant fails. Its records (named
SOAK ...) are left on the site.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path

import frappe
from frappe.utils import add_days, flt, getdate

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))
OFFLINE = {
	"HTTP_PROXY": "http://127.0.0.1:9",
	"HTTPS_PROXY": "http://127.0.0.1:9",
	"NO_PROXY": "127.0.0.1,localhost",
}
PREFIX = "SOAK"
APP = "customer_priority."
# The operations of one worker and their weights (a Sales Order submit half of the time).
OPERATIONS = {
	"order": 40,
	"cancel": 8,
	"invoice": 10,
	"credit_note": 5,
	"lead_by_email": 7,
	"lead_by_hand": 7,
	"issue": 13,
	"lost_opportunity": 10,
}


def connect(site: str) -> None:
	os.environ.update(OFFLINE)
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.flags.mute_emails = True


def company() -> str:
	return frappe.db.get_value("Company", {}, "name")


def named(doctype: str, field: str, name: str) -> str:
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, field: name}).insert(ignore_permissions=True)
	return name


def prepare(customers: int) -> dict:
	"""Customers (with the app, and apart for the submits without it), the items, a competitor, a Lead inbox; each
	year's Sales Order series and every other operation's given their row first (see warm_up)."""
	from tests.integration.helpers import ensure_item, make_order

	ensure_item()  # the test helpers' service item, which their orders sell too
	names = {"app": [], "bare": []}
	for group in names:
		for i in range(customers if group == "app" else max(2, customers // 4)):
			name = f"{PREFIX} {group} {i:03d}"
			if not frappe.db.exists("Customer", name):
				frappe.get_doc(
					{
						"doctype": "Customer",
						"customer_name": name,
						"customer_group": "All Customer Groups",
						"territory": "All Territories",
					}
				).insert(ignore_permissions=True)
			names[group].append(name)
	for days_back in (0, 40, 400):
		draft = make_order(names["app"][0], 1, add_days(getdate(), -days_back), submit=False)
		frappe.delete_doc("Sales Order", draft.name, force=True)
	named("Competitor", "competitor_name", f"{PREFIX} Rival")
	named("Opportunity Lost Reason", "lost_reason", f"{PREFIX} Price")
	inbox = frappe.db.get_value("Email Account", {"email_id": "soak-inbox@example.com"})
	if not inbox:
		inbox = (
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": f"{PREFIX} Inbox",
					"email_id": "soak-inbox@example.com",
					"append_to": "Lead",
					"enable_incoming": 0,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	frappe.db.commit()
	plan = {**names, "inbox": inbox}
	warm_up(plan)
	return {**plan, "errors_before": frappe.db.count("Error Log")}


class Hooks:
	"""The app's document hooks switched on or off in this process (Frappe reads them from frappe.local)."""

	def __init__(self) -> None:
		self.on = frappe.get_doc_hooks()
		self.off = {
			doctype: {
				event: [m for m in methods if not m.startswith(APP)] for event, methods in events.items()
			}
			for doctype, events in self.on.items()
		}

	def set(self, app: bool) -> None:
		frappe.local.doc_events_hooks = self.on if app else self.off


class Load:
	"""One desk user's operations; each is committed by the caller."""

	def __init__(self, plan: dict, seed: int) -> None:
		self.plan = plan
		self.rng = random.Random(seed)
		self.hooks = Hooks()
		self.timings: dict[str, list[float]] = {"app": [], "bare": []}
		self.orders: list[str] = []
		self.invoices: list[str] = []
		self.turn = seed % 2
		self.inbox = frappe.get_doc("Email Account", plan["inbox"])

	def order(self) -> None:
		"""A Sales Order submitted, in turns with the app's hooks and without them (on customers of their own)."""
		from tests.integration.helpers import make_order

		self.turn += 1
		group = "app" if self.turn % 2 else "bare"
		self.hooks.set(group == "app")
		try:
			# Any day of the last 40: orders piled on a few days would make each customer one purchase of several
			# orders a day, a history no real customer has (and the purchase models cannot fit).
			day = add_days(getdate(), -self.rng.randrange(0, 41))
			customer = self.rng.choice(self.plan[group])
			doc = make_order(customer, self.rng.choice([120, 480.5, 2500]), day, submit=False)
			frappe.db.commit()
			t0 = time.perf_counter()
			doc.submit()
			frappe.db.commit()
			self.timings[group].append(time.perf_counter() - t0)
			if group == "app":
				self.orders.append(doc.name)
		finally:
			self.hooks.set(True)

	def cancel(self) -> None:
		if self.orders:
			frappe.get_doc("Sales Order", self.orders.pop(self.rng.randrange(len(self.orders)))).cancel()

	def invoice(self) -> None:
		from tests.integration.helpers import ITEM

		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": self.rng.choice(self.plan["app"]),
				"company": company(),
				"posting_date": getdate(),
				"due_date": add_days(getdate(), 30),
				"items": [
					{"item_code": ITEM, "qty": self.rng.choice([1, 2, 3]), "rate": self.rng.choice([90, 300])}
				],
			}
		).insert(ignore_permissions=True)
		doc.submit()
		self.invoices.append(doc.name)

	def credit_note(self) -> None:
		"""A return of one of an invoice's items, through ERPNext's own mapper."""
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		if self.invoices:
			doc = make_sales_return(self.invoices.pop(self.rng.randrange(len(self.invoices))))
			for row in doc.items:
				row.qty = -1
			doc.insert(ignore_permissions=True)
			doc.submit()

	def lead_by_email(self) -> None:
		"""A message from a stranger to the Lead inbox, through ERPNext's inbound path (a new Lead)."""
		from frappe.email.receive import InboundMail

		tag = frappe.generate_hash(length=8)
		raw = (
			f"From: Buyer {tag} <buyer-{tag}@soak-{tag}.example.org>\r\nTo: soak-inbox@example.com\r\n"
			f"Subject: Urgent: price list please\r\nMessage-ID: <{tag}@soak.example.org>\r\n"
			"Content-Type: text/plain\r\n\r\nWe want to order, please send your price list today.\r\n"
		).encode()
		InboundMail(raw, self.inbox).process()

	def lead_by_hand(self) -> None:
		frappe.get_doc(
			{
				"doctype": "Lead",
				"lead_name": f"{PREFIX} Lead {frappe.generate_hash(length=6)}",
				"company_name": f"{PREFIX} Prospect {self.rng.randrange(1000)}",
			}
		).insert(ignore_permissions=True)

	def issue(self) -> None:
		frappe.get_doc(
			{
				"doctype": "Issue",
				"subject": f"{PREFIX} question {frappe.generate_hash(length=6)}",
				"customer": self.rng.choice(self.plan["app"]),
			}
		).insert(ignore_permissions=True)

	def lost_opportunity(self) -> None:
		doc = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Customer",
				"party_name": self.rng.choice(self.plan["app"]),
				"company": company(),
				"transaction_date": getdate(),
			}
		).insert(ignore_permissions=True)
		doc.declare_enquiry_lost(
			[{"lost_reason": f"{PREFIX} Price"}], [{"competitor": f"{PREFIX} Rival"}], "Cheaper"
		)


def warm_up(plan: dict) -> None:
	"""Each operation once, alone: each naming series (per doctype and year) gets its row before the workers
	start, as first uses at one moment deadlock inside Frappe's naming, with or without the app."""
	load = Load(plan, 0)
	for operation in (*OPERATIONS, "order"):
		getattr(load, operation)()
		frappe.db.commit()


def worker(site: str, seed: int, until: float, plan: dict) -> int:
	connect(site)
	load = Load(plan, seed)
	errors: list[str] = []
	counts: dict[str, int] = {}
	kinds, weights = list(OPERATIONS), list(OPERATIONS.values())
	while time.time() < until:
		kind = load.rng.choices(kinds, weights)[0]
		try:
			getattr(load, kind)()
			frappe.db.commit()
			counts[kind] = counts.get(kind, 0) + 1
		except Exception:
			frappe.db.rollback()
			errors.append(f"{kind}: {traceback.format_exc()[-1500:]}")
	frappe.destroy()
	print(json.dumps({"timings": load.timings, "errors": errors, "counts": counts}), flush=True)
	return 0


def jobs(until: float) -> dict:
	"""The escalation job every minute and the recompute every two, as the scheduler would run them."""
	from customer_priority import tasks

	runs = {"escalation": 0, "recompute": 0}
	errors: list[str] = []
	next_escalation = next_recompute = time.time() + 30
	while time.time() < until:
		now = time.time()
		for job, due, every, call in (
			("escalation", next_escalation, 60, tasks.escalate_unanswered_requests),
			("recompute", next_recompute, 120, tasks.recompute_standings),
		):
			if now >= due:
				try:
					frappe.db.rollback()
					call()
					frappe.db.commit()
					runs[job] += 1
				except Exception:
					frappe.db.rollback()
					errors.append(f"{job}: {traceback.format_exc()[-1500:]}")
				if job == "escalation":
					next_escalation += every
				else:
					next_recompute += every
		time.sleep(1)
	return {"runs": runs, "errors": errors}


def stored(names: list[str]) -> dict:
	"""Each customer's stored aggregates, sums to the cent."""
	from customer_priority.standing.stored import AGGREGATE_FIELDS

	fields = ", ".join(f"`{f}`" for f in AGGREGATE_FIELDS)
	rows = frappe.db.sql(f"select name, {fields} from tabCustomer where name in %s", [names], as_dict=True)
	return {row.name: {f: comparable(row[f]) for f in AGGREGATE_FIELDS} for row in rows}


def comparable(value):
	if value is None or isinstance(value, int):
		return value
	if isinstance(value, float | Decimal):
		return round(flt(value), 2)
	return str(value)


def log_chain_breaks(names: list[str]) -> list[str]:
	"""Per customer and logged field, each move starts where the one before ended, changes something, and the
	last ends at the stored value: no change logged twice, none lost (a first standing is not logged)."""
	breaks = []
	current = {
		row.name: row
		for row in frappe.get_all(
			"Customer",
			filters={"name": ("in", names)},
			fields=["name", "cp_priority_tier", "cp_level", "cp_lifecycle"],
		)
	}
	moves: dict[tuple[str, str], list] = {}
	for move in frappe.get_all(
		"Customer Tier Log",
		filters={
			"party_type": "Customer",
			"party": ("in", names),
			"field": ("in", ["Tier", "Level", "Lifecycle"]),
		},
		fields=["party", "field", "old_value", "new_value"],
		order_by="creation asc, modified asc",
	):
		moves.setdefault((move.party, move.field), []).append(move)
	for name, row in current.items():
		for field, value in (
			("Tier", row.cp_priority_tier),
			("Level", row.cp_level),
			("Lifecycle", row.cp_lifecycle),
		):
			chain = moves.get((name, field), [])
			previous = (chain[0].old_value or "") if chain else (value or "")
			for move in chain:
				if move.old_value == move.new_value or (move.old_value or "") != previous:
					breaks.append(f"{name} {field}: {[(m.old_value, m.new_value) for m in chain]}")
					break
				previous = move.new_value
			else:
				if previous != (value or ""):
					breaks.append(f"{name} {field}: log ends at {previous!r}, stored {value!r}")
	return breaks


def percentile(values: list[float], p: float) -> float:
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] if ordered else float("nan")


def soak(site: str, minutes: float, workers: int, customers: int) -> dict:
	from customer_priority.standing import recompute

	connect(site)
	plan = prepare(customers)
	until = time.time() + 5 + minutes * 60
	env = {**os.environ, **OFFLINE}
	processes = [
		subprocess.Popen(
			[sys.executable, __file__, site, "--worker", str(seed), "--until", str(until)],
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			stderr=subprocess.STDOUT,
			text=True,
			env=env,
		)
		for seed in range(workers)
	]
	for process in processes:
		process.stdin.write(json.dumps(plan) + "\n")
		process.stdin.close()
	background = jobs(until)
	results, crashed = [], []
	for process in processes:
		out = process.stdout.read()
		process.wait()
		try:
			results.append(json.loads(out.strip().splitlines()[-1]))
		except (ValueError, IndexError):
			crashed.append(out[-3000:])
	frappe.db.rollback()
	errors = [e for r in results for e in r["errors"]] + background["errors"] + crashed
	error_logs = frappe.db.count("Error Log") - plan["errors_before"]

	by_hooks = stored(plan["app"])
	recompute.recompute_all(source="Manual")
	frappe.db.rollback()
	from_scratch = stored(plan["app"])
	differ = {n: (by_hooks[n], from_scratch[n]) for n in by_hooks if by_hooks[n] != from_scratch[n]}
	breaks = log_chain_breaks(plan["app"] + plan["bare"])
	log_rows = frappe.db.count("Customer Tier Log", {"party": ("in", plan["app"] + plan["bare"])})

	timings = {g: [t for r in results for t in r["timings"][g]] for g in ("app", "bare")}
	counts: dict[str, int] = {}
	for r in results:
		for kind, n in r["counts"].items():
			counts[kind] = counts.get(kind, 0) + n
	figures = {
		g: {
			"submits": len(timings[g]),
			"p50_ms": round(1000 * statistics.median(timings[g]), 1) if timings[g] else None,
			"p99_ms": round(1000 * percentile(timings[g], 0.99), 1) if timings[g] else None,
		}
		for g in ("app", "bare")
	}
	ratio = {
		k: round(figures["app"][f"{k}_ms"] / figures["bare"][f"{k}_ms"], 2)
		for k in ("p50", "p99")
		if figures["bare"]["submits"] and figures["app"]["submits"]
	}
	frappe.destroy()
	return {
		"minutes": minutes,
		"workers": workers,
		"operations": counts,
		"jobs": background["runs"],
		"errors": errors,
		"error_logs": error_logs,
		"customers_checked": len(from_scratch),
		"log_rows": log_rows,
		"aggregates_differ": differ,
		"log_breaks": breaks,
		"submit": figures,
		"ratio": ratio,
	}


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("site")
	parser.add_argument("--minutes", type=float, default=10)
	parser.add_argument("--workers", type=int, default=8)
	parser.add_argument("--customers", type=int, default=40)
	parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
	parser.add_argument("--until", type=float, help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.worker is not None:
		return worker(args.site, args.worker, args.until, json.loads(sys.stdin.readline()))
	result = soak(args.site, args.minutes, args.workers, args.customers)
	print(
		f"{args.workers} processes for {args.minutes:g} min: {result['operations']}; jobs {result['jobs']}\n"
		f"errors {len(result['errors'])}, Error Log rows {result['error_logs']}, aggregates differing "
		f"{len(result['aggregates_differ'])}, log chains broken {len(result['log_breaks'])}\n"
		f"Sales Order submit with the app {result['submit']['app']}, hooks off {result['submit']['bare']}, "
		f"ratio {result['ratio']}",
		flush=True,
	)
	print(json.dumps(result, default=str), flush=True)
	failed = result["errors"] or result["error_logs"] or result["aggregates_differ"] or result["log_breaks"]
	return 1 if failed else 0


if __name__ == "__main__":
	sys.exit(main())
