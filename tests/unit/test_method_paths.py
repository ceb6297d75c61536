"""Every dotted path the app hands Frappe (hooks, standard records, desk calls, queued jobs) names a function that
exists, and a standard record whose content changed carries a newer ``modified`` than the release before, so
``bench migrate`` brings the change to sites that already have it."""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "customer_priority"
PATH = re.compile(r"""["'](customer_priority(?:\.\w+)+)["']""")


def defined(dotted: str) -> bool:
	module, _dot, name = dotted.rpartition(".")
	source = ROOT / (module.replace(".", "/") + ".py")
	if not source.exists():
		return False
	tree = ast.parse(source.read_text())
	return any(
		isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name for node in tree.body
	) or any(
		isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names) for node in tree.body
	)


def referenced_paths() -> set[str]:
	found = set()
	for path in [APP / "hooks.py", *APP.rglob("*.js"), *APP.rglob("*.json"), *APP.rglob("*.py")]:
		for dotted in PATH.findall(path.read_text(encoding="utf-8")):
			module = ROOT / (dotted.replace(".", "/") + ".py")
			package = ROOT / dotted.replace(".", "/")
			if not module.exists() and not package.is_dir():  # a function, not a module
				found.add(dotted)
	return found


@pytest.mark.parametrize("dotted", sorted(referenced_paths()))
def test_every_dotted_path_names_a_function_that_exists(dotted):
	assert defined(dotted), dotted


def git(*args: str) -> str:
	return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def test_a_standard_record_whose_content_changed_has_a_newer_modified():
	"""A standard record (report, card, chart, workspace, doctype) is re-imported on migrate only when its
	``modified`` moved: each change of one, in the history and in the working tree, must move it."""
	try:
		git("rev-parse", "HEAD")
	except (OSError, subprocess.CalledProcessError):
		pytest.skip("not a git checkout")
	for path in (APP / "customer_priority").rglob("*.json"):
		name = str(path.relative_to(ROOT))
		versions = [
			json.loads(git("show", f"{commit}:{name}"))
			for commit in git("log", "--format=%H", "--", name).split()[:2]
		]
		current = json.loads(path.read_text())
		if versions and current != versions[0]:
			assert current["modified"] > versions[0]["modified"], f"{name}: changed, modified not moved"
		if len(versions) == 2 and versions[0] != versions[1]:
			assert versions[0]["modified"] > versions[1]["modified"], f"{name}: changed, modified not moved"
