"""What a database error leaves of the transaction it happened in."""

import frappe


def transaction_lost(exc: BaseException) -> bool:
	"""Whether ``exc`` (or an error it was raised from or while handling) is a deadlock or a lock wait timeout.

	After a deadlock the database has rolled the whole transaction back and dropped its savepoints, so work kept
	apart in a savepoint cannot be undone alone: the caller must fail as a whole (and may be retried). A lock wait
	timeout is treated alike: the row stayed locked, and the caller fails as it would without this app.

	``frappe.db.sql`` raises them as ``frappe.QueryDeadlockError`` / ``frappe.QueryTimeoutError`` holding the
	driver's error as their argument, which ``frappe.db.is_deadlocked`` does not recognise; a driver's error
	raised by another path is asked of the database by its code."""
	seen = set()
	while exc is not None and id(exc) not in seen:
		seen.add(id(exc))
		if isinstance(exc, frappe.QueryDeadlockError | frappe.QueryTimeoutError):
			return True
		code = exc.args[0] if exc.args else None
		if isinstance(code, int) and (frappe.db.is_deadlocked(exc) or frappe.db.is_timedout(exc)):
			return True
		exc = exc.__cause__ or exc.__context__
	return False
