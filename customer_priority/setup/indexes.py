"""The indexes the app adds to ERPNext's tables (named where the queries they serve live: data/purchases.py,
standing/watch.py): added on install and on every migrate, dropped on uninstall. Every query the app runs on a
table's ``modified`` has one here, as Frappe v16 no longer indexes ``modified``."""

import frappe

from customer_priority.data.purchases import (
	CHANGED_INDEX,
	CHANGED_INDEX_COLUMNS,
	ORDER_INDEX,
	ORDER_INDEX_COLUMNS,
	PROFIT_INDEX,
	PROFIT_INDEX_COLUMNS,
)
from customer_priority.standing.watch import LOST_INDEX, LOST_INDEX_COLUMNS

APP_INDEXES = (
	(ORDER_INDEX, ORDER_INDEX_COLUMNS),
	(PROFIT_INDEX, PROFIT_INDEX_COLUMNS),
	(CHANGED_INDEX, CHANGED_INDEX_COLUMNS),
	(LOST_INDEX, LOST_INDEX_COLUMNS),
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
