"""One of several processes submitting and cancelling Sales Orders for one customer at the same moment.

    cd sites && python order_worker.py SITE CUSTOMER ORDERS SEED

Each order is inserted, submitted and committed as a desk request would be; every other one is then cancelled.
Any error a user would see (a deadlock included) is printed and makes the exit status 1. The last line says
when the work began and ended (``work=START END``, epoch seconds), so the test can show the processes overlapped.
"""

import random
import sys
import time
import traceback

import frappe
from frappe.utils import add_days, getdate

from tests.integration.helpers import make_order


def main(site: str, customer: str, orders: int, seed: int) -> int:
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	rng = random.Random(seed)
	failures = 0
	start = float(sys.stdin.readline() or 0)  # every process starts at the same moment
	time.sleep(max(0.0, start - time.time()))
	began = time.time()
	for i in range(orders):
		try:
			day = add_days(getdate(), -rng.choice([0, 5, 60, 400]))
			so = make_order(customer, rng.choice([100, 250.5, 1000]), day)
			frappe.db.commit()
			if i % 2:
				frappe.get_doc("Sales Order", so.name).cancel()
				frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			failures += 1
			traceback.print_exc()
	ended = time.time()
	frappe.destroy()
	print(f"failures={failures}", flush=True)
	print(f"work={began!r} {ended!r}", flush=True)
	return 1 if failures else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
