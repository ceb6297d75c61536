"""Predictions on a real site: the conversion model learned from closed leads (or not, with too little history),
its record, the chance and its reasons on every open lead, the purchase models fitted within the recompute, and
each rule that reads them when Settings say so."""

import random

import pytest

import frappe
from frappe.utils import add_days, getdate

from customer_priority.data.settings import CACHE_KEY
from customer_priority.data.settings import DOCTYPE as SETTINGS
from customer_priority.engine.conversion import TOO_LITTLE
from customer_priority.engine.predicted import (
	FINAL_BY_PREDICTION,
	LEAVING_BY_PREDICTION,
	POTENTIAL_BY_PREDICTION,
)
from customer_priority.requests import conversion
from customer_priority.standing import recompute
from customer_priority.standing.rebuild import retier_customer
from customer_priority.utils import reasons
from tests.integration.helpers import company, make_customer, make_order, make_user, unique
from tests.integration.test_recompute import committed_customers  # noqa: F401 (a fixture)

SOURCES = {"Existing Customer": 0.85, "Campaign": 0.35, "Cold Calling": 0.05}
"""Each source's share of leads that bought, in the generated history."""


def lead(source: str, **fields):
	doc = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": unique("CP Prospect"),
			"company_name": unique("CP Prospect Co"),
			"source": source,
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def ensure_sources():
	for source in SOURCES:
		if not frappe.db.exists("Lead Source", source):
			frappe.get_doc({"doctype": "Lead Source", "source_name": source}).insert(ignore_permissions=True)


def closed_history(count: int = 260, seed: int = 5) -> list[str]:
	"""Closed leads whose buying depends on their source: converted or marked Do Not Contact."""
	ensure_sources()
	rng = random.Random(seed)
	made = []
	for i in range(count):
		source = list(SOURCES)[i % len(SOURCES)]
		doc = lead(source)
		bought = rng.random() < SOURCES[source]
		frappe.db.set_value("Lead", doc.name, "status", "Converted" if bought else "Do Not Contact")
		made.append(doc.name)
	return made


def set_settings(**values):
	settings = frappe.get_single(SETTINGS)
	settings.update(values)
	settings.save()
	frappe.cache.delete_value(CACHE_KEY)


@pytest.fixture
def no_models():
	"""The model records this test makes are undone with it; the cache of the model in use is cleared."""
	conversion.clear_model_cache()
	yield
	frappe.db.rollback()
	conversion.clear_model_cache()


def closed_leads_on_site() -> int:
	return frappe.db.count("Lead", {"status": ("in", conversion.LEAD_CLOSED_STATUSES)})


def test_too_little_history_shows_no_number_and_says_why(no_models):
	if closed_leads_on_site() >= 150:
		pytest.skip("this site already holds a long history of closed leads")
	closed_history(30)
	name = conversion.retrain("Lead", commit=False)
	record = frappe.get_doc(conversion.MODEL_DOCTYPE, name)
	assert record.status == "Too Little History" and not record.model_json
	assert reasons.decode(record.message_data)[0].template == TOO_LITTLE
	assert "Too little history to predict" in frappe.db.get_single_value(SETTINGS, "conversion_state")
	fresh = lead("Campaign")
	assert fresh.cp_conversion_probability == 0 and not fresh.cp_conversion_reason


def test_a_model_learned_from_closed_leads_scores_open_ones_with_reasons(no_models):
	closed_history()
	waiting = lead("Existing Customer")
	cold = lead("Cold Calling")
	name = conversion.retrain("Lead", commit=False)
	record = frappe.get_doc(conversion.MODEL_DOCTYPE, name)
	assert record.status == "Ready" and record.model_kind in ("Logistic Regression", "Naive Bayes")
	assert record.closed >= 260 and record.holdout == round(record.closed * 0.25)
	assert record.holdout_auc > 0.7 and record.holdout_brier < record.overall_rate_brier
	assert sum(row.records for row in record.calibration) == record.holdout
	# Every open lead was scored by the training: the one from a good source above the cold one.
	warm = frappe.db.get_value("Lead", waiting.name, ["cp_conversion_probability", "cp_conversion_reason"])
	chill = frappe.db.get_value("Lead", cold.name, "cp_conversion_probability")
	assert warm[0] > 60 > 20 > chill > 0
	assert "Source Existing Customer: odds ×" in warm[1]
	# A save scores again, from what was typed: the reasons follow the reader's language.
	cold.reload()
	cold.source = "Existing Customer"
	cold.save()
	assert cold.cp_conversion_probability > 60
	assert "Source Existing Customer" in cold.cp_conversion_reason
	persian = reasons.for_reader(cold.cp_conversion_reason_data, cold.cp_conversion_reason, "fa")
	assert persian and persian != cold.cp_conversion_reason


