"""Every realtime message the app sends goes to a room that only its readers join: a document's room (Frappe lets
in only who may read the document) or one user's. None is broadcast to the whole site, where every desk user
would receive another customer's news."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "customer_priority"


def realtime_calls():
	for path in APP.rglob("*.py"):
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
			if not isinstance(node, ast.Call):
				continue
			func = node.func
			name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
			owner = (
				func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
			)
			if owner == "frappe" and name in ("publish_realtime", "publish_progress"):
				yield f"{path.relative_to(ROOT)}:{node.lineno}", name, {k.arg for k in node.keywords}


def test_the_app_sends_realtime_messages():
	assert any(name == "publish_realtime" for _where, name, _kw in realtime_calls())


def test_no_realtime_message_is_broadcast_to_the_site():
	wide = []
	for where, name, keywords in realtime_calls():
		to_document = {"doctype", "docname"} <= keywords
		if name == "publish_realtime" and not (to_document or "user" in keywords):
			wide.append(where)  # without a user or a document Frappe sends it to every desk user
		# publish_progress without a document goes to the session user's room: allowed.
		if name == "publish_progress" and ("doctype" in keywords) != ("docname" in keywords):
			wide.append(where)
	assert not wide, f"realtime messages to the whole site: {wide}"
