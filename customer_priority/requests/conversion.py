"""How likely each open Lead and Opportunity is to buy (``engine.conversion``), learned from this site's own closed
ones: the features as SQL, the training job and its record (Conversion Model), the scores on every save and after
each training.

What counts as closed: a Lead that became a customer (Converted, a Customer made from it, or an opportunity of it
won) bought; one marked Lost Quotation or Do Not Contact, or whose opportunities were all lost or closed, did not.
An Opportunity that became an order (Converted) bought; Lost or Closed did not. A closed record's features are
taken as they were when it closed (its last change): the messages, meetings and to-dos until then, and its age
then; an open one's as they are now.
"""

from __future__ import annotations

import json

import numpy as np

import frappe
from frappe import _
from frappe.utils import flt, get_datetime, getdate, now_datetime

from customer_priority.data import purchases
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.engine.conversion import ConversionModel, Training, train
from customer_priority.requests.partners import CRM_DOCTYPES, CRM_LEAD_CLOSED, present
from customer_priority.utils import reasons
from customer_priority.utils.sql import column_literals

MODEL_DOCTYPE = "Conversion Model"
SCORED_DOCTYPES = ("Lead", "Opportunity")
LEAD_CLOSED_STATUSES = ("Converted", "Lost Quotation", "Do Not Contact")
OPPORTUNITY_WON, OPPORTUNITY_NOT = ("Converted",), ("Lost", "Closed")
KINDS = {"logistic": "Logistic Regression", "naive_bayes": "Naive Bayes"}
STAGE_FEATURE = {
	"Lead": "final_stage",
	"Opportunity": "sales_stage",
	"CRM Lead": "final_stage",
	"CRM Deal": "sales_stage",
}
"""The stage-alone baseline's feature: what the tier rules read as the stage today."""

COMMON_COLUMNS = {
	"source": "d.source",
	"territory": "d.territory",
	"industry": "d.industry",
	"company_size": "d.no_of_employees",
	"request_type": "d.cp_request_type",
	"important": "d.cp_important_to_them",
	"open_about_details": "d.cp_open_about_details",
	"could_become_key": "d.cp_could_become_key",
	"final_stage": "d.cp_at_final_stage",
	"last_request": "d.cp_last_request",
}
OWN_COLUMNS = {
	"Lead": {"qualification": "d.qualification_status"},
	"Opportunity": {
		"sales_stage": "d.sales_stage",
		"opportunity_from": "d.opportunity_from",
		"customer_may_leave": "d.cp_churn_risk",
		"stated_probability": "d.probability",
	},
	# Frappe CRM, where installed: a lead's status, a deal's status (its sales stage) and the probability set on it.
	"CRM Lead": {"qualification": "d.status"},
	"CRM Deal": {"sales_stage": "d.status", "stated_probability": "d.probability"},
}
AMOUNT = {
	"Lead": "0, d.company",
	"Opportunity": "d.base_opportunity_amount, d.company",
	"CRM Lead": "0, null",
	# In CRM's own currency (its exchange rate), not converted to ERPNext's value currency.
	"CRM Deal": "d.deal_value * ifnull(nullif(d.exchange_rate, 0), 1), null",
}
CRM_DEAL_WON = "exists (select 1 from `tabCRM Deal Status` s where s.name = {deal}.status and s.type = 'Won')"
CRM_DEAL_LOST = (
	"exists (select 1 from `tabCRM Deal Status` s where s.name = {deal}.status and s.type = 'Lost')"
)


def outcome_sql(doctype: str) -> str:
	"""1 bought, 0 did not, NULL still open: the one rule of what closed means (module docstring)."""
	if doctype == "Opportunity":
		return f"""case when d.status in {sql_tuple(OPPORTUNITY_WON)} then 1
			when d.status in {sql_tuple(OPPORTUNITY_NOT)} then 0 end"""
	if doctype == "CRM Deal":
		return f"case when {CRM_DEAL_WON.format(deal='d')} then 1 when {CRM_DEAL_LOST.format(deal='d')} then 0 end"
	if doctype == "CRM Lead":
		# Converted into a deal that was won bought; Junk, Unqualified, or every deal of it lost did not.
		deals = "select 1 from `tabCRM Deal` o where o.lead = d.name"
		return f"""case when exists ({deals} and {CRM_DEAL_WON.format(deal='o')}) then 1
			when d.status in {sql_tuple(CRM_LEAD_CLOSED)}
				or (exists ({deals}) and not exists ({deals} and not {CRM_DEAL_LOST.format(deal='o')})) then 0
			end"""
	won = f"""d.status = 'Converted'
		or exists (select 1 from `tabCustomer` c where c.lead_name = d.name)
		or exists (select 1 from `tabOpportunity` o where o.opportunity_from = 'Lead' and o.party_name = d.name
			and o.status in {sql_tuple(OPPORTUNITY_WON)})"""
	lost = f"""d.status in ('Lost Quotation', 'Do Not Contact')
		or (exists (select 1 from `tabOpportunity` o where o.opportunity_from = 'Lead' and o.party_name = d.name)
			and not exists (select 1 from `tabOpportunity` o where o.opportunity_from = 'Lead'
				and o.party_name = d.name and o.status not in {sql_tuple(OPPORTUNITY_NOT)}))"""
	return f"case when {won} then 1 when {lost} then 0 end"


