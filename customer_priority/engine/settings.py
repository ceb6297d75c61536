"""The one settings object every rule reads, with its defaults and its validation.

The Frappe single doctype "Customer Priority Settings" and the CLI's ``--settings FILE`` both become a
``Settings``; ``validate()`` is the only place that decides what a bad value is.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from .i18n import Reason, _, reason
from .reading import Phrases, parse_phrase_lines, parse_phrase_list

TIERS: tuple[str, ...] = ("First", "High", "Medium", "Low")
"""Request tiers, most urgent first (spec section 1)."""

POTENTIAL_FACTORS: tuple[str, ...] = (
	"brand_strength",
	"production_volume",
	"sales_network",
	"staff_count",
	"years_in_business",
	"purchase_potential",
)
"""The six things that make an account key by potential (spec section 4)."""

RANK_MEASURES: tuple[str, ...] = ("Revenue", "Gross Profit")
"""What ranks and classes customers (spec section 2: by purchase volume, or by profitability)."""


REQUEST_TYPES: tuple[str, ...] = (
	"Catalogue",
	"Sample",
	"Price List",
	"Quotation",
	"Meeting",
	"Question",
	"Complaint",
	"Urgent Problem",
	"Order",
	"Contract",
	"Other",
)
"""What a lead or opportunity asks for; Settings list which of them are important and which are basic."""
PUBLIC_EMAIL_DOMAINS = (
	"gmail.com",
	"googlemail.com",
	"yahoo.com",
	"ymail.com",
	"hotmail.com",
	"outlook.com",
	"live.com",
	"msn.com",
	"icloud.com",
	"me.com",
	"aol.com",
	"proton.me",
	"protonmail.com",
	"gmx.com",
	"gmx.de",
	"mail.com",
	"yandex.com",
	"yandex.ru",
	"mail.ru",
	"zoho.com",
	"qq.com",
	"163.com",
	"yahoo.co.uk",
	"chmail.ir",
	"yahoo.ir",
	"mihanmail.ir",
	"gmail.ir",
)
DEFAULT_REQUEST_TYPE_PHRASES = """Catalogue: catalogue, catalog, brochure, product list, کاتالوگ, بروشور, فهرست محصولات
Sample: sample, samples, free trial, نمونه, نمونه کالا
Price List: price list, pricelist, price sheet, your prices, لیست قیمت, فهرست قیمت, لیست قیمتها, قیمت‌ها
Quotation: quotation, quote, proforma, pro forma, request for quotation, RFQ, پیش فاکتور, پیش‌فاکتور, استعلام قیمت, استعلام
Meeting: meeting, appointment, visit us, call me, جلسه, ملاقات, قرار ملاقات, تماس بگیرید
Complaint: complaint, not satisfied, dissatisfied, defective, refund, شکایت, ناراضی, معیوب, مرجوعی
Urgent Problem: line is down, line down, production stopped, stopped working, not working, outage, breakdown, خط تولید خوابیده, خط خوابیده, از کار افتاده, توقف تولید, کار نمی‌کند
Order: purchase order, we want to order, we would like to order, place an order, سفارش خرید, ثبت سفارش, سفارش
Contract: contract, agreement, framework agreement, قرارداد, تفاهم‌نامه
Question: question, could you tell, سوال, سؤال, پرسش"""
DEFAULT_URGENCY_PHRASES = (
	"urgent, urgently, asap, as soon as possible, emergency, immediately, right away, today, "
	"فوری, فورا, فوراً, اضطراری, هرچه سریعتر, هر چه سریع‌تر, همین امروز"
)


@dataclass(frozen=True)
class Level:
	name: str
	min_points: float
	colour: str = "gray"
	# Privileges the level grants, each opt-in (see ``privileges``): ERPNext record names, empty for none.
	customer_group: str = ""
	price_list: str = ""
	loyalty_program: str = ""


def default_levels() -> list[Level]:
	return [
		Level("Bronze", 0, "orange"),
		Level("Silver", 40, "gray"),
		Level("Gold", 65, "yellow"),
		Level("Platinum", 85, "purple"),
	]


def default_potential_weights() -> dict[str, float]:
	# "above all, purchase potential" (spec section 4): it weighs three times any other factor.
	return {
		"brand_strength": 1.0,
		"production_volume": 1.0,
		"sales_network": 1.0,
		"staff_count": 1.0,
		"years_in_business": 1.0,
		"purchase_potential": 3.0,
	}


def default_evaluation_weights() -> dict[str, float]:
	return {f"q{i}": 1.0 for i in range(1, 8)}


@dataclass(frozen=True)
class Settings:
	# Value ranking (spec section 2)
	lookback_days: int = 365
	rank_by: str = "Revenue"
	"""One of ``RANK_MEASURES``: the rank, percentile, ABC class and the top-share key-account rule follow it."""
	thin_margin_percent: float = 10.0
	"""A customer whose gross profit is below this share of its revenue is shown as "thin margin"; 0: never."""
	abc_a_cutoff: float = 80.0
	"""Customers whose cumulative share of value starts below this percentage are class A."""
	abc_b_cutoff: float = 95.0
	"""... and below this one, class B; the rest are C."""
	recency_weight: float = 1.0
	frequency_weight: float = 1.0
	monetary_weight: float = 1.0
	levels: list[Level] = field(default_factory=default_levels)
	hysteresis_margin: float = 5.0
	"""Points a customer may fall below their level's minimum before being demoted."""

	# Key accounts (spec section 4)
	key_account_top_percent: float = 5.0
	"""Customers in this top percentage by value are key accounts; 0 turns the rule off."""
	key_account_min_window_value: float = 0.0
	"""A customer buying at least this much in the look-back window is key; 0 turns the rule off."""
	potential_weights: dict[str, float] = field(default_factory=default_potential_weights)
	potential_threshold: float = 70.0
	"""A potential score (0-100) at or above this makes an account key by potential."""
	staff_count_bands: list[float] = field(default_factory=lambda: [10, 50, 250, 1000, 5000])
	years_in_business_bands: list[float] = field(default_factory=lambda: [2, 5, 10, 20, 40])
	key_potential_min_score: float = 50.0
	"""A customer of class A or B, or with a potential score from here, "could become key" (spec section 1)."""
	major_buyer_min_window_value: float = 0.0
	"""Window value from which an account is a major buyer; 0 means "class A by value"."""
	loyal_min_orders: int = 6
	at_risk_lost_opportunities: int = 2
	"""A key account that lost this many opportunities to competitors in the window is at risk; 0 turns it off."""
	at_risk_value_drop_percent: float = 30.0
	"""... or bought this much less this quarter than in the same days last year; 0 turns it off."""
	at_risk_share_drop_percent: float = 30.0
	"""... or its share of its customer group's purchases fell by this much (relative); 0 turns it off."""

	# Lifecycle (spec section 5)
	lapse_days: int = 365
	lapse_interval_multiplier: float = 3.0
	"""Also lapsed after this many times the customer's own usual gap between orders; 0 turns it off."""
	lapse_min_days: int = 60
	"""The interval rule never calls a customer lapsed sooner than this."""
	reborn_window_days: int = 180

	# Request tiers (spec section 1)
	important_request_types: list[str] = field(
		default_factory=lambda: ["Complaint", "Order", "Urgent Problem", "Contract"]
	)
	basic_request_types: list[str] = field(default_factory=lambda: ["Catalogue", "Sample", "Price List"])
	final_sales_stages: list[str] = field(default_factory=lambda: ["Negotiation/Review"])
	negotiation_sales_stages: list[str] = field(
		default_factory=lambda: ["Proposal/Price Quote", "Negotiation/Review", "Perception Analysis"]
	)
	public_email_domains: list[str] = field(default_factory=lambda: list(PUBLIC_EMAIL_DOMAINS))
	"""Mail services anyone may write from: a sender's domain there says nothing about who they are."""
	request_type_phrases: str = DEFAULT_REQUEST_TYPE_PHRASES
	"""One line per request type, "Type: phrase, phrase": the words that say what a request asks for."""
	urgency_phrases: str = DEFAULT_URGENCY_PHRASES
	"""The words that say a request is urgent, separated by commas."""
	key_account_routine_tier: str = "High"
	"""Tier of a key account's request that is not marked important (spec section 4: handle them urgently)."""
	urgent_current_tier: str = "High"
	"""Tier of an important request from a current customer who is not key."""
	churn_without_potential_tier: str = "Medium"
	new_with_details_tier: str = "Medium"
	"""Tier of a new contact who is open about volume and details (the spec's Low is for evasive ones)."""
	unqualified_tier: str = "Medium"
	"""Tier of a new contact nobody has asked yet (an email, a web form, a call): to qualify, not Low."""

	# Predictions (``engine.conversion``, ``engine.clv``), each read by the rules only when switched on
	prediction_horizon_days: int = 365
	"""Days ahead the purchase models predict orders and value over."""
	conversion_final_stage: bool = False
	conversion_final_stage_percent: float = 70.0
	"""A lead or opportunity this likely to buy counts as in its final stage."""
	p_alive_may_leave: bool = False
	p_alive_may_leave_percent: float = 30.0
	"""A valuable customer (key, or class A or B) less likely than this to be still buying counts as "may leave"."""
	expected_value_key_potential: bool = False
	expected_value_key_potential_min: float = 0.0
	"""A customer expected to bring this much or more over the horizon counts as having key-account potential."""
	queue_by_expected_value: bool = False
	"""The Priority Queue orders each tier by expected value (probability times amount)."""

	# Periodic evaluation (spec section 3)
	review_interval_days: int = 90
	key_account_review_interval_days: int = 30
	evaluation_weights: dict[str, float] = field(default_factory=default_evaluation_weights)
	evaluation_bands: list[tuple[str, float]] = field(
		default_factory=lambda: [("Strategic", 80.0), ("Strong", 60.0), ("Fair", 40.0), ("Weak", 0.0)]
	)

	# ------------------------------------------------------------------ helpers
	@property
	def sorted_levels(self) -> list[Level]:
		return sorted(self.levels, key=lambda lv: lv.min_points)

	def replace(self, **changes: Any) -> Settings:
		return dataclasses.replace(self, **changes)

	# ------------------------------------------------------------------ (de)serialisation
	def to_dict(self) -> dict[str, Any]:
		data = dataclasses.asdict(self)
		data["evaluation_bands"] = [list(b) for b in self.evaluation_bands]
		return data

	@classmethod
	def from_dict(cls, data: dict[str, Any]) -> Settings:
		"""Build settings from plain data (JSON); unknown keys are an error, missing keys take defaults."""
		known = {f.name for f in dataclasses.fields(cls)}
		unknown = sorted(set(data) - known)
		if unknown:
			raise SettingsError([reason(_("Unknown setting(s): {names}"), names=", ".join(unknown))])
		values = dict(data)
		try:
			if "levels" in values:
				values["levels"] = [
					lv if isinstance(lv, Level) else Level(**lv) if isinstance(lv, dict) else Level(*lv)
					for lv in values["levels"]
				]
			if "evaluation_bands" in values:
				values["evaluation_bands"] = [(str(b[0]), b[1]) for b in values["evaluation_bands"]]
		except (TypeError, IndexError) as exc:
			raise SettingsError([reason(_("Malformed levels or bands: {error}"), error=str(exc))]) from exc
		return cls(**values)

	# ------------------------------------------------------------------ validation
	def problems(self) -> list[tuple[str, Reason]]:
		"""Every bad value as (field name, reason); empty when the settings are usable."""
		check = _Checks(self)
		self._check_ranking(check)
		self._check_levels(check.bad)
		self._check_key_accounts(check)
		self._check_lifecycle(check)
		self._check_requests(check)
		check.whole("review_interval_days", 1)
		check.whole("key_account_review_interval_days", 1)
		check.whole("prediction_horizon_days", 1)
		check.percent("conversion_final_stage_percent")
		check.percent("p_alive_may_leave_percent")
		check.non_negative("expected_value_key_potential_min")
		if self.expected_value_key_potential and not self.expected_value_key_potential_min:
			check.bad(
				"expected_value_key_potential_min",
				_("Set the expected value that counts as key-account potential before switching the rule on"),
			)
		check.weights("evaluation_weights", [f"q{i}" for i in range(1, 8)])
		self._check_bands(check.bad)
		return check.found

	def _check_ranking(self, check: _Checks) -> None:
		check.whole("lookback_days", 1)
		if self.rank_by not in RANK_MEASURES:
			check.bad(
				"rank_by",
				_("{field} must be one of {measures} (got {value!r})"),
				field="rank_by",
				measures=", ".join(RANK_MEASURES),
				value=self.rank_by,
			)
		check.percent("thin_margin_percent")
		a, b = check.percent("abc_a_cutoff"), check.percent("abc_b_cutoff")
		if a is not None and b is not None and not a < b:
			check.bad("abc_b_cutoff", _("The B cut-off ({b}%) must be above the A cut-off ({a}%)"), a=a, b=b)
		rfm = ("recency_weight", "frequency_weight", "monetary_weight")
		for name in rfm:
			check.non_negative(name)
		if all(isinstance(getattr(self, n), int | float) and getattr(self, n) == 0 for n in rfm):
			check.bad(
				"monetary_weight",
				_("At least one of the recency, frequency and monetary weights must be above 0"),
			)
		check.non_negative("hysteresis_margin")

	def _check_key_accounts(self, check: _Checks) -> None:
		check.percent("key_account_top_percent")
		check.non_negative("key_account_min_window_value")
		check.weights("potential_weights", POTENTIAL_FACTORS)
		check.percent("potential_threshold")
		check.percent("key_potential_min_score")
		for name in ("staff_count_bands", "years_in_business_bands"):
			check.increasing(name)
			if isinstance(getattr(self, name), list) and len(getattr(self, name)) != 5:
				check.bad(
					name, _("{field} needs exactly 5 thresholds, one for each score from 1 to 5"), field=name
				)
		check.non_negative("major_buyer_min_window_value")
		check.whole("loyal_min_orders", 1)
		check.whole("at_risk_lost_opportunities", 0)
		check.percent("at_risk_value_drop_percent")
		check.percent("at_risk_share_drop_percent")

	def _check_lifecycle(self, check: _Checks) -> None:
		check.whole("lapse_days", 1)
		check.non_negative("lapse_interval_multiplier")
		check.whole("lapse_min_days", 0)
		check.whole("reborn_window_days", 0)

	def _check_requests(self, check: _Checks) -> None:
		for name in TIER_CHOICE_FIELDS:
			check.tier(name)
		if self.key_account_routine_tier == "Low":
			check.bad(
				"key_account_routine_tier",
				_("{field} cannot be Low: a key account is never Low"),
				field="key_account_routine_tier",
			)
		for name in NAME_LIST_FIELDS:
			value = getattr(self, name)
			if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
				check.bad(name, _("{field} must be a list of non-empty names"), field=name)
		important, basic = self.important_request_types, self.basic_request_types
		overlap = (
			set(important) & set(basic) if isinstance(important, list) and isinstance(basic, list) else set()
		)
		if overlap:
			check.bad(
				"basic_request_types",
				_("A request type cannot be both important and basic: {names}"),
				names=", ".join(sorted(overlap)),
			)
		phrases = self.phrases() if isinstance(self.request_type_phrases, str) else None
		if phrases is None or not phrases.types:
			check.bad(
				"request_type_phrases",
				_('{field} needs at least one line "Request Type: phrase, phrase"'),
				field="request_type_phrases",
			)
		else:
			unknown = sorted({name for name, _words in phrases.types} - set(REQUEST_TYPES))
			if unknown:
				check.bad(
					"request_type_phrases",
					_("{field} names request types that do not exist: {names}"),
					field="request_type_phrases",
					names=", ".join(unknown),
				)
		if not isinstance(self.urgency_phrases, str):
			check.bad("urgency_phrases", _("{field} must be text"), field="urgency_phrases")

	def phrases(self) -> Phrases:
		"""The phrase lists the request reader matches (``reading.read_request``)."""
		return Phrases(parse_phrase_lines(self.request_type_phrases), parse_phrase_list(self.urgency_phrases))

	def _check_levels(self, bad: Any) -> None:
		levels = self.levels
		if not isinstance(levels, list) or not levels:
			bad("levels", _("Define at least one level"))
			return
		names = [lv.name for lv in levels]
		if any(not isinstance(n, str) or not n.strip() for n in names):
			bad("levels", _("Every level needs a name"))
		elif len(set(names)) != len(names):
			bad("levels", _("Level names must be unique"))
		points = [lv.min_points for lv in levels]
		if not all(
			isinstance(p, int | float) and not isinstance(p, bool) and math.isfinite(p) for p in points
		):
			bad("levels", _("Every level needs a number of minimum points"))
			return
		if any(not 0 <= p <= 100 for p in points):
			bad("levels", _("Level minimum points must be between 0 and 100"))
		if any(b <= a for a, b in itertools.pairwise(points)):
			bad(
				"levels",
				_("Level thresholds must increase from one level to the next (got {points})"),
				points=points,
			)
		if min(points) != 0:
			bad("levels", _("The lowest level must start at 0 points so every customer has a level"))

	def _check_bands(self, bad: Any) -> None:
		bands = self.evaluation_bands
		if not isinstance(bands, list) or not bands:
			bad("evaluation_bands", _("Define at least one evaluation band"))
			return
		scores = [b[1] for b in bands]
		if not all(isinstance(s, int | float) and not isinstance(s, bool) for s in scores):
			bad("evaluation_bands", _("Every evaluation band needs a minimum score"))
			return
		if any(b >= a for a, b in itertools.pairwise(scores)) or scores[-1] != 0:
			bad(
				"evaluation_bands",
				_("Evaluation bands must go from the highest minimum score down to a last band at 0"),
			)

	def validate(self) -> Settings:
		problems = self.problems()
		if problems:
			raise SettingsError([r for _field, r in problems], fields=[f for f, _r in problems])
		return self


