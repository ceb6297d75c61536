"""The rule engine: every decision of the app, as pure functions of plain values and a ``Settings``.

Nothing here imports Frappe, so the rules are tested in milliseconds and the CLI runs them on a CSV.
"""

from .i18n import Reason, render_reasons
from .settings import DEFAULT_SETTINGS, TIERS, Level, Settings, SettingsError

__all__ = ["DEFAULT_SETTINGS", "TIERS", "Level", "Reason", "Settings", "SettingsError", "render_reasons"]
