"""Frappe CRM and Helpdesk installed and removed beside this app, in either order: their tables gain this app's
columns only while both are installed and are left as they were without it; nothing of this app's points at a
doctype that is gone (runs last, on the site with both apps)."""

import os

import pytest

import frappe

from customer_priority.setup.custom_fields import PARTNER_APPS, get_partner_fields
from tests.integration.helpers import bench as run_bench

SITE = os.environ.get("CP_TEST_SITE", "cp-test-partners.localhost")


def bench(*args):
	frappe.db.rollback()  # release metadata locks: install and uninstall alter these tables
	result = run_bench("--site", SITE, *args, capture_output=True)
	assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
	frappe.db.rollback()
	frappe.clear_cache()
	frappe.local.cp_has_tiers = (
		None  # which partner doctypes exist is remembered for a request: not across these
	)


def definition(doctype: str) -> str:
	return frappe.db.sql(f"show create table `tab{doctype}`")[0][1]


def our_fields(doctype: str) -> int:
	names = [f["fieldname"] for f in get_partner_fields()[doctype]]
	return frappe.db.count("Custom Field", {"dt": doctype, "fieldname": ("in", names)})


@pytest.mark.parametrize("app", sorted(PARTNER_APPS))
def test_this_app_leaves_the_partners_tables_as_they_were(app):
	doctypes = PARTNER_APPS[app]
	assert all(our_fields(d) for d in doctypes), "installed beside it, the partner's doctypes have the fields"
	bench("uninstall-app", "customer_priority", "--yes", "--no-backup", "--force")
	bare = {d: definition(d) for d in doctypes}
	assert not any(our_fields(d) for d in doctypes)
	assert not any("`cp_" in text for text in bare.values())
	bench("install-app", "customer_priority")
	assert all(our_fields(d) for d in doctypes)
	assert all("`cp_priority_tier`" in definition(d) for d in doctypes)
	bench("uninstall-app", "customer_priority", "--yes", "--no-backup", "--force")
	assert {d: definition(d) for d in doctypes} == bare
	bench("install-app", "customer_priority")


@pytest.mark.parametrize("app", sorted(PARTNER_APPS))
def test_the_partner_removed_and_added_after_this_app(app):
	doctypes = PARTNER_APPS[app]
	bench("uninstall-app", app, "--yes", "--no-backup", "--force")
	assert not any(frappe.db.exists("DocType", d) for d in doctypes)
	assert not frappe.db.count(
		"Custom Field", {"dt": ("in", doctypes)}
	), "no field left for a doctype that is gone"
	# This app keeps working without it: a Lead is still tiered, the Priority Queue still opens.
	from customer_priority.customer_priority.report.priority_queue import priority_queue

	priority_queue.execute({})
	bench("install-app", app)
	assert all(our_fields(d) for d in doctypes), "the fields come with the partner's install"
	assert all("`cp_priority_tier`" in definition(d) for d in doctypes)
