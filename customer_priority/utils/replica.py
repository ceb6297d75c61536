"""Heavy reads on the site's read replica, writes on the primary.

Frappe's own switch (``read_from_replica``, ``replica_host``, ``replica_db_port`` in the site config;
``frappe.read_only()`` around a request) moves a whole request to the replica, which suits reports: they only read.
A recompute both reads the population and writes it, so it reads inside ``reads_on_replica()`` and writes after.
The replica must first have applied everything the primary had committed when the block began (MariaDB's
``MASTER_GTID_WAIT``): otherwise a recompute would write back figures older than what an order hook has just
stored. A replica further behind than that is passed over, and the block reads the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import frappe

CATCH_UP_SECONDS = 30
"""How long a recompute waits for the replica to apply what the primary has committed, before reading the primary."""


def configured() -> bool:
	return bool(frappe.conf.read_from_replica and frappe.conf.replica_host)


def connect():
	"""A connection to the replica, as Frappe's ``connect_replica`` makes it (same user unless the config says)."""
	from frappe.database import get_db

	conf = frappe.conf
	user, password = conf.db_name, conf.db_password
	if conf.different_credentials_for_replica:
		user, password = conf.replica_db_name, conf.replica_db_password
	return get_db(
		socket=None,
		host=conf.replica_host,
		port=conf.replica_db_port,
		user=user,
		password=password,
		cur_db_name=conf.db_name,
	)


@contextmanager
def reads_on_replica() -> Iterator[bool]:
	"""Inside the block ``frappe.db`` is the replica, caught up with the primary as it was when the block began;
	yields whether it is. Writing inside the block is an error (the replica is read-only), which is the point."""
	primary = frappe.local.db
	if not configured():
		yield False
		return
	if primary is getattr(frappe.local, "replica_db", None):
		yield True  # already on it: a request Frappe moved there (``frappe.read_only``)
		return
	position = primary.sql("select @@global.gtid_binlog_pos")[0][0]
	try:
		replica = connect()
		caught_up = not position or replica.sql(
			"select master_gtid_wait(%s, %s)", (position, CATCH_UP_SECONDS)
		)[0][0] in (0, "0")
	except Exception:
		# The site's log, not an Error Log: a record written here would sit in the caller's transaction.
		frappe.logger("customer_priority").warning("the read replica did not answer; reading the primary")
		yield False
		return
	if not caught_up:
		replica.close()
		frappe.logger("customer_priority").warning(
			f"the read replica had not applied {position} within {CATCH_UP_SECONDS} s; reading the primary"
		)
		yield False
		return
	frappe.local.db = replica
	try:
		yield True
	finally:
		frappe.local.db = primary
		replica.close()
