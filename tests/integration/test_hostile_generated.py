"""Generated hostile input through REST: every whitelisted method of the app (found by walking its modules, so a new
one cannot escape) and every report, called by a Guest, a Sales User and a Sales Manager with arguments Hypothesis
makes up: wrong types, huge strings, SQL and HTML fragments, unknown names, nested JSON, arguments missing or
added (``ignore_permissions`` among them). Every answer is a clear refusal (4xx with a message) or a 200 with an
answer the caller may have; never a 500, never a traceback; and nothing of the app's data changes."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import frappe
from frappe.utils.background_jobs import get_job

import customer_priority
from tests.integration.helpers import make_call_from, make_customer
from tests.integration.rest import Client, message_of

APP = Path(customer_priority.__file__).resolve().parent
DECORATOR = re.compile(r"^@frappe\.whitelist\(", re.MULTILINE)
TABLES = (
	"tabCustomer",
	"tabLead",
	"tabOpportunity",
	"tabIssue",
	"tabContact",
	"tabCustomer Tier Log",
	"tabCustomer Evaluation",
	"tabConversion Model",
	"tabSingles",
)
JOBS = ("customer_priority_recompute", "customer_priority::retrain_conversion")
PERSONAS = ("Guest", "Sales User", "Sales Manager")
EXAMPLES = int(os.environ.get("CP_HOSTILE_EXAMPLES", "25"))  # per method or report and persona


def whitelisted() -> dict[str, inspect.Signature]:
	"""Every whitelisted function the app defines, by dotted path: its modules that carry the decorator are
	imported and Frappe's own list of whitelisted functions read."""
	for module in pkgutil.walk_packages(customer_priority.__path__, "customer_priority."):
		source = APP.parent / (module.name.replace(".", "/") + ("/__init__.py" if module.ispkg else ".py"))
		if source.exists() and DECORATOR.search(source.read_text(encoding="utf-8")):
			importlib.import_module(module.name)
	found = {}
	for function in frappe.whitelisted:
		if function.__module__.startswith("customer_priority."):
			found[f"{function.__module__}.{function.__name__}"] = inspect.signature(function)
	return found


def decorated_count() -> int:
	return sum(len(DECORATOR.findall(p.read_text(encoding="utf-8"))) for p in APP.rglob("*.py"))


METHODS = whitelisted()


def reports() -> dict[str, tuple[str, ...]]:
	"""Every report of the app with the filters it declares."""
	found = {}
	for spec in (APP / "customer_priority" / "report").glob("*/*.json"):
		name = json.loads(spec.read_text(encoding="utf-8"))["name"]
		module = importlib.import_module(
			f"customer_priority.customer_priority.report.{spec.parent.name}.{spec.parent.name}"
		)
		found[name] = tuple(getattr(module, "FILTERS", {}))
	return found


REPORTS = reports()


def test_every_whitelisted_method_is_found():
	"""The walk found as many methods as the source has decorators: none is left out of the test below."""
	assert len(METHODS) == decorated_count() and len(METHODS) >= 9, sorted(METHODS)
	assert len(REPORTS) >= 4


SQL = [
	"x' OR '1'='1",
	"1; DROP TABLE `tabCustomer`; --",
	"' UNION SELECT name, api_key FROM tabUser -- ",
	'" or ""="',
	"`tabCustomer`",
	"%",
	"_%' --",
]
HTML = [
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(1)>",
	"{{ frappe.db.sql('select 1') }}",
	"&lt;b&gt;",
]
JSON_VALUES = st.recursive(
	st.none()
	| st.booleans()
	| st.integers()
	| st.floats(allow_nan=False, allow_infinity=False)
	| st.text(max_size=12),
	lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
	max_leaves=8,
)
HOSTILE = st.one_of(
	st.sampled_from(SQL + HTML),
	st.text(max_size=60),
	st.just("A" * 300_000),
	st.integers(min_value=-(2**70), max_value=2**70),
	st.floats(allow_nan=False, allow_infinity=False),
	st.booleans(),
	st.none(),
	st.sampled_from(["No Such Record 7F3A", "مشتری ناشناس", "🔥💼", "abc\x00def", "  ", "\n"]),
	JSON_VALUES,
	JSON_VALUES.map(json.dumps),
)
NAMES = st.sampled_from(
	["Customer", "Lead", "Opportunity", "Issue", "User", "DocType", "First", "High", "Low"]
)
EXTRA = st.dictionaries(
	st.sampled_from(["ignore_permissions", "user", "as_dict", "limit", "order_by", "_type"]),
	HOSTILE,
	max_size=2,
)
MISSING = object()


