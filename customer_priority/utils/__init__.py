"""Shared helpers with no business rule of their own: SQL writes, row permissions, input checks, reasons rendered
for the reader. May import: engine."""
