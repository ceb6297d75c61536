"""Defaults that name records ERPNext's setup wizard makes (its Sales Stages).

Installed on a site whose wizard has not run, such a default would name records that do not exist yet, and
Settings would refuse it. It is then left empty and noted as waiting (``pending_defaults``, shown on the Settings
form), and filled in once its records exist, whenever Settings are saved: when the wizard completes (the
``setup_wizard_complete`` hook, run after ERPNext's own steps made them), on every migrate, or by hand. A value
someone set in the meantime is kept.
"""

import frappe
from frappe import _

from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.data.settings import lines

# Field -> the doctype its default names, one record per line.
NAMED_BY_DEFAULT = {"final_sales_stages": "Sales Stage", "negotiation_sales_stages": "Sales Stage"}
PENDING_FIELD = "pending_defaults"
SAVEPOINT = "customer_priority_defaults"


def default_names(settings, field: str) -> list[str]:
	return lines(settings.meta.get_field(field).default)


def existing(doctype: str, name: str) -> str | None:
	"""The record a default names, or its translation in the site's language (the wizard makes its records under
	the names it shows the user)."""
	for candidate in (name, _(name)):
		if frappe.db.exists(doctype, candidate):
			return candidate
	return None


def hold_back_missing(settings) -> None:
	"""On install: a field still at its default whose records are not all there is emptied and noted waiting."""
	pending = lines(settings.get(PENDING_FIELD))
	for field, doctype in NAMED_BY_DEFAULT.items():
		names = default_names(settings, field)
		if lines(settings.get(field)) != names or all(existing(doctype, n) for n in names):
			continue
		settings.set(field, "")
		pending.append(field)
	settings.set(PENDING_FIELD, "\n".join(dict.fromkeys(pending)))


def fill_in(settings) -> None:
	"""Fill the waiting fields whose records now exist (Settings do it on every save); a field someone set
	meanwhile is theirs and waits no more."""
	still = []
	for field in lines(settings.get(PENDING_FIELD)):
		if field not in NAMED_BY_DEFAULT or settings.get(field):
			continue
		found = [existing(NAMED_BY_DEFAULT[field], n) for n in default_names(settings, field)]
		if all(found):
			settings.set(field, "\n".join(found))
		else:
			still.append(field)
	settings.set(PENDING_FIELD, "\n".join(still))


def fill_pending_defaults() -> None:
	"""When the wizard completes and on every migrate: Settings saved again if a default waits (see ``fill_in``).
	Neither the wizard nor a migrate fails for it: Settings that do not validate for another reason are logged and
	left as they are."""
	if not frappe.db.exists("DocType", SETTINGS) or not frappe.db.get_single_value(SETTINGS, PENDING_FIELD):
		return
	frappe.db.savepoint(SAVEPOINT)
	try:
		settings = frappe.get_single(SETTINGS)
		settings.flags.ignore_permissions = True
		settings.save()
	except Exception:
		frappe.db.rollback(save_point=SAVEPOINT)
		frappe.log_error(title=_("Customer Priority could not fill in the defaults of its Settings"))
	else:
		frappe.db.release_savepoint(SAVEPOINT)


def after_setup_wizard(args=None) -> None:
	fill_pending_defaults()


def waiting_notes(settings) -> list[str]:
	"""What the Settings form says of each field still waiting, in the reader's language."""
	notes = []
	for field in lines(settings.get(PENDING_FIELD)):
		if field not in NAMED_BY_DEFAULT or settings.get(field):
			continue
		doctype = NAMED_BY_DEFAULT[field]
		missing = [n for n in default_names(settings, field) if not existing(doctype, n)]
		label = frappe.bold(_(settings.meta.get_label(field)))
		if missing:
			notes.append(
				_(
					"{0} is empty: its default names {1} records that do not exist yet ({2}). ERPNext's setup "
					"wizard makes them, and the default is filled in then, unless you set this field first."
				).format(label, _(doctype), ", ".join(_(n) for n in missing))
			)
		else:
			notes.append(
				_("{0} is empty: the records its default names exist now; save to fill it in.").format(label)
			)
	return notes
