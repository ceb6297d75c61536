"""Upgrade with data: a site made by an earlier release (its code taken from the release's git tag), filled by that
release, then migrated to this code. Every patch the release did not have runs exactly once; no customer's tier,
value, log row or evaluation is lost or changed except where a patch means to change it; a second migrate changes
nothing. From the oldest release and from the release before this one, on one site of its own (made at the start,
kept for the next run; runs last, with the other tests that install)."""

import json
import os
import re
import subprocess
import sys
import tarfile
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest

SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
# Named after the test site, so two checkouts testing on one bench do not share it.
OLD_SITE = SITE.removesuffix(".localhost") + "-old.localhost"
SITES = Path(os.environ["FRAPPE_BENCH_PATH"]) / "sites"
CHECKOUT = Path(__file__).resolve().parents[2]
PROCS = Path(__file__).resolve().parent / "procs"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = ("--db-root-username", "root", "--db-root-password", os.environ.get("MARIADB_ROOT_PASSWORD", "root"))
APP = "customer_priority"
# Saved by the patches that give new settings their defaults (Settings.save moves its own and its levels' modified).
SAVED = {"Customer Priority Level": "modified"}
# The one change to existing values a patch means: v0_4.three_state_facts moves each ticked box of a request's
# facts into its Yes / No / Not Asked field and drops the box.
MOVED = {
	"cp_request_important": "cp_important_to_them",
	"cp_gave_details": "cp_open_about_details",
	"cp_key_potential": "cp_could_become_key",
	"cp_final_stage": "cp_at_final_stage",
}


def git(*args: str) -> subprocess.CompletedProcess:
	return subprocess.run(["git", "-C", str(CHECKOUT), *args], capture_output=True, check=True)


RELEASES = {
	"v0.1": "d4504a1f5e31dd4a8b3f3d891d6157bd798d9431",
	"v0.2": "331dfc38b081f2e41e9c0431ebbc90f24e19d40b",
	"v0.3": "81116e1b7b9459527e87a36a45612803bd806857",
	"v0.4": "4aad915d8fb72d3b19345d3c1f6cc270f55969d0",
	"v0.5": "ce8d453f7425ee32d2955ac69ec8331257b30f89",
}
"""The tagged releases' commits: a clone that brought the history but not the tags still tests the upgrade."""


def releases() -> list[str]:
	"""The release tags (vX.Y), oldest first: the repository's and the ones above."""
	tags = git("tag", "--list", "v*").stdout.decode().split()
	tags = {t for t in [*tags, *RELEASES] if re.fullmatch(r"v\d+\.\d+(\.\d+)?", t)}
	return sorted(tags, key=lambda t: tuple(int(p) for p in t[1:].split(".")))


def commit_of(tag: str) -> str:
	found = git("tag", "--list", tag).stdout.decode().split()
	return tag if found else RELEASES[tag]


def patches_of(text: str) -> list[str]:
	return [line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith(("[", "#"))]


def current_patches() -> list[str]:
	return patches_of((CHECKOUT / APP / "patches.txt").read_text())


def release_patches(tag: str) -> list[str]:
	return patches_of(git("show", f"{commit_of(tag)}:{APP}/patches.txt").stdout.decode())


def upgrades_from() -> list[str]:
	"""The oldest release and the one before this code (the newest whose patches this code adds to)."""
	tags = releases()
	assert tags, "no release tags (vX.Y) in the repository: the upgrade from a release cannot be tested"
	older = [t for t in tags if set(release_patches(t)) != set(current_patches())]
	return sorted({tags[0], older[-1]}, key=tags.index)


def extract(tag: str, into: Path) -> Path:
	"""The release's app package, from its tag (git archive), as the only customer_priority on PYTHONPATH."""
	archive = git("archive", "--format=tar", commit_of(tag), APP).stdout
	with tarfile.open(fileobj=BytesIO(archive)) as tar:
		tar.extractall(into, filter="data")
	return into


def env_with(code: Path) -> dict:
	env = {k: v for k, v in os.environ.items() if k != "CI"}  # `bench` behaves differently under CI
	env["PYTHONPATH"] = str(code)
	return env


def run_bench(code: Path, *args: str) -> str:
	result = bench(*args, capture_output=True, env=env_with(code))
	assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
	assert "Traceback" not in result.stdout + result.stderr, result.stdout[-3000:] + result.stderr[-3000:]
	return result.stdout


def bench(*args: str, env: dict, **kwargs):
	return subprocess.run(
		[os.environ["CP_BENCH_COMMAND"], *args], cwd=SITES.parent, env=env, text=True, **kwargs
	)


def on_site(code: Path, action: str):
	"""procs/release_data.py on the site, importing the app from ``code``."""
	done = subprocess.run(
		[sys.executable, str(PROCS / "release_data.py"), OLD_SITE, action],
		cwd=SITES,
		env=env_with(code),
		capture_output=True,
		text=True,
		timeout=900,
	)
	assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
	return json.loads(done.stdout.strip().splitlines()[-1])


def drop() -> None:
	result = bench("drop-site", OLD_SITE, *ROOT, "--force", "--no-backup", env=env_with(CHECKOUT))
	assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def made_whole() -> bool:
	try:
		return on_site(CHECKOUT, "ready")
	except AssertionError:  # a site whose making was cut short may not even connect
		return False


