"""The site over HTTP for REST tests: a web server the fixture starts on 127.0.0.1 (a free port) and stops by PID,
and one user per persona with an API key, as an integration would call the app."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

import frappe

BENCH = Path(os.environ["FRAPPE_BENCH_PATH"])
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
# Each persona's roles. ERPNext's Sales Manager role only reads Customers (writing them comes with Sales User or
# Sales Master Manager), so a sales manager is given both, as ERPNext's own setup does.
PERSONAS = {
	"Guest": None,
	"Sales User": ["Sales User"],
	"Sales Manager": ["Sales Manager", "Sales User"],
	"Accounts User": ["Accounts User"],
	"System Manager": ["System Manager"],
}


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def listening(port: int) -> bool:
	with socket.socket() as sock:
		sock.settimeout(0.5)
		return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def server():
	"""Gunicorn serving Frappe, as production does, on 127.0.0.1 only (`bench serve` listens on every address and
	answers errors with its debugger); the site is chosen by the Host header. Stopped by its PID."""
	port = free_port()
	env = {k: v for k, v in os.environ.items() if k != "CI"}
	log = open(f"/tmp/cp-rest-server-{port}.log", "w")
	process = subprocess.Popen(
		[
			str(BENCH / "env" / "bin" / "gunicorn"),
			"--bind",
			f"127.0.0.1:{port}",
			"--workers",
			"1",
			"--timeout",
			"300",
			"frappe.app:application",
		],
		cwd=BENCH / "sites",
		env=env,
		stdout=log,
		stderr=subprocess.STDOUT,
	)
	try:
		for _ in range(240):
			if listening(port):
				break
			if process.poll() is not None:
				break
			time.sleep(0.5)
		else:
			pytest.fail(f"the web server did not start: see {log.name}")
		yield f"http://127.0.0.1:{port}"
	finally:
		process.terminate()
		try:
			process.wait(20)
		except subprocess.TimeoutExpired:
			process.kill()
		log.close()


@pytest.fixture(scope="session")
def keys():
	"""One committed user per persona with an API key and secret; removed at the end."""
	frappe.db.rollback()
	made, out = [], {"Guest": None}
	for persona, roles in PERSONAS.items():
		if roles is None:
			continue
		email = f"cp-rest-{persona.lower().replace(' ', '-')}@example.com"
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": persona,
					"send_welcome_email": 0,
					"user_type": "System User",
					"language": "en",
				}
			)
			user.flags.no_welcome_mail = True
			user.insert(ignore_permissions=True)
		user = frappe.get_doc("User", email)
		user.flags.ignore_permissions = True
		user.set("roles", [])
		user.add_roles(*roles)
		user.api_key = user.api_key or frappe.generate_hash(length=15)
		secret = frappe.generate_hash(length=15)
		user.api_secret = secret
		user.save(ignore_permissions=True)
		made.append(email)
		out[persona] = (email, f"token {user.api_key}:{secret}")
	frappe.db.commit()
	yield out
	frappe.db.rollback()
	for email in made:
		frappe.delete_doc("User", email, ignore_permissions=True, force=True)
	frappe.db.commit()


class Client:
	def __init__(self, base: str, auth: tuple[str, str] | None):
		self.base, self.user = base, auth[0] if auth else "Guest"
		self.headers = {"Host": SITE, "Accept": "application/json"}
		if auth:
			self.headers["Authorization"] = auth[1]

	def call(self, verb: str, path: str, **kwargs) -> requests.Response:
		response = requests.request(verb, self.base + path, headers=self.headers, timeout=120, **kwargs)
		frappe.db.rollback()  # the test's next read sees what the server committed
		frappe.db.value_cache.clear()
		return response

	def method(self, method: str, /, _verb: str = "POST", **args) -> requests.Response:
		if _verb == "GET":
			return self.call("GET", f"/api/method/{method}", params=args)
		return self.call(_verb, f"/api/method/{method}", json=args)

	def report(self, name: str, filters) -> requests.Response:
		return self.call(
			"POST",
			"/api/method/frappe.desk.query_report.run",
			json={"report_name": name, "filters": json.dumps(filters), "ignore_prepared_report": 1},
		)


def message_of(response: requests.Response) -> str:
	"""The message a user is shown for an error response."""
	try:
		body = response.json()
	except ValueError:
		return ""
	messages = body.get("_server_messages")
	if messages:
		return " ".join(json.loads(m).get("message", "") for m in json.loads(messages))
	return body.get("exception") or body.get("exc_type") or ""
