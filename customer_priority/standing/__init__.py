"""A customer's standing: the per-customer rebuild (rebuild), the bulk recompute (stored -> totals -> decide ->
explain -> write, run by recompute), the log and its announcements, privileges, the key-account watch, reviews.
May import: data, utils, engine."""
