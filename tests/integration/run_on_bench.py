#!/usr/bin/env python3
"""Run the integration suite inside a real Frappe v15 + ERPNext v15 bench, or say loudly that there is none.

The bench is the folder FRAPPE_BENCH_PATH names, or else /opt/frappe-bench. The `bench` command is taken from
PATH first (where `pip install frappe-bench` puts it), then from the bench's own virtualenv. This script:
  1. starts the bench's MariaDB and Redis if they are not answering, and stops, at the end, only what it started;
  2. makes this checkout the code under test: every process it starts imports the app from the checkout
     (PYTHONPATH), so an app the bench already holds from another path is neither touched nor used. When the
     bench has no customer_priority app at all, a copy goes into apps/ (marked as the runner's, refreshed on
     each run) so that `bench` knows the app;
  3. creates the test site when it is missing, and under CI=true drops and re-creates it on every run, so CI
     always proves a site created a minute ago; then installs or migrates the app on it;
  4. runs pytest on tests/integration with the bench's Python, in a shuffled order (the seed is printed; set
     CP_TEST_SEED to repeat one), and the tests that install and uninstall (test_zz_*) last, on their own.
"""

from __future__ import annotations

import json
import os
import random
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
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
APP = "customer_priority"
RUNNER_COPY_MARK = ".copied-by-integration-runner"
# The tests that install and uninstall (test_zz_*.py: the uninstall/reinstall test alters the site under every
# other test, the install on a site without the setup wizard makes a site of its own) run alone, after the others.
LAST = "test_zz_"
PARTNER_APPS = ("crm", "helpdesk")
"""Frappe CRM and Helpdesk: when the bench has both, tests/integration/partners runs on a site with them installed."""
PARTNER_SITE = os.environ.get("CP_PARTNER_SITE", SITE.replace(".", "-partners.", 1))
REPLICA_ASKED = os.environ.get("CP_REPLICA", "").lower() in ("1", "true", "yes")
"""tests/integration/replica runs only when asked: it starts two more MariaDB servers and makes a site on them."""
REPLICA_SITE = os.environ.get("CP_REPLICA_SITE", SITE.replace(".", "-replica.", 1))
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


def find_bench_command() -> str | None:
	"""`bench` on PATH (the standard install), else the one in the bench's virtualenv."""
	on_path = shutil.which("bench")
	if on_path:
		return on_path
	in_env = BENCH / "env" / "bin" / "bench"
	return str(in_env) if in_env.exists() else None


def answering(host: str, port: int) -> bool:
	with socket.socket() as sock:
		sock.settimeout(1)
		return sock.connect_ex((host, port)) == 0


def wait_for(port: int, what: str, process: subprocess.Popen, seconds: int = 60) -> None:
	for _ in range(seconds * 4):
		if answering("127.0.0.1", port):
			return
		if process.poll() is not None:
			break
		time.sleep(0.25)
	raise SystemExit(f"[integration] {what} did not come up on port {port}")


class Services:
	"""MariaDB and the bench's two Redis servers: started here only when down, stopped by PID at the end."""

	def __init__(self) -> None:
		self.config = json.loads((BENCH / "sites" / "common_site_config.json").read_text())
		self.started: list[tuple[str, subprocess.Popen]] = []

	def start(self) -> None:
		db_port = int(self.config.get("db_port") or 3306)
		if not answering("127.0.0.1", db_port):
			mysqld = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
			run_dir = Path("/run/mysqld")
			run_dir.mkdir(parents=True, exist_ok=True)
			shutil.chown(run_dir, "mysql", "mysql")
			self.launch("MariaDB", [mysqld, "--user=mysql", "--bind-address=127.0.0.1"], db_port)
		for key in ("redis_cache", "redis_queue"):
			port = int(self.config[key].rsplit(":", 1)[1])
			if not answering("127.0.0.1", port):
				conf = BENCH / "config" / f"{key}.conf"
				self.launch(f"Redis ({key})", ["redis-server", str(conf), "--daemonize", "no"], port)

	def launch(self, what: str, command: list[str], port: int) -> None:
		say(f"starting {what}")
		process = subprocess.Popen(
			command,
			cwd=BENCH / "config",
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			start_new_session=True,
		)
		self.started.append((what, process))
		wait_for(port, what, process)

	def stop(self) -> None:
		for what, process in reversed(self.started):
			say(f"stopping {what} (pid {process.pid}), which this run started")
			process.terminate()
			try:
				process.wait(60)
			except subprocess.TimeoutExpired:
				process.kill()


