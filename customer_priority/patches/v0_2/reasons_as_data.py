"""Reasons stored as text before they were kept as data get their data, so every reader sees them in their own
language. Each distinct text is read once (``reasons.parse``) and written with one UPDATE ... JOIN per chunk."""

import hashlib

import frappe

from customer_priority.setup.install import sync_custom_fields
from customer_priority.utils import reasons

CHUNK = 500
TABLES = {
	"tabCustomer": ("cp_tier_reason", "cp_tier_reason_data"),
	"tabLead": ("cp_tier_reason", "cp_tier_reason_data"),
	"tabOpportunity": ("cp_tier_reason", "cp_tier_reason_data"),
	"tabIssue": ("cp_tier_reason", "cp_tier_reason_data"),
	"tabCustomer Tier Log": ("reason", "reason_data"),
}


def execute():
	sync_custom_fields()  # the data fields on ERPNext's doctypes come with this version's custom fields
	for table, (text_column, data_column) in TABLES.items():
		if not frappe.db.has_column(table[3:], data_column):
			continue
		texts = frappe.db.sql_list(
			f"""select distinct `{text_column}` from `{table}`
			where `{data_column}` is null and ifnull(`{text_column}`, '') != ''"""
		)
		if texts:
			write_data(table, text_column, data_column, texts)


def write_data(table: str, text_column: str, data_column: str, texts: list[str]) -> None:
	"""One UPDATE ... JOIN per chunk of distinct texts, joined on their digest (no temporary table: a patch may
	run inside a transaction that already wrote)."""
	rows = [(hashlib.md5(t.encode()).hexdigest(), reasons.encode(reasons.parse(t))) for t in texts]
	for start in range(0, len(rows), CHUNK):
		chunk = rows[start : start + CHUNK]
		values = " union all ".join(["select %s digest, %s data"] * len(chunk))
		frappe.db.sql(
			f"""update `{table}` t join ({values}) d on d.digest = md5(t.`{text_column}`)
			set t.`{data_column}` = d.data where t.`{data_column}` is null""",
			[value for row in chunk for value in row],
		)
