"""The bundled sample data: ERPNext-shaped customers, Sales Orders and incoming requests (made by generate.py)."""

from datetime import date
from pathlib import Path

SAMPLE_DIR = Path(__file__).parent
AS_OF = date(2026, 6, 30)
"""The day the sample data is ranked as of."""