class Bench:
	def __init__(self, command: str) -> None:
		self.command = command
		self.env = test_env()
		self.env.pop(
			"CI", None
		)  # `bench` treats CI as a reason to behave differently; pytest decides our status

	def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
		result = subprocess.run(
			[self.command, *args], cwd=BENCH, env=self.env, text=True, capture_output=True
		)
		if check and result.returncode != 0:
			print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
			raise SystemExit(f"[integration] bench {' '.join(args)} failed ({result.returncode})")
		return result


def test_env() -> dict[str, str]:
	"""The environment of every process this runner starts: offline, and importing the app from the checkout."""
	python_path = os.pathsep.join(p for p in (str(CHECKOUT), os.environ.get("PYTHONPATH")) if p)
	return {**os.environ, **OFFLINE, "PYTHONPATH": python_path}


def bench_python() -> str:
	return str(BENCH / "env" / "bin" / "python")


def runner_owns(target: Path) -> bool | None:
	"""Whether apps/<app> is the runner's own copy (True), someone else's app (False), or absent (None)."""
	if not (target.exists() or target.is_symlink()):
		return None
	return (target / RUNNER_COPY_MARK).is_file() and not target.is_symlink()


def make_app_known() -> None:
	"""`bench` must know the app (apps/, apps.txt); an app dir the runner did not make is left as it is."""
	target = BENCH / "apps" / APP
	owned = runner_owns(target)
	if owned is False:
		say(
			f"the bench already has {APP} at {target.resolve()}: left as it is; the tests import this checkout"
		)
		return
	if owned:
		shutil.rmtree(target)
	say(f"copying this checkout to {target} (marked as the runner's copy)")
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
	(target / RUNNER_COPY_MARK).write_text(
		"made by tests/integration/run_on_bench.py; replaced on each run\n"
	)
	found = subprocess.run(
		[bench_python(), "-c", f"import {APP}, os; print(os.path.dirname({APP}.__file__))"],
		capture_output=True,
		text=True,
		cwd=BENCH / "sites",
	)
	if found.returncode != 0:
		say("installing the app into the bench's Python")
		subprocess.run([bench_python(), "-m", "pip", "install", "--quiet", "-e", str(target)], check=True)
	apps = (BENCH / "sites" / "apps.txt").read_text().split()
	if APP not in apps:
		(BENCH / "sites" / "apps.txt").write_text("\n".join([*apps, APP]) + "\n")
	assets = BENCH / "sites" / "assets" / APP
	if not assets.exists() and not assets.is_symlink():
		assets.parent.mkdir(parents=True, exist_ok=True)
		assets.symlink_to(target / APP / "public")


def install_test_tools() -> None:
	"""What the suite needs in the bench's Python: the app's declared dependencies and the test tools."""
	import tomllib  # Python 3.11+, as the bench's and the test venv's Python are

	declared = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["project"].get("dependencies", [])
	wanted = [*declared, "pytest", "pytest-random-order", "hypothesis", "playwright"]
	probe = (
		"import sys, importlib.metadata as m\n"
		"from packaging.requirements import Requirement\n"
		"missing = []\n"
		"for spec in sys.argv[1:]:\n"
		"    req = Requirement(spec)\n"
		"    try:\n"
		"        if not req.specifier.contains(m.version(req.name), prereleases=True): missing.append(spec)\n"
		"    except m.PackageNotFoundError:\n"
		"        missing.append(spec)\n"
		"print('\\n'.join(missing))\n"
	)
	found = subprocess.run([bench_python(), "-c", probe, *wanted], capture_output=True, text=True)
	missing = found.stdout.split() if found.returncode == 0 else wanted
	if missing:
		say(f"installing into the bench's Python: {' '.join(missing)}")
		subprocess.run([bench_python(), "-m", "pip", "install", "--quiet", *missing], check=True)


def ensure_browser() -> None:
	"""Debian's Chromium for the browser test (Playwright drives it; it never downloads a browser of its own)."""
	if Path("/usr/bin/chromium").exists() or not shutil.which("apt-get"):
		return
	say("installing Chromium from Debian's packages")
	subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
	subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, capture_output=True)


