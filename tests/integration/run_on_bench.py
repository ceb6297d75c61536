#!/usr/bin/env python3
"""Run the integration suite inside a real Frappe v15 + ERPNext v15 bench, or say loudly that there is none.

The bench is found through FRAPPE_BENCH_PATH, or else at /opt/frappe-bench. This script:
  1. starts the bench's MariaDB and Redis if they are not answering (and stops, at the end, only what it started);
  2. installs this checkout into the bench (a copy in apps/customer_priority, installed editable in its env);
  3. creates the dedicated test site when it is missing, installs or migrates the app on it;
  4. runs pytest on tests/integration with the bench's Python, and exits with its status.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
BENCH = Path(os.environ.get("FRAPPE_BENCH_PATH") or "/opt/frappe-bench")
SITE = os.environ.get("CP_TEST_SITE", "cp-test.localhost")
DB_ROOT_PASSWORD = os.environ.get("MARIADB_ROOT_PASSWORD", "root")
APP = "customer_priority"
# Offline, Frappe's gravatar and exchange-rate look-ups would wait on the network: refuse them at once.
OFFLINE = {
	"HTTP_PROXY": "http://127.0.0.1:9",
	"HTTPS_PROXY": "http://127.0.0.1:9",
	"NO_PROXY": "127.0.0.1,localhost",
	"http_proxy": "http://127.0.0.1:9",
	"https_proxy": "http://127.0.0.1:9",
	"no_proxy": "127.0.0.1,localhost",
}


def say(message: str) -> None:
	print(f"[integration] {message}", flush=True)


def answering(host: str, port: int) -> bool:
	with socket.socket() as sock:
		sock.settimeout(1)
		return sock.connect_ex((host, port)) == 0


def wait_for(port: int, what: str, seconds: int = 60) -> None:
	for _ in range(seconds * 4):
		if answering("127.0.0.1", port):
			return
		time.sleep(0.25)
	raise SystemExit(f"[integration] {what} did not come up on port {port}")


def ensure_services(started: list[str]) -> None:
	config = json.loads((BENCH / "sites" / "common_site_config.json").read_text())
	if not answering("127.0.0.1", int(config.get("db_port") or 3306)):
		say("starting MariaDB")
		if (
			shutil.which("service")
			and subprocess.run(["service", "mariadb", "start"], capture_output=True).returncode == 0
		):
			started.append("mariadb")
		else:
			subprocess.Popen(
				["mysqld_safe"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
			)
			started.append("mysqld_safe")
		wait_for(int(config.get("db_port") or 3306), "MariaDB")
	for key, conf in (("redis_cache", "redis_cache.conf"), ("redis_queue", "redis_queue.conf")):
		port = int(config[key].rsplit(":", 1)[1])
		if not answering("127.0.0.1", port):
			say(f"starting Redis ({key})")
			subprocess.run(
				["redis-server", str(BENCH / "config" / conf), "--daemonize", "yes"],
				check=True,
				cwd=BENCH / "config",
			)
			started.append(key)
			wait_for(port, key)


def stop_services(started: list[str]) -> None:
	for key in ("redis_cache", "redis_queue"):
		if key in started:
			pid_file = BENCH / "config" / "pids" / f"{key}.pid"
			if pid_file.exists():
				subprocess.run(["kill", pid_file.read_text().strip()], check=False)


def bench(*args: str, check: bool = True) -> subprocess.CompletedProcess:
	env = {**os.environ, **OFFLINE}
	env.pop("CI", None)  # `bench` treats CI as a reason to behave differently; pytest decides our exit status
	result = subprocess.run(
		[str(BENCH / "env" / "bin" / "bench"), *args], cwd=BENCH, env=env, text=True, capture_output=True
	)
	if check and result.returncode != 0:
		print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
		raise SystemExit(f"[integration] bench {' '.join(args)} failed ({result.returncode})")
	return result


def install_checkout() -> None:
	target = BENCH / "apps" / APP
	if target.is_symlink():
		target.unlink()
	if target.exists():
		shutil.rmtree(target)
	shutil.copytree(
		CHECKOUT,
		target,
		ignore=shutil.ignore_patterns(
			".git",
			".venv",
			"__pycache__",
			"*.pyc",
			".pytest_cache",
			".ruff_cache",
			".hypothesis",
			"node_modules",
			"benchmarks/out",
		),
	)
	python = str(BENCH / "env" / "bin" / "python")
	found = subprocess.run(
		[python, "-c", f"import {APP}, os; print(os.path.dirname({APP}.__file__))"],
		capture_output=True,
		text=True,
		cwd=BENCH / "sites",
	)
	if found.returncode != 0 or Path(found.stdout.strip()).resolve() != (target / APP).resolve():
		say("installing the app into the bench's Python")
		subprocess.run(
			[python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(target)], check=True
		)
	for module, package in (("pytest", "pytest"), ("playwright", "playwright")):
		if subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode != 0:
			subprocess.run([python, "-m", "pip", "install", "--quiet", package], check=True)
	apps = (BENCH / "sites" / "apps.txt").read_text().split()
	if APP not in apps:
		(BENCH / "sites" / "apps.txt").write_text("\n".join([*apps, APP]) + "\n")
	assets = BENCH / "sites" / "assets" / APP
	if not assets.exists():
		assets.parent.mkdir(parents=True, exist_ok=True)
		assets.symlink_to(target / APP / "public")


def ensure_browser() -> None:
	"""Debian's Chromium for the browser test (Playwright drives it; it never downloads a browser of its own)."""
	if Path("/usr/bin/chromium").exists() or not shutil.which("apt-get"):
		return
	say("installing Chromium from Debian's packages")
	subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
	subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, capture_output=True)


