"""`bench backup` of a site with the app's data, `bench restore` into a new site: settings, custom fields,
evaluations, the log and every customer's standing come back identical, and the next recompute changes nothing.
Makes a site of its own, dropped at the end (runs last, with the other tests that install)."""

import json
import os
from pathlib import Path

import pymysql
import pytest

import frappe
from frappe.utils import getdate

from customer_priority.standing.recompute import recompute_all
from tests.integration.helpers import bench, make_customer, make_order

SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
RESTORED = SITE.removesuffix(".localhost") + "-restored.localhost"
SITES = Path(os.environ["FRAPPE_BENCH_PATH"]) / "sites"
ROOT_PASSWORD = os.environ.get("MARIADB_ROOT_PASSWORD", "root")
ROOT = ("--db-root-username", "root", "--db-root-password", ROOT_PASSWORD)
COMPARED = (
	"tabCustomer",
	"tabCustomer Tier Log",
	"tabCustomer Evaluation",
	"tabCustomer Evaluation Reviewer",
	"tabCustomer Priority Level",
	"tabCustom Field",
	"tabProperty Setter",
	"tabConversion Model",
)


def run(*args: str):
	result = bench(*args, capture_output=True)
	assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
	return result


def database(site: str) -> str:
	return json.loads((SITES / site / "site_config.json").read_text())["db_name"]


def checksums(db: str) -> dict[str, int]:
	"""Every compared table's content checksum, and the Settings record's values, read as MariaDB's root."""
	root = pymysql.connect(host=frappe.conf.db_host or "127.0.0.1", user="root", password=ROOT_PASSWORD)
	try:
		with root.cursor() as cursor:
			out = {}
			for table in COMPARED:
				cursor.execute(f"checksum table `{db}`.`{table}`")
				out[table] = cursor.fetchone()[1]
			cursor.execute(
				f"""select field, value from `{db}`.tabSingles where doctype = 'Customer Priority Settings'
				order by field"""
			)
			out["settings"] = cursor.fetchall()
			return out
	finally:
		root.close()


@pytest.fixture
def population():
	"""Customers with orders, a standing, a scorecard and log entries, committed (the backup reads the database)."""
	made = []
	for value in (9000, 2500, 400):
		made.append(make_customer())
		make_order(made[-1], value)
	frappe.get_doc(
		{
			"doctype": "Customer Evaluation",
			"party_type": "Customer",
			"party": made[0],
			"evaluation_date": getdate(),
			"reviewers": [{"user": "Administrator"}],
			**{f"q{i}": "4" for i in range(1, 8)},
		}
	).insert()
	frappe.db.commit()
	recompute_all(source="Manual")
	yield made
	frappe.db.rollback()
	for name in made:
		for so in frappe.get_all("Sales Order", filters={"customer": name}, pluck="name"):
			doc = frappe.get_doc("Sales Order", so)
			if doc.docstatus == 1:
				doc.cancel()
			frappe.delete_doc("Sales Order", so, force=True)
		frappe.db.delete("Customer Evaluation", {"party": name})
		frappe.db.delete("Customer Tier Log", {"party": name})
		frappe.delete_doc("Customer", name, force=True)
	frappe.db.commit()
	bench("drop-site", RESTORED, *ROOT, "--force", "--no-backup", capture_output=True)


def test_a_backup_restored_into_a_new_site_holds_the_same_standing(population):
	frappe.db.rollback()  # nothing open while the dump reads
	before = checksums(database(SITE))
	result = run("--site", SITE, "backup")
	dump = max(
		(SITES / SITE / "private" / "backups").glob("*-database.sql.gz"), key=lambda p: p.stat().st_mtime
	)
	assert dump.stat().st_mtime > 0 and "database" in result.stdout + result.stderr + dump.name
	bench("drop-site", RESTORED, *ROOT, "--force", "--no-backup", capture_output=True)
	run("new-site", RESTORED, *ROOT, "--admin-password", "admin")
	run("--site", RESTORED, "restore", str(dump), *ROOT)
	restored = database(RESTORED)
	assert checksums(restored) == before
	# The next recompute on the restored site finds every customer already as it would decide it.
	recompute = run(
		"--site",
		RESTORED,
		"execute",
		"customer_priority.standing.recompute.recompute_all",
		"--kwargs",
		json.dumps({"source": "Manual"}),
	)
	summary = json.loads(recompute.stdout.strip().splitlines()[-1])
	assert summary["updated"] == 0 and summary["changes"] == 0, summary
	assert checksums(restored)["tabCustomer"] == before["tabCustomer"]