def ensure_site(
	bench: Bench, site: str = SITE, apps_before: tuple[str, ...] = (), database: tuple[str, ...] = ()
) -> None:
	"""The test site (``apps_before``: other apps installed before this one, on a site made for them;
	``database``: where its database lives, when not on the bench's own server)."""
	root = ("--db-root-username", "root", "--db-root-password", DB_ROOT_PASSWORD)
	exists = (BENCH / "sites" / site / "site_config.json").exists()
	if exists and IN_CI:
		say(f"CI: dropping {site} to prove the suite on a new site")
		bench("drop-site", site, *root, "--force", "--no-backup")
		exists = False
	if not exists:
		say(
			f"creating the test site {site} (about a minute{' and one for each other app' if apps_before else ''})"
		)
		bench("new-site", site, *root, *database, "--admin-password", "admin", "--install-app", "erpnext")
		bench("--site", site, "execute", "erpnext.setup.utils.before_tests")
		bench("--site", site, "set-config", "allow_tests", "true")
		for app in apps_before:
			bench("--site", site, "install-app", app)
	bench("--site", site, "clear-cache")  # Frappe caches each app's modules: a newly added app must be seen
	if APP in bench("--site", site, "list-apps").stdout:
		say(f"migrating the app on {site}")
		bench("--site", site, "migrate", "--skip-search-index")
	else:
		say(f"installing the app on {site}")
		bench("--site", site, "install-app", APP)


def partners_on_bench() -> bool:
	"""Whether the bench has Frappe CRM and Helpdesk (their code in apps/ and listed in apps.txt)."""
	listed = (
		(BENCH / "sites" / "apps.txt").read_text().split() if (BENCH / "sites" / "apps.txt").exists() else []
	)
	return all((BENCH / "apps" / app).is_dir() and app in listed for app in PARTNER_APPS)


def pytest_args() -> tuple[list[str], list[str]]:
	"""The tests to run shuffled, and the ones to run last; paths on the command line narrow both."""
	tests = CHECKOUT / "tests" / "integration"

	def is_test(arg: str) -> bool:  # a file, or a file::test
		return Path(arg.split("::")[0]).exists()

	chosen = [a for a in sys.argv[1:] if is_test(a)]
	options = [a for a in sys.argv[1:] if not is_test(a)]
	if not chosen:
		chosen = [str(p) for p in sorted(tests.glob("test_*.py"))]
		chosen += [str(p) for p in sorted((tests / "partners").glob("test_*.py"))]
		if REPLICA_ASKED:
			chosen += [str(p) for p in sorted((tests / "replica").glob("test_*.py"))]
	chosen = [str(Path(a.split("::")[0]).resolve()) + a[len(a.split("::")[0]) :] for a in chosen]
	last = [a for a in chosen if Path(a.split("::")[0]).name.startswith(LAST)]
	return [*options, *(a for a in chosen if a not in last)], [*options, *last]


def for_partners(args: list[str], folder: str = "partners") -> tuple[list[str], list[str]]:
	"""The arguments split: the ones for the site with Frappe CRM and Helpdesk (or another folder's site), and
	the rest."""
	partners = CHECKOUT / "tests" / "integration" / folder

	def theirs(arg: str) -> bool:
		return Path(arg.split("::")[0]).resolve().is_relative_to(partners)

	options = [a for a in args if a.startswith("-")]
	return [*options, *(a for a in args if theirs(a))], [a for a in args if not theirs(a)]