@pytest.fixture(scope="module")
def old_site():
	"""The site is kept between runs (as the test site is; under CI=true it is made again), and each upgrade
	starts by removing the app as an uninstall does, with its Patch Log rows, so it meets a site that never had
	it. A site left half-made (no ERPNext, no company) is made again."""
	exists = (SITES / OLD_SITE / "site_config.json").exists()
	if exists and (IN_CI or not made_whole()):
		drop()
		exists = False
	if not exists:
		run_bench(
			CHECKOUT, "new-site", OLD_SITE, *ROOT, "--admin-password", "admin", "--install-app", "erpnext"
		)
		run_bench(CHECKOUT, "--site", OLD_SITE, "execute", "erpnext.setup.utils.before_tests")
	return OLD_SITE


def unchanged_except_patches(before: dict, after: dict) -> list[str]:
	"""Every row and every value of the release's snapshot is in the upgraded one, but for the patches' moves."""
	problems = []
	for table, rows in before["tables"].items():
		if table not in after["tables"]:
			problems.append(f"{table}: table lost")
			continue
		for name, row in rows.items():
			new = after["tables"][table].get(name)
			if new is None:
				problems.append(f"{table} {name}: row lost")
				continue
			for column, value in row.items():
				if column in MOVED and table in ("Lead", "Opportunity"):
					expected = "Yes" if value == 1 else "Not Asked"
					if column in new or new.get(MOVED[column]) != expected:
						problems.append(f"{table} {name}: {column}={value!r} not moved to {MOVED[column]}")
				elif SAVED.get(table) == column:
					continue
				elif new.get(column, "<missing>") != value:
					problems.append(f"{table} {name}: {column} {value!r} -> {new.get(column, '<missing>')!r}")
		if table == "Customer Tier Log" and set(after["tables"][table]) != set(rows):
			problems.append(f"{table}: rows added by the upgrade")
	for doctype, values in before["settings"].items():
		for field, value in values.items():
			if field != "modified" and after["settings"][doctype].get(field) != value:
				problems.append(f"{doctype}.{field}: {value!r} -> {after['settings'][doctype].get(field)!r}")
	return problems


def reasons_given_data(before: dict, after: dict) -> list[str]:
	"""v0_2.reasons_as_data: every reason kept as text has its data after the upgrade."""
	missing = []
	for table, (text, data) in {
		**{
			t: ("cp_tier_reason", "cp_tier_reason_data") for t in ("Customer", "Lead", "Opportunity", "Issue")
		},
		"Customer Tier Log": ("reason", "reason_data"),
	}.items():
		for name, row in after["tables"][table].items():
			if row.get(text) and not row.get(data) and name in before["tables"][table]:
				missing.append(f"{table} {name}")
	return missing


@pytest.mark.parametrize("release", upgrades_from())
def test_upgrade_with_data(old_site, release, tmp_path):
	code = extract(release, tmp_path)
	if APP in on_site(
		CHECKOUT, "installed"
	):  # the site of the release before: the app removed as an uninstall removes it
		run_bench(CHECKOUT, "--site", old_site, "uninstall-app", APP, "--yes", "--no-backup", "--force")
		on_site(CHECKOUT, "forget-patches")
	run_bench(code, "--site", old_site, "clear-cache")
	run_bench(code, "--site", old_site, "install-app", APP)
	made = on_site(code, "make")
	before = on_site(code, "snapshot")
	old_patches = release_patches(release)
	assert Counter(before["patches"]) == Counter(old_patches)  # an install marks its release's patches as run
	assert len(before["tables"]["Customer Tier Log"]) >= len(made["customers"])
	assert before["tables"]["Customer Evaluation"], "the release made no evaluation"

	run_bench(CHECKOUT, "--site", old_site, "migrate", "--skip-search-index")
	after = on_site(CHECKOUT, "snapshot")
	new = [p for p in current_patches() if p not in old_patches]
	assert Counter(after["patches"]) == Counter(old_patches + new), "each patch runs exactly once"
	assert after["patches"][len(old_patches) :] == new, "the new patches run in patches.txt's order"
	assert not unchanged_except_patches(before, after), "\n".join(unchanged_except_patches(before, after))
	assert not reasons_given_data(before, after), reasons_given_data(before, after)
	if any(p.endswith("three_state_facts") for p in new):
		lead = after["tables"]["Lead"][made["leads"][0]]
		assert (lead["cp_important_to_them"], lead["cp_could_become_key"]) == ("Yes", "Yes")
		assert lead["cp_open_about_details"] == "Not Asked"

	run_bench(CHECKOUT, "--site", old_site, "migrate", "--skip-search-index")
	again = on_site(CHECKOUT, "snapshot")
	assert again["patches"] == after["patches"], "a second migrate ran a patch again"
	assert again["checksums"] == after["checksums"], [
		t for t in again["checksums"] if again["checksums"][t] != after["checksums"].get(t)
	]

	# The upgraded site works on: this code's recompute runs over the release's data and keeps the log whole.
	on_site(CHECKOUT, "recompute")
	recomputed = on_site(CHECKOUT, "snapshot")
	assert set(after["tables"]["Customer Tier Log"]) <= set(recomputed["tables"]["Customer Tier Log"])
	assert recomputed["tables"]["Customer Evaluation"] == after["tables"]["Customer Evaluation"]
