"""The version names the release whose patches the code holds: patches/v0_N holds what an upgrade to 0.N runs, so
code with patches/v0_N is release 0.N (README, "Releases and upgrades"), and patches.txt lists exactly the patch
modules there are."""

import re
from pathlib import Path

from customer_priority import __version__

APP = Path(__file__).resolve().parents[2] / "customer_priority"


def test_the_version_is_the_release_of_the_newest_patches():
	releases = [
		tuple(int(p) for p in d.name[1:].split("_"))
		for d in (APP / "patches").iterdir()
		if d.is_dir() and re.fullmatch(r"v\d+_\d+", d.name)
	]
	assert re.fullmatch(r"\d+\.\d+\.\d+", __version__), __version__
	major, minor, _patch = (int(p) for p in __version__.split("."))
	assert (major, minor) == max(releases), (
		f"__version__ is {__version__} but the newest patches are for {'.'.join(map(str, max(releases)))}: "
		"a release's first patch directory comes with its version in customer_priority/__init__.py"
	)


def test_patches_txt_lists_every_patch_module_once():
	listed = [
		line.split()[0]
		for line in (APP / "patches.txt").read_text().splitlines()
		if line.strip() and not line.startswith(("[", "#"))
	]
	modules = {
		".".join(("customer_priority", *f.relative_to(APP).with_suffix("").parts))
		for f in (APP / "patches").rglob("*.py")
		if f.name != "__init__.py"
	}
	assert len(listed) == len(set(listed)) and set(listed) == modules
