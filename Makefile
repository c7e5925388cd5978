# Every target sets itself up: the first run creates .venv and installs the project from PyPI.
#   make demo   the product only (what it needs to run)     make test   + the test tools
#   PYTHON=python3.13 make ...   rebuilds .venv when PYTHON names another interpreter.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The interpreter PYTHON names, resolved (pyenv shims and symlinks followed), and its version.
INTERPRETER := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# Stamps name the interpreter and pyproject.toml: a change to either reinstalls.
KEY := $(shell { echo '$(INTERPRETER)'; cat pyproject.toml; } | cksum | cut -d' ' -f1)
RUNTIME := $(VENV)/.runtime-$(KEY)
EHR := $(VENV)/.ehr-$(KEY)
TOOLS := $(VENV)/.tools-$(KEY)

# durable-rules 2.0.28 calls PyEval_CallObject, removed in Python 3.13: build it with a define
# (CFLAGS would not do: its setup.py overwrites them), never from a wheel cached without it.
ifeq ($(filter 3.11 3.12,$(PY_VERSION)),)  # 3.13 and later
PIP := CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)' $(BIN)/python -m pip install --quiet --no-cache-dir
else
PIP := $(BIN)/python -m pip install --quiet
endif

.PHONY: python-version install demo test lint typecheck check golden bench dist serve clean

# Always runs, even when .venv is up to date.
python-version:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or later is required; set PYTHON=python3.11 (or 3.12, 3.13)")'

# A venv made with another interpreter (or by hand) is replaced, not reused.
ifeq ($(INTERPRETER),)
NEW_VENV := @echo "PYTHON=$(PYTHON) does not run" && false
else ifeq ($(shell cat $(VENV)/.interpreter 2>/dev/null),$(INTERPRETER))
NEW_VENV := @echo "$(VENV): Python $(PY_VERSION) at $(INTERPRETER)"
else
NEW_VENV := rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && echo '$(INTERPRETER)' > $(VENV)/.interpreter
endif

# The product alone (make demo).
$(RUNTIME): pyproject.toml | python-version
	$(NEW_VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP) -e .
	rm -f $(VENV)/.runtime-* && touch $@

# The product and the test tools (make test, make install).
$(TOOLS): $(RUNTIME)
	$(PIP) -e '.[test]'
	rm -f $(VENV)/.tools-* && touch $@

install: $(TOOLS)

demo: $(RUNTIME)
	@for profile in examples/profiles/*; do \
		echo "################ $$profile"; \
		$(BIN)/pathway explain "$$profile" || exit 1; \
	done
	@echo "################ walkthroughs of three headline cases (all cases: pathway walkthrough)"
	@$(BIN)/pathway walkthrough aml-intermediate-no-transplant aml-flt3-after-transplant all-imatinib-not-working
	@$(BIN)/pathway walkthrough --format html --out out/walkthroughs
	@$(BIN)/pathway explorer --out out/explorer.html

lint: $(TOOLS)
	$(BIN)/ruff check engine schemas tests setup.py
	$(BIN)/ruff format --check engine schemas tests setup.py

typecheck: $(TOOLS)
	$(BIN)/mypy

check: $(TOOLS)
	$(BIN)/pathway check

test: lint typecheck check
	$(BIN)/python -m pytest -q

golden: $(TOOLS)
	@echo "Regenerating tests/golden/ — review the diff (git diff tests/golden) before committing."
	$(BIN)/pathway table --disease AML --format markdown > tests/golden/decision-table-aml.md
	$(BIN)/pathway table --disease ALL --format markdown > tests/golden/decision-table-all.md
	for case in aml-intermediate-no-transplant all-imatinib-not-working; do $(BIN)/pathway walkthrough $$case --format markdown > tests/golden/walkthrough-$$case.md || exit 1; done

# Every tests/benchmarks/bench_*.py; each prints its own table.
BENCHMARKS := $(sort $(wildcard tests/benchmarks/bench_*.py))
# All of them run; the target fails at the end if any missed its targets.
bench: $(TOOLS)
	@failed=""; for bench in $(BENCHMARKS); do echo "################ $$bench"; \
		$(BIN)/python "$$bench" || failed="$$failed $$bench"; done; \
		if [ -n "$$failed" ]; then echo "missed targets:$$failed"; exit 1; fi

# The sdist and the wheel (built from the sdist, as a user's pip would) into dist/.
dist: $(TOOLS)
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

# The product with its EHR extra (FastAPI, uvicorn, fhir.resources...): what `make serve` needs.
$(EHR): $(RUNTIME)
	$(PIP) -e '.[ehr]'
	rm -f $(VENV)/.ehr-* && touch $@

# The CDS Hooks service and JSON API on http://127.0.0.1:8000 (ARGS="--port 9000 ..." to change).
serve: $(EHR)
	$(BIN)/pathway serve $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
