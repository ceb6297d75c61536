"""Make the bundled, ERPNext-shaped sample data set (deterministic: the same files every run).

    python -m customer_priority.cli.sample_data.generate [OUT_DIR]

A few hundred customers whose yearly value follows a Pareto curve, some thousands of Sales Orders over three
years (some customers lapse, some come back), the gross profit of their invoices (a few customers at a thin
margin, a few credit notes), an internal customer, potential profiles for prospects, and incoming requests
covering the cases of the request-priority article.
"""

from __future__ import annotations

import csv
import math
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from customer_priority.cli.sample_data import AS_OF

"""The sample's "today": the demo ranks as of this date so its output never drifts."""

HERE = Path(__file__).parent
FIRST_WORDS = (
	"Arian",
	"Pars",
	"Zagros",
	"Caspian",
	"Alborz",
	"Kavir",
	"Sepid",
	"Tous",
	"Nima",
	"Golestan",
	"Karun",
	"Damavand",
	"Hamoon",
	"Sahand",
	"Mehr",
	"Azar",
	"Bahar",
	"Dena",
	"Raha",
	"Sina",
)
SECOND_WORDS = (
	"Trading",
	"Industries",
	"Foods",
	"Steel",
	"Textiles",
	"Pharma",
	"Logistics",
	"Builders",
	"Electric",
	"Packaging",
	"Chemicals",
	"Retail",
	"Agro",
	"Motors",
	"Plastics",
)
GROUPS = ("Commercial", "Industrial", "Retail", "Government")
TERRITORIES = ("Tehran", "Isfahan", "Shiraz", "Tabriz", "Mashhad")


SUFFIXES = ("Co", "Group", "Holding", "Partners", "International", "Trading House", "Works", "Supply")


def customer_names(count: int, rng: random.Random) -> list[str]:
	names: list[str] = []
	seen: set[str] = set()
	while len(names) < count:
		name = f"{rng.choice(FIRST_WORDS)} {rng.choice(SECOND_WORDS)}"
		if name in seen:
			name = f"{name} {rng.choice(SUFFIXES)}"
		if name in seen:
			continue
		seen.add(name)
		names.append(name)
	return names