def run_pytest(args: list[str], env: dict[str, str], seed: int | None) -> int:
	tests = CHECKOUT / "tests" / "integration"
	shuffle = ["--random-order-bucket=module", f"--random-order-seed={seed}"] if seed is not None else []
	command = [bench_python(), "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tests)]
	command += ["-c", str(tests / "pytest.ini"), *shuffle, *args]
	return subprocess.run(command, cwd=BENCH / "sites", env=env).returncode


def run_on_replica(bench: Bench, args: list[str], env: dict[str, str], seed: int) -> int:
	"""tests/integration/replica on a site whose database has a replica following it (see replica_pair.py)."""
	from replica_pair import PRIMARY_PORT, ReplicaPair

	if not REPLICA_ASKED:
		print(
			"SKIPPED: the replica tests run only with CP_REPLICA=1 (they start two MariaDB servers)",
			flush=True,
		)
		return 0
	pair = ReplicaPair(BENCH, say)
	try:
		# A new pair for a new site: the site's database lives only on these servers.
		ready = pair.root / f"{REPLICA_SITE}.ready"
		fresh = IN_CI or not ready.exists() or not (BENCH / "sites" / REPLICA_SITE).exists()
		if fresh and (BENCH / "sites" / REPLICA_SITE).exists():
			shutil.rmtree(BENCH / "sites" / REPLICA_SITE)
		pair.start(fresh=fresh)
		ensure_site(bench, REPLICA_SITE, database=("--db-host", "127.0.0.1", "--db-port", str(PRIMARY_PORT)))
		ready.write_text("the site's database is on these servers\n")
		for key, value in pair.site_config().items():
			bench("--site", REPLICA_SITE, "set-config", "--parse", key, json.dumps(value))
		pair.wait_caught_up()
		say(f"running the replica tests on {REPLICA_SITE}")
		return run_pytest(args, {**env, **pair.environment(), "CP_TEST_SITE": REPLICA_SITE}, seed)
	finally:
		pair.stop()


def main() -> int:
	if not (BENCH / "apps" / "frappe").is_dir() or not Path(bench_python()).exists():
		print(
			f"SKIPPED: no Frappe bench at {BENCH} (set FRAPPE_BENCH_PATH); integration tests did not run",
			flush=True,
		)
		return 0
	command = find_bench_command()
	if not command:
		say(f"a bench is at {BENCH}, but no `bench` command: none on PATH, none in {BENCH / 'env' / 'bin'}")
		say("install it with `pip install frappe-bench`, then run again")
		return 2
	say(f"bench at {BENCH}; `bench` command: {command}")
	services = Services()
	try:
		services.start()
		make_app_known()
		install_test_tools()
		ensure_browser()
		bench = Bench(command)
		ensure_site(bench)
		env = {
			**test_env(),
			"CP_TEST_SITE": SITE,
			"CP_BENCH_COMMAND": command,
			"FRAPPE_BENCH_PATH": str(BENCH),
			"CP_SCREENSHOTS": str(CHECKOUT / "docs" / "screenshots"),
		}
		shuffled, last = pytest_args()
		partner_shuffled, shuffled = for_partners(shuffled)
		partner_last, last = for_partners(last)
		replica_tests, shuffled = for_partners(shuffled, "replica")
		seed = int(os.environ.get("CP_TEST_SEED") or random.randrange(1, 100_000))
		status = 0
		if any(a.endswith(".py") or "::" in a for a in shuffled):
			say(
				f"running the integration suite on {SITE}, shuffled with seed {seed} (CP_TEST_SEED={seed} repeats it)"
			)
			status = run_pytest(shuffled, env, seed)
		if last and any(a.endswith(".py") or "::" in a for a in last):
			say("running the install, uninstall and reinstall tests last")
			last_status = run_pytest(last, env, None)
			status = status or last_status
		if any(a.endswith(".py") or "::" in a for a in replica_tests):
			status = run_on_replica(bench, replica_tests, env, seed) or status
		if any(a.endswith(".py") or "::" in a for a in (*partner_shuffled, *partner_last)):
			if not partners_on_bench():
				print(
					f"SKIPPED: Frappe CRM and Helpdesk are not on the bench at {BENCH}; their tests did not run",
					flush=True,
				)
				return status
			ensure_site(bench, PARTNER_SITE, PARTNER_APPS)
			partner_env = {**env, "CP_TEST_SITE": PARTNER_SITE}
			say(f"running the Frappe CRM and Helpdesk tests on {PARTNER_SITE}, shuffled with seed {seed}")
			if any(a.endswith(".py") or "::" in a for a in partner_shuffled):
				status = run_pytest(partner_shuffled, partner_env, seed) or status
			if any(a.endswith(".py") or "::" in a for a in partner_last):
				status = run_pytest(partner_last, partner_env, None) or status
		return status
	finally:
		services.stop()


if __name__ == "__main__":
	sys.exit(main())
