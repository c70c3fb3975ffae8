# NCA companion: `make book` sets everything up and builds the book; `make test` runs the tests.
# Needs only Python >= 3.10 (with its venv module) and make.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the test tools (pytest, selenium, ruff, ...): installed by `make test`, not needed by `make book`
DEV    := $(VENV)/.installed-dev


.PHONY: venv test lint book clean bench

venv: $(STAMP)

# Reinstall only when pyproject.toml changes (or the venv is new).
$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  $(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
	    { echo "error: needs Python >= 3.10 as PYTHON (now '$(PYTHON)'); e.g. make PYTHON=python3.11" >&2; exit 1; }; \
	  echo "$(PYTHON) -m venv $(VENV)"; \
	  $(PYTHON) -m venv $(VENV) || \
	    { echo "error: '$(PYTHON) -m venv' failed (on Debian/Ubuntu: apt install python3-venv)" >&2; \
	      rm -rf $(VENV); exit 1; }; \
	fi
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e .
	@touch $(STAMP)

$(DEV): $(STAMP)
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $(DEV)

lint: $(DEV)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q -ra tests

# PROFILE=smoke|quick|long|paper selects the notebooks' profile; best (the default): each notebook at the
# longest-trained profile whose models are all shipped or cached (long, else quick), so nothing is trained
PROFILE ?= best
# notebooks run at a time (each in a process of its own; the report after the others)
JOBS ?= 2

book: venv
	$(BIN)/nca-book run --profile $(PROFILE) --jobs $(JOBS)
	$(BIN)/nca-book build $(BOOK_EXTRA)
	@echo "Book built: open _build/html/index.html"

clean:
	rm -rf _build book/_executed

bench: venv
	$(BIN)/python benchmarks/bench_train.py