def test_retraining_keeps_each_training_and_uses_the_newest(no_models):
	closed_history()
	first = conversion.retrain("Lead", commit=False)
	for name in closed_history(40, seed=9):
		frappe.db.set_value("Lead", name, "status", "Do Not Contact")  # a run of losses moves the model
	second = conversion.retrain("Lead", commit=False)
	assert first != second
	assert (
		frappe.get_doc(conversion.MODEL_DOCTYPE, second).closed
		== frappe.get_doc(conversion.MODEL_DOCTYPE, first).closed + 40
	)
	model = conversion.active_model("Lead")
	assert model.as_dict() == frappe.parse_json(
		frappe.db.get_value(conversion.MODEL_DOCTYPE, second, "model_json")
	)
	record = frappe.get_doc(conversion.MODEL_DOCTYPE, second)
	record.closed = 1
	with pytest.raises(frappe.ValidationError):
		record.save()  # a record of one training: never edited


def test_a_sales_manager_reads_the_model_record_and_a_sales_user_does_not(no_models):
	closed_history(20)
	name = conversion.retrain("Lead", commit=False)
	manager = make_user(f"{unique('cpm').replace(' ', '').lower()}@example.com", ["Sales Manager"])
	user = make_user(f"{unique('cpu').replace(' ', '').lower()}@example.com", ["Sales User"])
	assert frappe.has_permission(conversion.MODEL_DOCTYPE, "read", name, user=manager)
	assert not frappe.has_permission(conversion.MODEL_DOCTYPE, "read", name, user=user)
	assert not frappe.has_permission(conversion.MODEL_DOCTYPE, "write", name, user=manager)


def test_a_likely_buyer_counts_as_in_its_final_stage_only_when_settings_say_so(no_models):
	closed_history()
	conversion.retrain("Lead", commit=False)
	likely = lead("Existing Customer", cp_open_about_details="Yes")
	assert likely.cp_conversion_probability > 60
	assert FINAL_BY_PREDICTION not in [r.template for r in reasons.decode(likely.cp_tier_reason_data)]
	set_settings(conversion_final_stage=1, conversion_final_stage_percent=60)
	likely.reload()
	likely.save()
	why = [r.template for r in reasons.decode(likely.cp_tier_reason_data)]
	assert why[0] == FINAL_BY_PREDICTION
	assert "Final stage of negotiation" in likely.cp_tier_reason
	unlikely = lead("Cold Calling")
	assert FINAL_BY_PREDICTION not in [r.template for r in reasons.decode(unlikely.cp_tier_reason_data)]


def opportunity(customer: str, amount: float):
	doc = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Customer",
			"party_name": customer,
			"opportunity_amount": amount,
			"currency": frappe.db.get_value("Company", company(), "default_currency"),
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def test_the_priority_queue_orders_a_tier_by_expected_value_when_settings_say_so(no_models):
	from customer_priority.customer_priority.report.priority_queue import priority_queue

	customer = make_customer()
	small, large = opportunity(customer, 100), opportunity(customer, 100)
	# As a training would leave them: the same chance, amounts apart.
	frappe.db.set_value(
		"Opportunity", small.name, {"cp_conversion_probability": 50, "cp_expected_deal_value": 50}
	)
	frappe.db.set_value(
		"Opportunity", large.name, {"cp_conversion_probability": 50, "cp_expected_deal_value": 5000}
	)

	def positions():
		_columns, rows = priority_queue.execute({"document_type": "Opportunity"})
		return {row["name"]: row["position"] for row in rows if row["name"] in (small.name, large.name)}

	set_settings(queue_by_expected_value=1)
	shown = positions()
	assert shown[large.name] < shown[small.name]
	_columns, rows = priority_queue.execute({"document_type": "Opportunity"})
	row = next(r for r in rows if r["name"] == large.name)
	assert row["chance"] == 50 and row["expected_value"] == 5000