def sql_tuple(values: tuple[str, ...]) -> str:
	return "(" + ", ".join(frappe.db.escape(v) for v in values) + ")"


def read_records(doctype: str, names: list[str] | None = None) -> dict:
	"""Every record's (or the named records') features, outcome and time, as columns. The touches come in three
	indexed reads (``touch_columns``), each counting only what happened before the record's cut-off (its close,
	or now)."""
	columns = {**COMMON_COLUMNS, **OWN_COLUMNS[doctype]}
	selected = ", ".join(f"{sql} as `{feature}`" for feature, sql in columns.items())
	condition, params = "", {"now": now_datetime()}
	if names is not None:
		condition, params["names"] = "where d.name in %(names)s", tuple(names) or ("",)
	amount = AMOUNT[doctype]
	rows = frappe.db.sql(
		f"""select d.name, {selected}, {outcome_sql(doctype)} as outcome, d.creation, d.modified, {amount}
		from `tab{doctype}` d {condition}""",
		params,
		as_dict=False,
	)
	features = list(columns)
	n = len(features)
	out = {f: [row[1 + i] for row in rows] for i, f in enumerate(features)}
	names = [row[0] for row in rows]
	outcome = [row[1 + n] for row in rows]
	cutoff = [row[3 + n] if row[1 + n] is not None else params["now"] for row in rows]
	age = [(c - row[2 + n]).total_seconds() / 86400 for c, row in zip(cutoff, rows, strict=True)]
	rates = dict(purchases.current().rates)
	amounts = [flt(row[4 + n]) * rates.get(row[5 + n], 1.0) for row in rows]
	out.update(touch_columns(doctype, names, cutoff))
	out["age_days"] = age
	if doctype in ("Opportunity", "CRM Deal"):
		out["amount"] = amounts
	return {
		"names": names,
		"columns": out,
		"outcome": outcome,
		"closed_day": [getdate(c).toordinal() for c in cutoff],
		"amount": amounts,
	}


def touch_columns(doctype: str, names: list[str], cutoff: list) -> dict[str, list]:
	"""Each record's messages, meetings and to-dos before its cut-off, and the days from the last one to it."""
	out = {feature: [0] * len(names) for feature in ("messages", "meetings", "tasks")}
	last_touch: list = [None] * len(names)
	position = {name: i for i, name in enumerate(names)}
	for feature, name, when in _touches(doctype, names):
		i = position.get(name)
		if i is None or when is None or when > cutoff[i]:
			continue
		out[feature][i] += 1
		if last_touch[i] is None or when > last_touch[i]:
			last_touch[i] = when
	out["days_since_touch"] = [
		None if t is None else (c - t).total_seconds() / 86400
		for t, c in zip(last_touch, cutoff, strict=True)
	]
	return out


def _touches(doctype: str, names: list[str]) -> list[tuple]:
	"""(feature, record, when) of every message, meeting and to-do about the records: indexed reads by reference."""
	if not names:
		return []
	params = {"doctype": doctype, "names": tuple(names)}
	every = len(names) > 1000  # most of the table: one pass over each, filtered after, beats a long IN list
	name_filter = "" if every else "and {} in %(names)s"
	return [
		*frappe.db.sql(
			f"""select 'messages', reference_name, communication_date from `tabCommunication`
			where reference_doctype = %(doctype)s and communication_type in ('Communication', 'Automated Message')
			{name_filter.format("reference_name")}""",
			params,
		),
		*frappe.db.sql(
			f"""select 'meetings', p.reference_docname, e.starts_on from `tabEvent Participants` p
			join `tabEvent` e on e.name = p.parent
			where p.reference_doctype = %(doctype)s {name_filter.format("p.reference_docname")}""",
			params,
		),
		*frappe.db.sql(
			f"""select 'tasks', reference_name, creation from `tabToDo`
			where reference_type = %(doctype)s and status != 'Cancelled' {name_filter.format("reference_name")}""",
			params,
		),
	]


