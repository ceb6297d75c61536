"""A MariaDB primary and a replica following it, on this machine, for the tests that prove the app reads from a
replica (Frappe's ``read_from_replica``) and writes to the primary.

Two servers of the machine's own MariaDB, each with a data folder of its own under the bench
(``<bench>/cp-replica/``), listening on 127.0.0.1 only: the primary (port 3316) writes a binary log, the replica
(port 3317) follows it by GTID and is read-only to every user but root. The site for these tests keeps its
database on the primary. Started only when asked (``CP_REPLICA=1``), stopped by PID at the end of the run.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

PRIMARY_PORT = 3316
REPLICA_PORT = 3317
ROOT_PASSWORD = "root"
SETTINGS = (
	"--no-defaults",
	"--bind-address=127.0.0.1",
	"--user=root",
	"--character-set-server=utf8mb4",
	"--collation-server=utf8mb4_unicode_ci",
	"--innodb-buffer-pool-size=256M",
	"--skip-name-resolve",
	"--binlog-format=ROW",
	"--log-slave-updates",
)


def server(folder: Path, port: int, server_id: int, *extra: str) -> list[str]:
	mariadbd = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
	return [
		mariadbd,
		*SETTINGS,
		f"--datadir={folder / 'data'}",
		f"--port={port}",
		f"--socket={folder / 'mysqld.sock'}",
		f"--pid-file={folder / 'mysqld.pid'}",
		# A temporary folder of its own: a starting server clears the leftover work files in its folder, and
		# /tmp is the bench's server's.
		f"--tmpdir={folder / 'tmp'}",
		f"--server-id={server_id}",
		f"--log-bin={folder / 'data' / 'binlog'}",
		*extra,
	]


def client(folder: Path, sql: str) -> str:
	"""SQL as root through the server's own socket (root's password does not replicate; the socket needs none)."""
	result = subprocess.run(
		["mariadb", "--no-defaults", f"--socket={folder / 'mysqld.sock'}", "-uroot", "-N", "-B", "-e", sql],
		capture_output=True,
		text=True,
	)
	if result.returncode != 0:
		raise SystemExit(f"[integration] replica pair: {sql!r} failed: {result.stderr.strip()}")
	return result.stdout.strip()


class ReplicaPair:
	def __init__(self, bench: Path, say) -> None:
		self.root = bench / "cp-replica"
		self.primary = self.root / "primary"
		self.replica = self.root / "replica"
		self.say = say
		self.processes: list[subprocess.Popen] = []

	def start(self, fresh: bool) -> None:
		if fresh and self.root.exists():
			shutil.rmtree(self.root)
		new = not (self.primary / "data").exists()
		for folder in (self.primary, self.replica):
			(folder / "tmp").mkdir(parents=True, exist_ok=True)
			if not (folder / "data").exists():
				subprocess.run(
					[
						"mariadb-install-db",
						"--no-defaults",
						f"--datadir={folder / 'data'}",
						"--user=root",
						"--auth-root-authentication-method=normal",
						"--skip-test-db",
					],
					check=True,
					capture_output=True,
				)
		self.say(f"starting a MariaDB primary on port {PRIMARY_PORT} and a replica on port {REPLICA_PORT}")
		self.launch(server(self.primary, PRIMARY_PORT, 1), self.primary)
		self.launch(server(self.replica, REPLICA_PORT, 2, "--read-only=ON"), self.replica)
		if new:
			# Kept out of the binary log: the replica has root of its own; the site's user is replicated.
			client(
				self.primary,
				"SET sql_log_bin = 0;"
				f"CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{ROOT_PASSWORD}';"
				"GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
				"CREATE OR REPLACE USER 'replication'@'127.0.0.1' IDENTIFIED BY 'replication';"
				"GRANT REPLICATION SLAVE ON *.* TO 'replication'@'127.0.0.1';",
			)
			client(
				self.replica,
				f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={PRIMARY_PORT}, "
				"MASTER_USER='replication', MASTER_PASSWORD='replication', MASTER_USE_GTID=slave_pos;",
			)
		client(self.replica, "START SLAVE;")
		self.wait_caught_up()

	def launch(self, command: list[str], folder: Path) -> None:
		log = open(folder / "server.log", "ab")
		process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
		self.processes.append(process)
		for _ in range(240):
			if (folder / "mysqld.sock").exists():
				try:
					client(folder, "SELECT 1")
					return
				except SystemExit:
					pass
			if process.poll() is not None:
				break
			time.sleep(0.25)
		raise SystemExit(f"[integration] MariaDB in {folder} did not come up; see {folder / 'server.log'}")

	def wait_caught_up(self, seconds: int = 60) -> None:
		position = client(self.primary, "SELECT @@gtid_binlog_pos")
		if position:
			client(self.replica, f"SELECT MASTER_GTID_WAIT('{position}', {seconds})")

	def site_config(self) -> dict:
		"""What a site's config says to read from the replica (Frappe's own keys)."""
		return {"read_from_replica": 1, "replica_host": "127.0.0.1", "replica_db_port": REPLICA_PORT}

	def environment(self) -> dict[str, str]:
		"""For the tests: where to reach each server as root, to stop and watch the replica."""
		return {
			"CP_PRIMARY_SOCKET": str(self.primary / "mysqld.sock"),
			"CP_REPLICA_SOCKET": str(self.replica / "mysqld.sock"),
		}

	def stop(self) -> None:
		for process in reversed(self.processes):
			self.say(f"stopping MariaDB (pid {process.pid}), which this run started")
			process.terminate()
			try:
				process.wait(60)
			except subprocess.TimeoutExpired:
				process.kill()
