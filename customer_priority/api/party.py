"""Actions a Sales Manager takes by hand: override a tier (with a reason), clear it, mark a key account."""

import frappe
from frappe import _
from frappe.utils import cint, now_datetime

from customer_priority.engine.announcements import announcement_for
from customer_priority.engine.i18n import _ as mark
from customer_priority.engine.i18n import reason as engine_reason
from customer_priority.engine.roles import buying_role_play
from customer_priority.engine.settings import TIERS
from customer_priority.requests.partners import CRM_DOCTYPES, has_tiers
from customer_priority.standing.explain import override_reason, reason_values
from customer_priority.standing.log import write_log
from customer_priority.standing.rebuild import retier_customer
from customer_priority.utils import inputs
from customer_priority.utils.permissions import require_manager

OVERRIDABLE = ("Customer", "Lead", "Opportunity", *CRM_DOCTYPES)
"""Frappe CRM's leads and deals too (crm#792 asks for a manual override); only where installed (``check``)."""


def check(doctype, name) -> None:
	"""The party a manager acts on: one of the tiered doctypes, existing, and writable by them. Arguments are
	checked before anything is read (a hostile value gets a clear 4xx, never a 500)."""
	inputs.required("Document Type", doctype)
	if not isinstance(doctype, str) or doctype not in OVERRIDABLE or not has_tiers(doctype):
		frappe.throw(_("Tiers can be set by hand only on {0}").format(", ".join(_(d) for d in OVERRIDABLE)))
	inputs.name("Name", name)
	require_manager()
	inputs.existing("Name", doctype, name)
	frappe.has_permission(doctype, "write", doc=name, throw=True)


def why(reason) -> str:
	if reason is None or (isinstance(reason, str) and not reason.strip()):
		frappe.throw(_("Say why"), frappe.MandatoryError, title=_("Reason Needed"))
	return inputs.text("Reason", reason).strip()


# Arguments default to None so that a missing one is refused with a message (Frappe answers a Python TypeError
# with a 500).
@frappe.whitelist(methods=["POST"])
def set_tier_override(
	doctype: str | None = None, name: str | None = None, tier: str | None = None, reason: str | None = None
) -> dict:
	check(doctype, name)
	inputs.required("Tier", tier)
	inputs.choice("Tier", tier, TIERS)
	if reason is None or (isinstance(reason, str) and not reason.strip()):
		frappe.throw(_("Say why the tier is set by hand"), frappe.MandatoryError, title=_("Reason Needed"))
	reason = why(reason)
	# Read locked: two managers at once log one move after the other, not both from the same tier.
	old = frappe.db.get_value(
		doctype, name, ["cp_priority_tier", "cp_rule_tier"], as_dict=True, for_update=True
	)
	frappe.db.set_value(
		doctype,
		name,
		{
			"cp_tier_override": 1,
			"cp_override_tier": tier,
			"cp_override_reason": reason.strip(),
			"cp_override_by": frappe.session.user,
			"cp_override_on": now_datetime(),
			"cp_priority_tier": tier,
			"cp_rule_tier": old.cp_rule_tier or old.cp_priority_tier,
			**reason_values(override_reason(reason)),
		},
	)
	write_log(
		[
			{
				"party_type": doctype,
				"party": name,
				"field": "Override",
				"old_value": old.cp_priority_tier or "",
				"new_value": tier,
				"reason": reason.strip(),
				"source": "Manual",
			}
		]
	)
	return {"tier": tier}


@frappe.whitelist()
def may_override(doctype: str | None = None, name: str | None = None) -> dict:
	"""Whether the reader may set this record's tier by hand, and the tiers to choose from (in their language):
	Frappe CRM's pages show the button only then (the setting itself checks again)."""
	try:
		check(doctype, name)
	except (frappe.PermissionError, frappe.ValidationError):
		frappe.clear_messages()
		return {"may": False, "tiers": [], "overridden": False}
	return {
		"may": True,
		"tiers": [{"value": tier, "label": _(tier)} for tier in TIERS],
		# Read here, not from the page's copy: CRM first shows a cached copy of the record.
		"overridden": bool(cint(frappe.db.get_value(doctype, name, "cp_tier_override"))),
	}


@frappe.whitelist(methods=["POST"])
def clear_tier_override(doctype: str | None = None, name: str | None = None) -> dict:
	check(doctype, name)
	row = frappe.db.get_value(
		doctype, name, ["cp_priority_tier", "cp_rule_tier", "cp_tier_override"], as_dict=True, for_update=True
	)
	if not cint(row.cp_tier_override):
		return {"tier": row.cp_priority_tier}
	frappe.db.set_value(
		doctype,
		name,
		{
			"cp_tier_override": 0,
			"cp_override_tier": None,
			"cp_override_reason": None,
			"cp_override_by": None,
			"cp_override_on": None,
		},
	)
	if doctype == "Customer":
		retier_customer(name, "Manual")
	else:
		doc = frappe.get_doc(doctype, name)
		doc.flags.ignore_permissions = True
		doc.save()
	tier = frappe.db.get_value(doctype, name, "cp_priority_tier")
	write_log(
		[
			{
				"party_type": doctype,
				"party": name,
				"field": "Override",
				"old_value": row.cp_priority_tier or "",
				"new_value": tier or "",
				"reasons": [engine_reason(mark("Override cleared: the rules decide again"))],
				"source": "Manual",
			}
		]
	)
	return {"tier": tier}


@frappe.whitelist(methods=["POST"])
def set_key_account(
	customer: str | None = None, is_key: int | str | None = None, reason: str | None = None
) -> dict:
	"""Mark (or unmark) a key account by hand; the rules leave a manual mark alone."""
	check("Customer", customer)
	inputs.required("Key Account", is_key)
	is_key = inputs.flag("Key Account", is_key)
	reason = why(reason)
	old, tier, manager = frappe.db.get_value(
		"Customer", customer, ["cp_key_account", "cp_priority_tier", "account_manager"], for_update=True
	)
	old = cint(old)
	frappe.db.set_value(
		"Customer",
		customer,
		{"cp_key_account": cint(is_key), "cp_key_account_source": "Manual" if cint(is_key) else ""},
	)
	write_log(
		[
			{
				"party_type": "Customer",
				"party": customer,
				"field": "Key Account",
				"old_value": str(old),
				"new_value": str(cint(is_key)),
				"reason": reason.strip(),
				"source": "Manual",
				"account_manager": manager,
				"announcement": announcement_for(
					"Key Account", str(old), str(cint(is_key)), bool(cint(is_key)), bool(tier)
				),
			}
		]
	)
	retier_customer(customer, "Manual")
	return {"key_account": cint(is_key)}


@frappe.whitelist()
@frappe.read_only()  # reads only: on the site's read replica when it has one
def buying_roles(customer: str | None = None) -> list[dict]:
	"""Contacts linked to a customer with their buying role (spec section 5), Wallet first."""
	inputs.existing("Customer", "Customer", customer)
	frappe.has_permission("Customer", "read", doc=customer, throw=True)
	contacts = frappe.get_list(
		"Contact",
		filters=[
			["Dynamic Link", "link_doctype", "=", "Customer"],
			["Dynamic Link", "link_name", "=", customer],
		],
		fields=["name", "full_name", "cp_buying_role as role", "cp_buying_role_note as note"],
		limit_page_length=50,
	)
	order = {"Wallet": 0, "Ally": 1, "Airbag": 2, "Internal": 3}
	for contact in contacts:
		contact.play = _(buying_role_play(contact.role))
	return sorted(contacts, key=lambda c: (order.get(c.role, 4), c.full_name or c.name))