def test_the_recompute_fits_the_purchase_models_and_stores_them(committed_customers):  # noqa: F811
	today = getdate()
	names = []
	for i in range(22):
		name = make_customer()
		names.append(name)
		for offset in (300 - i, 150 - i, 20 + (i % 5) * 30):
			make_order(name, 100 + 10 * i + (offset * 7) % 53, add_days(today, -offset))
	committed_customers.extend(names)
	frappe.db.commit()
	recompute.recompute_all(source="Manual")
	state = frappe.db.get_single_value(SETTINGS, "purchase_prediction_state")
	assert state.startswith("Fitted on"), state
	rows = frappe.get_all(
		"Customer",
		filters={"name": ("in", names)},
		fields=["name", "cp_p_alive", "cp_expected_orders", "cp_expected_value"],
	)
	assert len(rows) == 22
	for row in rows:
		assert 0 < row.cp_p_alive <= 100 and row.cp_expected_orders > 0 and row.cp_expected_value > 0
	from customer_priority.customer_priority.report.customer_ranking import customer_ranking

	columns, data, *_rest = customer_ranking.execute({})
	assert {"p_alive", "expected_orders", "expected_value"} <= {c["fieldname"] for c in columns}
	shown = {row["customer"]: row for row in data if row["customer"] in names}
	assert shown and all(row["p_alive"] and row["expected_value"] for row in shown.values())
	# A second recompute changes nothing: the same fit, the same stored predictions.
	before = {row.name: (row.cp_p_alive, row.cp_expected_value) for row in rows}
	assert recompute.recompute_all(source="Manual")["updated"] == 0
	again = frappe.get_all(
		"Customer", filters={"name": ("in", names)}, fields=["name", "cp_p_alive", "cp_expected_value"]
	)
	assert {row.name: (row.cp_p_alive, row.cp_expected_value) for row in again} == before


def test_too_few_repeat_buyers_leave_the_customers_without_predictions():
	from customer_priority.data.settings import get_engine_settings
	from customer_priority.standing.predictions import predict_customers

	buyers = frappe.db.sql(
		"""select count(*) from (select customer from `tabSales Order` where docstatus = 1
		group by customer having count(distinct transaction_date) > 1) t"""
	)[0][0]
	if buyers >= 20:
		pytest.skip("this site already has enough repeat buyers to fit")
	names = [make_customer()]
	make_order(names[0], 100)
	predicted = predict_customers(names, getdate(), get_engine_settings())
	assert (
		predicted.state.startswith("Not fitted") and "fewer than 20 customers bought twice" in predicted.state
	)
	assert predicted.p_alive[0] != predicted.p_alive[0]  # NaN: nothing predicted


def test_predictions_move_a_customers_tier_only_when_settings_say_so():
	customer = make_customer()
	make_order(customer, 5000)
	# As a recompute would leave a valuable (class A) customer the models think has stopped buying.
	frappe.db.set_value(
		"Customer",
		customer,
		{
			"cp_abc_class": "A",
			"cp_rank": 1,
			"cp_p_alive": 5,
			"cp_expected_orders": 0.2,
			"cp_expected_value": 90,
		},
	)
	set_settings(key_account_top_percent=0, key_account_min_window_value=10**9)
	templates = [r.template for r in retier_customer(customer).why("tier")]
	assert LEAVING_BY_PREDICTION not in templates and POTENTIAL_BY_PREDICTION not in templates
	set_settings(p_alive_may_leave=1, p_alive_may_leave_percent=30)
	standing = retier_customer(customer)
	assert LEAVING_BY_PREDICTION in [r.template for r in standing.why("tier")]
	assert any("may leave" in r.template for r in standing.why("tier"))
	set_settings(p_alive_may_leave=0, expected_value_key_potential=1, expected_value_key_potential_min=50)
	standing = retier_customer(customer)
	assert POTENTIAL_BY_PREDICTION in [r.template for r in standing.why("tier")]
	# A lead from that customer reads the same: its request "may leave" too.
	set_settings(expected_value_key_potential=0, p_alive_may_leave=1, p_alive_may_leave_percent=30)
	from customer_priority.requests.facts import customer_facts

	assert customer_facts(customer)["churn_risk"] is True


def test_settings_refuse_a_key_potential_rule_without_its_value():
	settings = frappe.get_single(SETTINGS)
	settings.expected_value_key_potential = 1
	settings.expected_value_key_potential_min = 0
	with pytest.raises(frappe.ValidationError):
		settings.save()
