"""Reading ERPNext: which documents are purchases and every query over them, currencies, the Settings accessor.
May import: utils, engine."""
