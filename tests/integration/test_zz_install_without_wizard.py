"""Install on a site whose ERPNext setup wizard never ran (no company, no Sales Stages), as `bench new-site
--install-app erpnext` leaves it: an install that fails leaves the site as it was, the install succeeds with the
defaults naming Sales Stages left empty and noted, and the wizard fills them in. Makes a site of its own, dropped
at the end (runs last, with the other tests that install)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.helpers import bench

SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
# Named after the test site, so two checkouts testing on one bench do not share it.
NEW_SITE = SITE.removesuffix(".localhost") + "-nowizard.localhost"
SITES = Path(os.environ["FRAPPE_BENCH_PATH"]) / "sites"
PROCS = Path(__file__).resolve().parent / "procs"
ROOT = ("--db-root-username", "root", "--db-root-password", os.environ.get("MARIADB_ROOT_PASSWORD", "root"))
FINAL, NEGOTIATING = "Negotiation/Review", "Proposal/Price Quote\nNegotiation/Review\nPerception Analysis"


def run(*args: str):
	result = bench(*args, capture_output=True)
	assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
	return result


def on_site(action: str) -> dict:
	"""procs/on_site.py run on the new site (this process stays connected to the test site)."""
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	done = subprocess.run(
		[sys.executable, str(PROCS / "on_site.py"), NEW_SITE, action],
		cwd=SITES,
		env=env,
		capture_output=True,
		text=True,
		timeout=900,
	)
	assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
	return json.loads(done.stdout.strip().splitlines()[-1])


def drop() -> None:
	if (SITES / NEW_SITE).exists():
		run("drop-site", NEW_SITE, *ROOT, "--force", "--no-backup")


@pytest.fixture
def site_without_wizard():
	drop()  # left by a run that was killed
	run("new-site", NEW_SITE, *ROOT, "--admin-password", "admin", "--install-app", "erpnext")
	yield NEW_SITE
	drop()


def test_install_before_the_setup_wizard(site_without_wizard):
	failed = on_site("failing-install")
	assert failed["error"] == "the install broke at its last step"
	assert "customer_priority" not in failed["after"]["installed_apps"]
	for key, before in failed["before"].items():
		assert failed["after"][key] == before, f"a failed install changed {key}"

	result = run("--site", NEW_SITE, "install-app", "customer_priority")
	assert "An error occurred" not in result.stdout, result.stdout[-3000:]
	settings = on_site("settings")
	assert not settings["setup_complete"] and not settings["sales_stages"]
	assert (settings["final_sales_stages"], settings["negotiation_sales_stages"]) == ("", "")
	assert settings["pending_defaults"].split() == ["final_sales_stages", "negotiation_sales_stages"]
	assert len(settings["notes"]) == 2 and all("Negotiation/Review" in note for note in settings["notes"])
	assert settings["levels"] == ["Bronze", "Silver", "Gold", "Platinum"] and settings["issue_priority_first"]

	run("--site", NEW_SITE, "execute", "erpnext.setup.utils.before_tests")  # the wizard, as tests complete it
	settings = on_site("settings")
	assert settings["setup_complete"] and FINAL in settings["sales_stages"]
	assert (settings["final_sales_stages"], settings["negotiation_sales_stages"]) == (FINAL, NEGOTIATING)
	assert settings["pending_defaults"] == "" and settings["notes"] == []
