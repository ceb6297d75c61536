"""doc_events handlers, one module per ERPNext doctype (hooks.py maps them): read the document, call below.
May import: setup (the field list), requests, standing, data, utils, engine."""
