"""Records for the integration tests, made through ERPNext's own documents (never by writing its tables)."""

import os
import random
import string
import subprocess
import threading

import frappe
from frappe.utils import add_days, getdate

ITEM = "CP Test Service"


_names = random.SystemRandom()  # not the test order's seeded random: names must differ run after run


def unique(prefix: str) -> str:
	return f"{prefix} {''.join(_names.choices(string.ascii_uppercase, k=6))}"


def company() -> str:
	"""The company the tests write in: the site's default one (the one whose orders count when Settings name no
	company), not whichever the database returns first on a site with several."""
	return frappe.defaults.get_global_default("company") or frappe.db.get_value(
		"Company", {}, "name", order_by="creation"
	)


def ensure_item() -> str:
	if not frappe.db.exists("Item", ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": ITEM,
				"item_name": ITEM,
				"item_group": "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"is_sales_item": 1,
			}
		).insert(ignore_permissions=True)
	return ITEM


def make_customer(name: str | None = None, **fields) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name or unique("CP Customer"),
			"customer_group": "All Customer Groups",
			"territory": "All Territories",
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def make_order(customer: str, amount: float, day=None, submit: bool = True):
	day = getdate(day) if day else getdate()
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"company": company(),
			"transaction_date": day,
			"delivery_date": add_days(max(day, getdate()), 7),
			"items": [
				{
					"item_code": ensure_item(),
					"qty": 1,
					"rate": amount,
					"delivery_date": add_days(max(day, getdate()), 7),
				}
			],
		}
	)
	doc.insert(ignore_permissions=True)
	if submit:
		doc.submit()
	return doc


def customer_row(name: str, *fields):
	return frappe.db.get_value("Customer", name, list(fields), as_dict=True)


def make_user(email: str, roles: list[str]) -> str:
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		)
		user.flags.no_welcome_mail = True
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.flags.ignore_permissions = True
	user.add_roles(*roles)
	return email


def make_contact(customer: str, phone: str | None = None, email: str | None = None) -> str:
	"""A Contact of a customer with a number and/or an address."""
	return (
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": unique("Buyer"),
				"phone_nos": [{"phone": phone, "is_primary_mobile_no": 1}] if phone else [],
				"email_ids": [{"email_id": email, "is_primary": 1}] if email else [],
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_user_seeing_only(email: str, customer: str, roles: tuple[str, ...] = ("Sales User",)) -> str:
	"""A user restricted by a User Permission to one customer."""
	user = make_user(email, list(roles))
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Customer", "for_value": customer}
	).insert(ignore_permissions=True)
	return user


def bench(*args: str, **kwargs):
	"""Run the `bench` command the integration runner found, in the test site's bench."""
	env = {k: v for k, v in os.environ.items() if k != "CI"}  # `bench` behaves differently under CI
	return subprocess.run(
		[os.environ["CP_BENCH_COMMAND"], *args],
		cwd=os.environ["FRAPPE_BENCH_PATH"],
		env=env,
		text=True,
		**kwargs,
	)


def warehouse() -> str:
	return frappe.db.get_value(
		"Warehouse", {"company": company(), "is_group": 0, "name": ("like", "Stores%")}
	)


def fiscal_year_start():
	from erpnext.accounts.utils import get_fiscal_year

	return getdate(get_fiscal_year(getdate(), company=company())[1])


def make_item(
	item_group: str = "All Item Groups", is_stock_item: bool = False, prefix: str = "CP Item"
) -> str:
	code = unique(prefix)
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_name": code,
			"item_group": item_group,
			"stock_uom": "Nos",
			"is_stock_item": int(is_stock_item),
			"is_sales_item": 1,
		}
	).insert(ignore_permissions=True)
	return code


def make_stock_item(rate: float, qty: float = 1000, item_group: str = "All Item Groups") -> str:
	"""A stock item with ``qty`` received at ``rate`` (a Material Receipt), so sales take their cost from it."""
	code = make_item(item_group, is_stock_item=True, prefix="CP Stock Item")
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": company(),
			# Received on the first day of the fiscal year, so back-dated sales find it in stock.
			"posting_date": fiscal_year_start(),
			"set_posting_time": 1,
			"items": [
				{
					"item_code": code,
					"qty": qty,
					"t_warehouse": warehouse(),
					"basic_rate": rate,
					"conversion_factor": 1,
					"uom": "Nos",
				}
			],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()
	return code


def make_invoice(
	customer: str, lines: list[tuple[str, float, float]], day=None, submit: bool = True, **fields
):
	"""A Sales Invoice that moves stock (so ERPNext sets each row's cost): ``lines`` are (item, qty, rate)."""
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": customer,
			"company": company(),
			"posting_date": getdate(day) if day else getdate(),
			"set_posting_time": 1,
			"due_date": add_days(getdate(day) if day else getdate(), 30),
			"update_stock": 1,
			"items": [
				{"item_code": item, "qty": qty, "rate": rate, "warehouse": warehouse()}
				for item, qty, rate in lines
			],
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	if submit:
		doc.submit()
	return doc


def make_return(invoice, lines: list[tuple[str, float]], submit: bool = True):
	"""A credit note against ``invoice`` taking back ``qty`` of each item, through ERPNext's own mapper."""
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

	doc = make_sales_return(invoice.name)
	wanted = dict(lines)
	doc.items = [row for row in doc.items if row.item_code in wanted]
	for row in doc.items:
		row.qty = -abs(wanted[row.item_code])
	doc.insert(ignore_permissions=True)
	if submit:
		doc.submit()
	return doc


def make_call_from(customer: str) -> str:
	"""A completed incoming Call Log linked to ``customer`` (what the caller-standing API is asked about)."""
	return (
		frappe.get_doc(
			{
				"doctype": "Call Log",
				"id": frappe.generate_hash(length=10),
				"type": "Incoming",
				"status": "Completed",
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def on_another_connection(work) -> None:
	"""Do ``work`` and commit on a connection of its own, as another user at the same moment, and wait for it; its
	exception, if any, is raised here."""
	outcome, site = {}, os.environ.get("CP_TEST_SITE", "cp-test.localhost")
	sites_path = os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites")

	def run() -> None:
		frappe.init(site=site, sites_path=sites_path)
		try:
			frappe.connect()
			frappe.set_user("Administrator")
			work()
			frappe.db.commit()
			outcome["error"] = None
		except Exception as exc:
			outcome["error"] = exc
		finally:
			frappe.destroy()

	other = threading.Thread(target=run)
	other.start()
	other.join(120)
	if "error" not in outcome:
		raise TimeoutError("the other connection did not finish in 2 minutes")
	if outcome["error"] is not None:
		raise outcome["error"]