def generate(out_dir: Path = HERE, customers: int = 300, seed: int = 7) -> dict[str, int]:
	rng = random.Random(seed)
	names = customer_names(customers, rng)
	start = AS_OF - timedelta(days=3 * 365)
	orders: list[tuple[str, str, date, float, str]] = []
	customer_rows = []
	for index, name in enumerate(names):
		# Pareto-shaped size: a few big accounts, a long tail of small ones.
		size = rng.paretovariate(1.16) * 1_000
		kind = rng.random()
		internal = index == 5
		if kind < 0.12 and not internal:
			pattern = "prospect"  # never ordered
		elif kind < 0.22:
			pattern = "lapsed"
		elif kind < 0.30:
			pattern = "reborn"
		else:
			pattern = "active"
		every = max(7, int(rng.expovariate(1 / 45)))
		day = start + timedelta(days=rng.randrange(0, 400))
		stop = AS_OF - timedelta(days=rng.randrange(420, 700)) if pattern in ("lapsed", "reborn") else AS_OF
		while pattern != "prospect" and day <= stop:
			orders.append((name, day, round(size * rng.uniform(0.4, 1.6), 2)))
			day += timedelta(days=max(1, int(rng.gauss(every, every / 3))))
		if pattern == "reborn":
			day = AS_OF - timedelta(days=rng.randrange(5, 120))
			for _ in range(rng.randint(1, 3)):
				if day <= AS_OF:
					orders.append((name, day, round(size * rng.uniform(0.4, 1.6), 2)))
				day += timedelta(days=rng.randint(10, 40))
		profile = [0, 0, 0, 0, 0, 0]
		if pattern == "prospect" or rng.random() < 0.15:
			profile = [
				rng.randint(1, 5),
				rng.randint(1, 5),
				rng.randint(1, 5),
				int(rng.paretovariate(0.8) * 10),
				rng.randint(1, 60),
				rng.randint(1, 5),
			]
		customer_rows.append([name, rng.choice(GROUPS), rng.choice(TERRITORIES), int(internal), *profile])

	orders.sort(key=lambda o: (o[1], o[0]))
	with open(out_dir / "sales_orders.csv", "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(["ID", "Customer", "Date", "Net Total (Company Currency)", "Status", "Company"])
		for number, (name, day, amount) in enumerate(orders, start=1):
			roll = rng.random()
			status = (
				"Draft"
				if roll < 0.02
				else "Cancelled"
				if roll < 0.04
				else rng.choice(("Completed", "Completed", "To Deliver and Bill", "Closed"))
			)
			writer.writerow(
				[
					f"SAL-ORD-{day.year}-{number:05d}",
					name,
					day.isoformat(),
					f"{amount:.2f}",
					status,
					"Sample Company",
				]
			)
	with open(out_dir / "customers.csv", "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(
			[
				"Customer",
				"Customer Group",
				"Territory",
				"Is Internal Customer",
				"Brand Strength",
				"Production Volume",
				"Sales Network",
				"Staff Count",
				"Years In Business",
				"Purchase Potential",
			]
		)
		writer.writerows(customer_rows)
	invoices = write_gross_profit(out_dir)
	leads = write_leads(out_dir)
	return {"customers": len(customer_rows), "orders": len(orders), "invoices": invoices, "leads": leads}


def write_gross_profit(out_dir: Path = HERE, seed: int = 11) -> int:
	"""One invoice per submitted sample order, with its gross profit, as ERPNext's Gross Profit report exports it
	by invoice: each customer has its own usual margin (a few trade at a thin one), and a few invoices are partly
	returned by a credit note. Made from ``sales_orders.csv``, with a random stream of its own, so the orders stay
	as they are."""
	rng = random.Random(seed)
	margins: dict[str, float] = {}
	rows = []
	with open(out_dir / "sales_orders.csv", newline="", encoding="utf-8") as handle:
		for order in csv.DictReader(handle):
			if order["Status"] in ("Draft", "Cancelled"):
				continue
			name, day, amount = order["Customer"], order["Date"], float(order["Net Total (Company Currency)"])
			if name not in margins:
				margins[name] = rng.uniform(0.01, 0.08) if rng.random() < 0.12 else rng.uniform(0.15, 0.45)
			margin = max(-0.05, rng.gauss(margins[name], 0.03))
			number = len(rows) + 1
			invoice = f"ACC-SINV-{day[:4]}-{number:05d}"
			rows.append([invoice, name, day, f"{amount:.2f}", f"{amount * margin:.2f}"])
			if rng.random() < 0.03:
				share = rng.choice((0.1, 0.25, 0.5))
				returned = date.fromisoformat(day) + timedelta(days=rng.randint(3, 30))
				if returned <= AS_OF:
					rows.append(
						[
							f"ACC-SINV-RET-{returned.year}-{number:05d}",
							name,
							returned.isoformat(),
							f"{-amount * share:.2f}",
							f"{-amount * share * margin:.2f}",
						]
					)
	with open(out_dir / "gross_profit.csv", "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(["Sales Invoice", "Customer", "Posting Date", "Selling Amount", "Gross Profit"])
		writer.writerows(rows)
	return len(rows)


LEAD_SOURCES = ("Campaign", "Cold Calling", "Existing Customer", "Reference", "Exhibition", "Website")
TERRITORIES = ("Tehran", "Isfahan", "Tabriz", "Mashhad", "Shiraz", "Ahvaz")
INDUSTRIES = ("Food", "Textile", "Steel", "Chemicals", "Construction", "Packaging", "Agriculture")
SIZES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1000+")


def write_leads(out_dir: Path = HERE, count: int = 1200, seed: int = 13) -> int:
	"""Closed leads of the last two years, as the conversion model reads them: what was known of each when it
	closed, and whether it bought. Larger companies, referrals and existing customers, a request for a quotation or
	an order, a meeting held and a recent reply make buying likelier; a random stream of its own."""
	rng = random.Random(seed)
	rows = []
	for number in range(1, count + 1):
		source, size = rng.choice(LEAD_SOURCES), rng.choice(SIZES)
		request = rng.choice(REQUEST_KINDS)
		final = rng.choices(("Yes", "No", "Not Asked"), (0.2, 0.15, 0.65))[0]
		messages, meetings = rng.randint(0, 9), rng.choices((0, 1, 2, 3), (0.5, 0.3, 0.15, 0.05))[0]
		silence = round(rng.expovariate(1 / 20), 1)
		log_odds = (
			-1.8
			+ {"Existing Customer": 1.3, "Reference": 0.9, "Cold Calling": -1.0}.get(source, 0.0)
			+ 0.25 * SIZES.index(size)
			+ (0.8 if request in ("Quotation", "Order", "Contract") else 0.0)
			+ (1.0 if final == "Yes" else -0.4 if final == "No" else 0.0)
			+ 0.5 * meetings
			- 0.03 * silence
		)
		bought = int(rng.random() < 1 / (1 + math.exp(-log_odds)))
		closed = AS_OF - timedelta(days=rng.randint(0, 730))
		rows.append(
			[
				f"CRM-LEAD-{closed.year}-{number:05d}",
				closed.isoformat(),
				bought,
				source,
				rng.choice(TERRITORIES),
				rng.choice(INDUSTRIES),
				size,
				request,
				final,
				messages,
				meetings,
				silence,
				rng.randint(3, 180),
			]
		)
	rows.sort(key=lambda row: row[1])
	with open(out_dir / "leads.csv", "w", newline="", encoding="utf-8") as handle:
		writer = csv.writer(handle)
		writer.writerow(
			[
				"Lead",
				"Closed On",
				"Bought",
				"source",
				"territory",
				"industry",
				"company_size",
				"request_type",
				"final_stage",
				"messages",
				"meetings",
				"days_since_touch",
				"age_days",
			]
		)
		writer.writerows(rows)
	return len(rows)


REQUEST_KINDS = ("Catalogue", "Sample", "Price List", "Quotation", "Meeting", "Question", "Order", "Contract")


if __name__ == "__main__":
	target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
	counts = generate(target)
	print(
		f"wrote {counts['customers']} customers, {counts['orders']} orders and {counts['invoices']} invoices "
		f"to {target}"
	)
