# The two commands of the README: `make demo` and `make test`. Both set up what they need in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test unit lint integration sample-data bench-results

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/customer-priority demo

test: lint unit integration

PRETTIER := prettier@3.3.3

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	@if command -v npx >/dev/null; then npx --yes $(PRETTIER) --check 'customer_priority/**/*.js'; \
	else echo "SKIPPED: no Node.js (npx), the desk JavaScript format was not checked"; fi

unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit

# Runs the integration suite inside a real Frappe/ERPNext bench, or says loudly that it was skipped.
integration: $(BIN)/.installed
	$(BIN)/python tests/integration/run_on_bench.py

sample-data: $(BIN)/.installed
	$(BIN)/python -m customer_priority.cli.sample_data.generate