# ---------------------------------------------------------------- the model in use


def active_model(doctype: str) -> ConversionModel | None:
	"""The newest ready model for the doctype, cached per site until the next training."""
	key = f"customer_priority_conversion_model::{doctype}"
	cached = frappe.cache.get_value(key)
	if cached is None:
		found = frappe.get_all(
			MODEL_DOCTYPE,
			filters={"applies_to": doctype},
			fields=["status", "model_json"],
			order_by="creation desc",
			limit=1,
		)
		cached = found[0].model_json if found and found[0].status == "Ready" else ""
		frappe.cache.set_value(key, cached)
	return ConversionModel.from_dict(json.loads(cached)) if cached else None


def clear_model_cache() -> None:
	for doctype in (*SCORED_DOCTYPES, *CRM_DOCTYPES):
		frappe.cache.delete_value(f"customer_priority_conversion_model::{doctype}")


def score_into(doc) -> None:
	"""On save: the record's chance to buy and its reasons, from its own fields and its touches so far."""
	model = active_model(doc.doctype)
	if model is None or is_closed(doc):  # no model, or nothing left to predict
		doc.update(score_values(None, [], 0.0))
		return
	# The document as it is being saved, not as stored: what a person just typed counts. It is open (above), so
	# its touches and age are counted up to now; a new record has had none.
	columns = {**COMMON_COLUMNS, **OWN_COLUMNS[doc.doctype]}
	row = {feature: doc.get(sql.removeprefix("d.")) for feature, sql in columns.items()}
	if doc.is_new():
		row.update(messages=0, meetings=0, tasks=0, days_since_touch=None, age_days=0.0)
	else:
		now = now_datetime()
		row.update({f: values[0] for f, values in touch_columns(doc.doctype, [doc.name], [now]).items()})
		row["age_days"] = (now - get_datetime(doc.creation)).total_seconds() / 86400
	amount = 0.0
	if doc.doctype == "Opportunity":
		amount = flt(doc.get("base_opportunity_amount")) * dict(purchases.current().rates).get(
			doc.company, 1.0
		)
		row["amount"] = amount
	elif doc.doctype == "CRM Deal":
		amount = flt(doc.get("deal_value")) * (flt(doc.get("exchange_rate")) or 1.0)
		row["amount"] = amount
	probability, why = model.score(row)
	doc.update(score_values(probability, why, amount))


def score_values(probability: float | None, why: list, amount: float) -> dict:
	if probability is None:
		return {
			"cp_conversion_probability": 0,
			"cp_conversion_reason": "",
			"cp_conversion_reason_data": None,
			"cp_expected_deal_value": 0,
		}
	text, data = reasons.stored_form(why) if why else ("", None)
	return {
		"cp_conversion_probability": round(probability * 100, 2),
		"cp_conversion_reason": text,
		"cp_conversion_reason_data": data,
		"cp_expected_deal_value": round(probability * amount, 2),
	}


# ---------------------------------------------------------------- training


def retrain_all() -> list[str]:
	"""Train a model for leads and one for opportunities, keep each as a record, and score every open record."""
	made = []
	doctypes = (*SCORED_DOCTYPES, *present(CRM_DOCTYPES))
	for step, doctype in enumerate(doctypes):
		frappe.publish_progress(
			step * 100 / len(doctypes),
			title=_("Training"),
			description=_("Learning from closed {0}").format(_(doctype)),
		)
		made.append(retrain(doctype))
	frappe.publish_progress(100, title=_("Training"), description=_("Done"))
	return made


def retrain(doctype: str, commit: bool = True) -> str:
	"""Learn from the doctype's closed records, keep what was found as a Conversion Model, score the open ones.
	``commit``: the job commits the record before scoring (the scores read it as the model in use)."""
	record = read_records(doctype)
	outcome = np.array([-1 if o is None else int(o) for o in record["outcome"]])
	closed = np.flatnonzero(outcome >= 0)
	columns = {f: [values[i] for i in closed.tolist()] for f, values in record["columns"].items()}
	training = train(
		columns,
		outcome[closed],
		np.array(record["closed_day"])[closed],
		stage_feature=STAGE_FEATURE[doctype],
	)
	doc = model_record(doctype, training)
	if commit:
		frappe.db.commit()
	clear_model_cache()
	open_rows = np.flatnonzero(outcome < 0)
	doc.db_set("scored", write_scores(doctype, record, open_rows, training.model), update_modified=False)
	if commit:
		frappe.db.commit()
	return doc.name


