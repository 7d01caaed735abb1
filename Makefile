# The two commands a new user needs:
#   make demo   set everything up and run the gateway on sample data
#   make test   set everything up and run the whole check
# Both create .venv with the project installed; nothing else is needed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck imports unit later-dates install system-deps clean

demo: $(STAMP)
	$(BIN)/eugw demo

test: system-deps lint typecheck imports unit later-dates

lint: $(STAMP)
	$(BIN)/ruff check gateway simulators tests
	$(BIN)/ruff format --check gateway simulators tests

typecheck: $(STAMP)
	$(BIN)/mypy

# The layer contracts (pyproject.toml), then no import circles between our modules.
imports: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/pytest -q -p no:cacheprovider tests/unit/test_import_circles.py

unit: $(STAMP) system-deps
	$(BIN)/pytest

# The tiers that read clocks, again as if today were each of these days (libfaketime
# moves every process's clock): a test must pass on any date, not only on the day it
# was written. Override with `make later-dates LATER_DATES="2031-02-28"`.
LATER_DATES ?= 2027-07-15 2030-03-01
later-dates: $(STAMP) system-deps
	PYTEST=$(BIN)/pytest tests/on_later_dates.sh $(LATER_DATES)

install: $(STAMP)

# Programs the tests run besides Python: xmlsec1 (the reference XML-DSig tool
# that the interoperability tests sign and verify with), Debian's chromium (the
# console's browser test drives it with Playwright; no browser is downloaded) and
# faketime (later-dates runs the suite on other days).
# sudo only when not root.
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)
system-deps:
	@command -v xmlsec1 >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1; }
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v faketime >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
