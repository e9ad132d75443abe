# Two commands for a fresh machine (see README):
#   make demo   - create .venv, install synchrony, analyse the bundled two-person sample clip
#   make test   - create .venv, install synchrony with its test tools, run ruff, mypy,
#                 import-linter (rooms, no Qt in the core, no cycles) and the test suite
#   make mutation - mutation testing of the statistics modules (mutmut; about 20-30 min on
#                 2 cores; docs/validation.md "Mutation testing")
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_OUT  ?= demo_output

.PHONY: demo test install install-dev lint qt-runtime bench mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"

demo: install
	$(BIN)/synchrony demo --out $(DEMO_OUT)
	@echo "Results: $(DEMO_OUT)/summary.json and the plots beside it"

lint: install-dev
	$(BIN)/ruff check synchrony gui calibration tests bench sample_videos scripts setup.py
	$(BIN)/mypy
	$(BIN)/python scripts/lint_imports.py

qt-runtime: install-dev
	@QT_QPA_PLATFORM=offscreen $(BIN)/python -c "from PyQt6.QtWidgets import QApplication; \
	QApplication([])" 2>/dev/null || sh scripts/install-qt-libs.sh

# two worker processes, each test file on one of them (its module fixtures built once):
# 13.5 min instead of 19 min here; PYTEST_WORKERS=0 runs everything in this process
PYTEST_WORKERS ?= 2
test: lint qt-runtime
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile

bench: install-dev
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/live.py --duration-s 180

mutation: install-dev
	nice -n 10 $(BIN)/python scripts/mutation.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache build dist