def model_record(doctype: str, training: Training):
	doc = frappe.new_doc(MODEL_DOCTYPE)
	doc.update(
		{
			"applies_to": doctype,
			"trained_on": now_datetime(),
			"closed": training.closed,
			"converted": training.converted,
			"holdout": training.holdout,
			"status": "Ready" if training.model else "Too Little History",
		}
	)
	if training.message:
		doc.message, doc.message_data = reasons.stored_form([training.message])
	if training.model:
		chosen = training.metrics[training.model.kind]
		doc.model_kind = KINDS[training.model.kind]
		doc.holdout_auc, doc.holdout_brier = chosen["auc"], chosen["brier"]
		for name in ("logistic", "naive_bayes", "stage_only"):
			if name in training.metrics:
				doc.set(f"{name}_auc", training.metrics[name]["auc"])
				doc.set(f"{name}_brier", training.metrics[name]["brier"])
		doc.overall_rate_brier = training.metrics["overall_rate"]["brier"]
		for row in training.calibration:
			doc.append(
				"calibration",
				{
					"records": row["records"],
					"predicted": row["predicted"] * 100,
					"actual": row["actual"] * 100,
				},
			)
		doc.model_json = json.dumps(training.model.as_dict(), ensure_ascii=False, indent=1)
	doc.flags.ignore_permissions = True  # the job writes it; readers are System and Sales Managers
	doc.insert()
	frappe.db.set_single_value(SETTINGS, "conversion_state", state_text(doc))
	return doc


def state_text(doc) -> str:
	if doc.status == "Ready":
		return _("{0}: trained {1} on {2} closed ({3} bought), AUC {4:.3f} on the newest {5}").format(
			_(doc.applies_to), doc.trained_on, doc.closed, doc.converted, doc.holdout_auc, doc.holdout
		)
	return _("{0}: {1}").format(_(doc.applies_to), reasons.render(reasons.decode(doc.message_data)))


def write_scores(doctype: str, record: dict, rows: np.ndarray, model: ConversionModel | None) -> int:
	"""Every open record's chance and reasons, written a thousand records per UPDATE."""
	names = [record["names"][i] for i in rows.tolist()]
	if not names:
		return 0
	features = list(record["columns"])
	scored = []
	for i, name in zip(rows.tolist(), names, strict=True):
		if model is None:
			values = score_values(None, [], 0.0)
		else:
			probability, why = model.score({f: record["columns"][f][i] for f in features})
			values = score_values(probability, why, record["amount"][i])
		scored.append((name, *values.values()))
	fields = list(score_values(None, [], 0.0))
	# Chunks of UPDATE ... JOIN over a derived table of the values: no temporary table, whose DDL would end the
	# caller's transaction.
	for start in range(0, len(scored), 1000):
		chunk = scored[start : start + 1000]
		literal_rows = zip(
			*(column_literals(list(column)) for column in zip(*chunk, strict=True)), strict=True
		)
		selects = []
		for i, row in enumerate(literal_rows):
			aliases = ["name", *fields] if i == 0 else None
			selects.append(
				"select " + ", ".join(f"{v} `{a}`" for v, a in zip(row, aliases, strict=True))
				if aliases
				else "select " + ", ".join(row)
			)
		assignments = ", ".join(f"d.`{field}` = s.`{field}`" for field in fields)
		frappe.db.sql(
			f"update `tab{doctype}` d join ({' union all '.join(selects)}) s on s.name = d.name set {assignments}"
		)
	return len(names) if model else 0


def is_closed(doc) -> bool:
	if doc.doctype == "CRM Deal":
		kind = (
			frappe.db.get_value("CRM Deal Status", doc.get("status"), "type") if doc.get("status") else None
		)
		return kind in ("Won", "Lost")
	if doc.doctype == "CRM Lead":
		return doc.get("status") in CRM_LEAD_CLOSED or bool(doc.get("converted"))
	closed = LEAD_CLOSED_STATUSES if doc.doctype == "Lead" else OPPORTUNITY_WON + OPPORTUNITY_NOT
	return doc.get("status") in closed
