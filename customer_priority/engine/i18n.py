"""Reasons the engine gives, kept translatable without importing Frappe.

Every user-facing sentence in the engine is written as ``_("template with {named} fields")``. This ``_`` only
marks the template (so Frappe's string extractor puts it in ``main.pot``); the Frappe adapters translate the
template with ``frappe._`` and then fill in the fields, so a Persian user reads a Persian reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


def _(template: str) -> str:
	"""Mark a template for translation; the engine itself never translates."""
	return template


class Reason(NamedTuple):
	"""One human-readable reason behind a decision (a tuple: cheap to make a million of)."""

	template: str
	params: dict[str, Any]

	def render(self, translate: Callable[[str], str] | None = None) -> str:
		template = translate(self.template) if translate else self.template
		return template.format(**self.params)

	def __str__(self) -> str:
		return self.render()


def reason(template: str, **params: Any) -> Reason:
	return Reason(template, params)


def render_reasons(reasons: list[Reason], translate: Callable[[str], str] | None = None) -> str:
	return "; ".join(r.render(translate) for r in reasons)
