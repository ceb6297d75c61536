"""The indexes the app adds to ERPNext's tables (named in data/purchases.py, where the queries they serve live):
added on install and on every migrate, dropped on uninstall."""

import frappe

from customer_priority.data.purchases import (
	CHANGED_INDEX,
	CHANGED_INDEX_COLUMNS,
	ORDER_INDEX,
	ORDER_INDEX_COLUMNS,
	PROFIT_INDEX,
	PROFIT_INDEX_COLUMNS,
)

APP_INDEXES = (
	(ORDER_INDEX, ORDER_INDEX_COLUMNS),
	(PROFIT_INDEX, PROFIT_INDEX_COLUMNS),
	(CHANGED_INDEX, CHANGED_INDEX_COLUMNS),
)


def add_order_indexes():
	for name, by_doctype in APP_INDEXES:
		for doctype, columns in by_doctype.items():
			table = f"tab{doctype}"
			if not frappe.db.sql(f"SHOW INDEX FROM `{table}` WHERE Key_name = %s", name):
				frappe.db.sql_ddl(
					"ALTER TABLE `{}` ADD INDEX `{}` ({})".format(
						table, name, ", ".join(f"`{c}`" for c in columns)
					)
				)


def drop_order_indexes():
	for name, by_doctype in APP_INDEXES:
		for doctype in by_doctype:
			table = f"tab{doctype}"
			if frappe.db.sql(f"SHOW INDEX FROM `{table}` WHERE Key_name = %s", name):
				frappe.db.sql_ddl(f"ALTER TABLE `{table}` DROP INDEX `{name}`")
