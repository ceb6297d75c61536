"""The seven-question scorecard; the engine scores it, the party's review dates follow submitted evaluations."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, getdate

from customer_priority.data.settings import (
	get_engine_settings,
)
from customer_priority.engine.evaluation import EvaluationError, next_review_due, score_evaluation
from customer_priority.utils import reasons

NAME_FIELDS = {"Customer": "customer_name", "Lead": "lead_name", "Prospect": "company_name"}


class CustomerEvaluation(Document):
	def onload(self):
		self.summary = reasons.for_reader(
			None, self.summary
		)  # stored in English, read in the reader's language

	def validate(self):
		settings = get_engine_settings()
		scores = {f"q{i}": cint(self.get(f"q{i}")) if self.get(f"q{i}") else None for i in range(1, 8)}
		try:
			result = score_evaluation(scores, settings)
		except EvaluationError as exc:
			frappe.throw("<br>".join(r.render(_) for r in exc.reasons), title=_("Incomplete Scorecard"))
		self.total_score, self.band = result.total, result.band
		self.summary = reasons.english(result.reasons)
		self.party_name = frappe.db.get_value(self.party_type, self.party, NAME_FIELDS[self.party_type])
		is_key = self.party_type == "Customer" and bool(
			frappe.db.get_value("Customer", self.party, "cp_key_account")
		)
		self.next_review_date = next_review_due(getdate(self.evaluation_date), settings, is_key)

	def on_submit(self):
		update_party_review(self.party_type, self.party)

	def on_cancel(self):
		update_party_review(self.party_type, self.party)


def update_party_review(party_type: str, party: str) -> None:
	"""Copy the latest submitted evaluation onto the customer (or clear it when none is left)."""
	if party_type != "Customer":
		return
	latest = frappe.get_all(
		"Customer Evaluation",
		filters={"party_type": party_type, "party": party, "docstatus": 1},
		fields=["total_score", "band", "evaluation_date", "next_review_date"],
		order_by="evaluation_date desc, creation desc",
		limit=1,
	)
	row = latest[0] if latest else frappe._dict()
	frappe.db.set_value(
		"Customer",
		party,
		{
			"cp_last_evaluation_score": row.total_score or 0,
			"cp_last_evaluation_band": row.band,
			"cp_last_evaluation_date": row.evaluation_date,
			"cp_next_review_date": row.next_review_date,
		},
		update_modified=False,
	)