def ensure_site() -> None:
	if not (BENCH / "sites" / SITE / "site_config.json").exists():
		say(f"creating test site {SITE} (a few minutes)")
		bench(
			"new-site",
			SITE,
			"--db-root-username",
			"root",
			"--db-root-password",
			DB_ROOT_PASSWORD,
			"--admin-password",
			"admin",
			"--install-app",
			"erpnext",
		)
		bench("--site", SITE, "execute", "erpnext.setup.utils.before_tests")
		bench("--site", SITE, "set-config", "allow_tests", "true")
	bench("--site", SITE, "clear-cache")  # Frappe caches each app's modules: a newly added app must be seen
	installed = bench("--site", SITE, "list-apps").stdout
	if APP in installed:
		say("migrating the app on the test site")
		bench("--site", SITE, "migrate", "--skip-search-index")
	else:
		say("installing the app on the test site")
		bench("--site", SITE, "install-app", APP)


def main() -> int:
	if not (BENCH / "apps" / "frappe").is_dir() or not (BENCH / "env" / "bin" / "python").exists():
		print(
			f"SKIPPED: no Frappe bench at {BENCH} (set FRAPPE_BENCH_PATH); integration tests did not run",
			flush=True,
		)
		return 0
	started: list[str] = []
	try:
		ensure_services(started)
		install_checkout()
		ensure_browser()
		ensure_site()
		env = {
			**os.environ,
			**OFFLINE,
			"CP_TEST_SITE": SITE,
			"FRAPPE_BENCH_PATH": str(BENCH),
			"CP_SCREENSHOTS": str(CHECKOUT / "docs" / "screenshots"),
		}
		tests = BENCH / "apps" / APP / "tests" / "integration"
		# Paths given on the command line name files of this checkout: run their copies in the bench.
		args = [
			str(BENCH / "apps" / APP / Path(a).resolve().relative_to(CHECKOUT)) if Path(a).exists() else a
			for a in sys.argv[1:]
		]
		if not any(Path(a).exists() for a in args):
			args.append(str(tests))
		say(f"running the integration suite on {SITE}")
		result = subprocess.run(
			[
				str(BENCH / "env" / "bin" / "python"),
				"-m",
				"pytest",
				"-p",
				"no:cacheprovider",
				"--rootdir",
				str(tests),
				"-c",
				str(tests / "pytest.ini"),
				*args,
			],
			cwd=BENCH / "sites",
			env=env,
		)
		return result.returncode
	finally:
		stop_services(started)


if __name__ == "__main__":
	sys.exit(main())
