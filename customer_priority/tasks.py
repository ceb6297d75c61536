"""Every scheduled job of the app, in the order hooks.py runs them. Each one only decides when and calls below."""

import frappe
from frappe import _
from frappe.utils import getdate

from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.requests.conversion import retrain_all
from customer_priority.requests.escalation import run_escalations
from customer_priority.standing import recompute, reviews, watch
from customer_priority.standing.rebuild import retier_customer


def watch_then_recompute() -> None:
	"""Daily (long queue), in this order: the key-account watch, then the recompute, which reads the reasons the
	watch stored. A watch that fails is undone and logged; the recompute still runs, on the reasons of the day
	before."""
	try:
		refresh_key_account_watch()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("Customer Priority could not refresh the key-account watch"))
	recompute_standings()


def refresh_key_account_watch() -> None:
	"""Every key account's watch; customers whose reasons changed are re-decided."""
	for name in watch.refresh():
		retier_customer(name, "Scheduler")


def recompute_standings() -> None:
	"""The full recompute, as often as Settings ask (daily, weekly on Mondays, never)."""
	frequency = frappe.db.get_single_value(SETTINGS, "recompute_frequency") or "Daily"
	if frequency == "Never" or (frequency == "Weekly" and getdate().weekday() != 0):
		return
	recompute.recompute_all(source="Scheduler")


def create_review_todos() -> int:
	"""Daily: a ToDo for the account manager of each key account whose review is due."""
	return reviews.create_review_todos()


def retrain_conversion_models() -> list[str]:
	"""Weekly (long queue): the leads' and opportunities' conversion models learned again, open records scored."""
	return retrain_all()


def escalate_unanswered_requests() -> int:
	"""Every ten minutes: First and High requests still unanswered past their Respond By are escalated."""
	return run_escalations()
