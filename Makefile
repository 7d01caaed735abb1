# The two commands a new user needs:
#   make demo   set everything up and run the gateway on sample data
#   make test   set everything up and run the whole check
# Both create .venv with the project installed; nothing else is needed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck imports unit install system-deps clean

demo: $(STAMP)
	$(BIN)/eugw demo

test: system-deps lint typecheck imports unit

lint: $(STAMP)
	$(BIN)/ruff check gateway simulators tests
	$(BIN)/ruff format --check gateway simulators tests

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP) system-deps
	$(BIN)/pytest

install: $(STAMP)

# Programs the tests run besides Python: xmlsec1 (the reference XML-DSig tool
# that the interoperability tests sign and verify with) and Debian's chromium (the
# console's browser test drives it with Playwright; no browser is downloaded).
# sudo only when not root.
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)
system-deps:
	@command -v xmlsec1 >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1; }
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
