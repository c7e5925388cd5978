# Every target sets itself up: the first run creates .venv and installs the project from PyPI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install demo test lint typecheck check golden bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v < (3, 13) else "Python 3.11 or 3.12 is required (durable-rules does not import on 3.13); set PYTHON=python3.12")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@for profile in examples/profiles/*; do \
		echo "################ $$profile"; \
		$(BIN)/pathway explain "$$profile" || exit 1; \
	done
	@echo "################ walkthroughs of three headline cases (all cases: pathway walkthrough)"
	@$(BIN)/pathway walkthrough aml-intermediate-no-transplant aml-flt3-after-transplant all-imatinib-not-working

lint: $(STAMP)
	$(BIN)/ruff check engine schemas tests
	$(BIN)/ruff format --check engine schemas tests

typecheck: $(STAMP)
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/pathway check

test: lint typecheck check
	$(BIN)/python -m pytest -q

golden: $(STAMP)
	@echo "Regenerating tests/golden/ — review the diff (git diff tests/golden) before committing."
	$(BIN)/pathway table --disease AML --format markdown > tests/golden/decision-table-aml.md
	$(BIN)/pathway table --disease ALL --format markdown > tests/golden/decision-table-all.md
	for case in aml-intermediate-no-transplant all-imatinib-not-working; do $(BIN)/pathway walkthrough $$case --format markdown > tests/golden/walkthrough-$$case.md || exit 1; done

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_explain.py
	$(BIN)/python tests/benchmarks/bench_batch.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
