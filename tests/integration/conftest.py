"""Connect pytest to the bench's test site; each test runs as Administrator and is rolled back afterwards."""

import os

import pytest

import frappe

from customer_priority.data.settings import (
	CACHE_KEY,
)
from customer_priority.data.settings import (
	DOCTYPE as SETTINGS,
)

# The web server and the API users of the REST tests: one of each for the whole run, whichever module needs them.
from tests.integration.rest import keys, server  # noqa: F401

SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")


def pytest_configure(config):
	frappe.init(site=SITE, sites_path=os.path.join(os.environ["FRAPPE_BENCH_PATH"], "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.local.flags.in_test = True
	frappe.set_user("Administrator")


def pytest_unconfigure(config):
	if getattr(frappe.local, "db", None):
		frappe.db.rollback()
	frappe.destroy()


def forget_cached_settings():
	"""A test that saved settings and rolled back leaves them in Frappe's caches (the connection's value cache
	is not cleared by a rollback): every test reads them afresh from the database."""
	frappe.db.value_cache.clear()
	for doctype in (SETTINGS, "System Settings"):
		frappe.clear_document_cache(doctype, doctype)
	frappe.local.system_settings = None
	frappe.cache.delete_value(CACHE_KEY)


@pytest.fixture(autouse=True)
def rollback():
	"""Whatever a test writes is undone (tests that must commit clean up after themselves)."""
	frappe.set_user("Administrator")
	frappe.db.rollback()
	forget_cached_settings()
	yield
	frappe.set_user("Administrator")
	frappe.db.rollback()
	forget_cached_settings()