TIER_CHOICE_FIELDS = (
	"key_account_routine_tier",
	"urgent_current_tier",
	"churn_without_potential_tier",
	"new_with_details_tier",
	"unqualified_tier",
)
TEXT_FIELDS = ("request_type_phrases", "urgency_phrases")
NAME_LIST_FIELDS = (
	"important_request_types",
	"basic_request_types",
	"final_sales_stages",
	"negotiation_sales_stages",
	"public_email_domains",
)


class _Checks:
	"""The kinds of check a setting gets; each bad value is collected as (field name, reason), none raised."""

	def __init__(self, settings: Settings):
		self.settings = settings
		self.found: list[tuple[str, Reason]] = []

	def bad(self, name: str, template: str, **params: Any) -> None:
		self.found.append((name, reason(template, **params)))

	def number(self, name: str) -> float | None:
		value = getattr(self.settings, name)
		if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
			self.bad(name, _("{field} must be a number, not {value!r}"), field=name, value=value)
			return None
		return float(value)

	def non_negative(self, name: str) -> None:
		value = self.number(name)
		if value is not None and value < 0:
			self.bad(name, _("{field} cannot be negative (got {value})"), field=name, value=value)

	def percent(self, name: str) -> float | None:
		value = self.number(name)
		if value is not None and not 0 <= value <= 100:
			self.bad(name, _("{field} must be between 0 and 100 (got {value})"), field=name, value=value)
			return None
		return value

	def whole(self, name: str, minimum: int) -> None:
		value = getattr(self.settings, name)
		if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
			self.bad(
				name,
				_("{field} must be a whole number of at least {minimum} (got {value!r})"),
				field=name,
				minimum=minimum,
				value=value,
			)

	def tier(self, name: str) -> None:
		value = getattr(self.settings, name)
		if value not in TIERS:
			self.bad(
				name,
				_("{field} must be one of {tiers} (got {value!r})"),
				field=name,
				tiers=", ".join(TIERS),
				value=value,
			)

	def weights(self, name: str, keys: tuple[str, ...] | list[str]) -> None:
		table = getattr(self.settings, name)
		if not isinstance(table, dict) or set(table) != set(keys):
			self.bad(
				name, _("{field} must give a weight for exactly: {keys}"), field=name, keys=", ".join(keys)
			)
			return
		for key, value in table.items():
			if (
				isinstance(value, bool)
				or not isinstance(value, int | float)
				or not math.isfinite(value)
				or value < 0
			):
				self.bad(
					name,
					_("Weight {key} in {field} must be a number of at least 0 (got {value!r})"),
					field=name,
					key=key,
					value=value,
				)
		if all(isinstance(v, int | float) and v == 0 for v in table.values()):
			self.bad(name, _("{field} needs at least one weight above 0"), field=name)

	def increasing(self, name: str) -> None:
		values = getattr(self.settings, name)
		if not values or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
			self.bad(name, _("{field} must be a list of numbers"), field=name)
		elif any(b <= a for a, b in itertools.pairwise(values)) or values[0] < 0:
			self.bad(
				name,
				_("{field} must be positive and strictly increasing (got {values})"),
				field=name,
				values=values,
			)


class SettingsError(ValueError):
	"""Raised with every problem found, so the user can fix them all at once."""

	def __init__(self, reasons: list[Reason], fields: list[str] | None = None):
		self.reasons = reasons
		self.fields = fields or []
		super().__init__("; ".join(str(r) for r in reasons))
