# The README's two commands: `make demo` (set up, then the whole film) and `make test`.
# Set-up is idempotent: the venv is reused and reinstalled only when pyproject.toml changes;
# Debian packages are installed only when missing (and only as root).

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out/demo
PYTEST_ARGS ?=

.PHONY: setup demo test lint format bench clean

setup: $(STAMP)
	@bash .ci/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	@touch $(STAMP)

demo: setup
	$(BIN)/galaxyreel demo --out $(OUT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf out dist build *.egg-info