def arguments(signature: inspect.Signature, known: list[str]):
	"""Each parameter left out, hostile, a plausible name, or one of ``known`` (existing records, only where a
	call cannot write); some arguments no method takes added."""
	value = st.one_of(HOSTILE, NAMES, *([st.sampled_from(known)] if known else []))
	fields = {p: st.one_of(st.just(MISSING), value) for p in signature.parameters}
	return st.tuples(st.fixed_dictionaries(fields), EXTRA).map(
		lambda pair: {**pair[1], **{k: v for k, v in pair[0].items() if v is not MISSING}}
	)


def show_tracebacks(value: int) -> int:
	old = frappe.db.get_single_value("System Settings", "allow_error_traceback")
	frappe.db.set_single_value("System Settings", "allow_error_traceback", value)
	frappe.db.commit()
	frappe.clear_document_cache("System Settings", "System Settings")
	frappe.local.system_settings = None
	return old


@pytest.fixture(scope="module", autouse=True)
def production_errors():
	"""Frappe shows a caller the traceback of any error, a clean refusal included, when System Settings' "Show
	Full Error" is on (it is on a new site, for developers). A production site turns it off; then the app itself
	must never put one in an answer, which is what is checked here."""
	frappe.db.rollback()
	old = show_tracebacks(0)
	yield
	frappe.db.rollback()
	show_tracebacks(old or 0)


@pytest.fixture(scope="module")
def target():
	"""A committed customer and a call from it, for methods that only read; removed afterwards."""
	frappe.db.rollback()
	customer = make_customer()
	call = make_call_from(customer)
	frappe.db.commit()
	yield frappe._dict(customer=customer, call=call)
	frappe.db.rollback()
	frappe.db.delete("Customer Tier Log", {"party": customer})
	frappe.db.delete("Dynamic Link", {"parent": call})
	frappe.db.delete("Call Log", call)
	frappe.db.delete("Customer", customer)
	frappe.db.commit()


def checksums() -> dict:
	frappe.db.rollback()
	return {t: frappe.db.sql(f"checksum table `{t}`")[0][1] for t in TABLES}


def drop_jobs() -> None:
	"""A manager's "Recompute Now" or "Retrain Now" accepted: the job is queued, never run here."""
	for job_id in JOBS:
		if job := get_job(job_id):
			job.delete()


def writes(method: str) -> bool:
	function = frappe.get_attr(method)
	return frappe.allowed_http_methods_for_whitelisted_func.get(function) == ["POST"]


def judge(response, persona: str, what: str) -> None:
	text = response.text
	assert response.status_code < 500, f"{what}: {response.status_code} {text[:1500]}"
	assert "Traceback (most recent call last)" not in text, f"{what}: a traceback reached the caller"
	if response.status_code >= 400:
		assert message_of(response).strip(), f"{what}: refused without a message: {text[:800]}"
	else:
		assert persona != "Guest", f"{what}: a Guest was answered"
		assert isinstance(response.json(), dict), f"{what}: {text[:800]}"  # no "message": the answer is None


RELAXED = settings(
	max_examples=EXAMPLES,
	deadline=None,
	database=None,
	suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("method", sorted(METHODS), ids=[m.rsplit(".", 1)[1] for m in sorted(METHODS)])
def test_a_method_answers_generated_input_clearly_and_changes_nothing(server, keys, target, method, persona):
	client = Client(server, keys[persona])
	known = [] if writes(method) else [target.customer, target.call]
	before = checksums()

	@RELAXED
	@given(args=arguments(METHODS[method], known))
	def call(args):
		try:
			response = client.method(method, **args)
		finally:
			drop_jobs()
		judge(response, persona, f"{method}({shorten(args)}) as {persona}")

	call()
	assert checksums() == before, f"{method} as {persona} changed the app's data"


FILTER_SETS = st.one_of(
	st.dictionaries(st.sampled_from(["party", "customer", "name", "limit", "owner"]), HOSTILE, max_size=2),
	HOSTILE,
)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_a_report_answers_generated_filters_clearly_and_changes_nothing(server, keys, report, persona):
	client = Client(server, keys[persona])
	before = checksums()
	known = st.fixed_dictionaries({}, optional={f: st.one_of(HOSTILE, NAMES) for f in REPORTS[report]})

	@RELAXED
	@given(filters=st.one_of(known, FILTER_SETS))
	def run(filters):
		response = client.report(report, filters)
		judge(response, persona, f"report {report}({shorten(filters)}) as {persona}")
		if response.ok:
			assert "result" in response.json()["message"]

	run()
	assert checksums() == before, f"{report} as {persona} changed the app's data"


def shorten(value) -> str:
	text = repr(value)
	return text if len(text) < 300 else text[:300] + "…"
