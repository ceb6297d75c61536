"""The rule engine: every decision of the app, as pure functions of plain values and a ``Settings``.

Nothing here imports Frappe, so the rules are tested in milliseconds and the CLI runs them on a CSV.
"""
