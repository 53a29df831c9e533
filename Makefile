PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pywb pins old versions of redis, werkzeug and pyOpenSSL: it gets its own virtualenv.
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed
# Browser tests drive Debian's chromium through Playwright; Playwright never downloads a browser.
CHROMIUM := /usr/bin/chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# ReplayWeb.page's embeddable build (npm), served from loopback to open exported WACZ files.
REPLAYWEBPAGE_VERSION := 2.4.6
REPLAYWEBPAGE := .cache/replaywebpage/package/ui.js
# Cluster tests start Debian's redis-server on a loopback port.
REDIS_SERVER := /usr/bin/redis-server

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(PYWB_STAMP):
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install --quiet 'pywb==2.10.*'
	touch $(PYWB_STAMP)

# `pkgs=NAMES; $(APT_INSTALL)` installs Debian packages as root with apt-get; when it cannot (not
# root, or no apt-get), it says in one line what to install instead, and fails.
APT_INSTALL = if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
	echo "make: this needs the Debian package(s) $$pkgs, and installing them takes root and apt-get:" \
		"install $$pkgs (sudo apt-get install $$pkgs), or run make as root" >&2; exit 1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs

$(CHROMIUM):
	@pkgs=chromium; $(APT_INSTALL)

$(REDIS_SERVER):
	@pkgs=redis-server; $(APT_INSTALL)

$(REPLAYWEBPAGE):
	@command -v npm >/dev/null || { pkgs=npm; $(APT_INSTALL); }
	mkdir -p .cache/replaywebpage
	cd .cache/replaywebpage && npm pack --silent replaywebpage@$(REPLAYWEBPAGE_VERSION) >/dev/null \
		&& tar -xzf replaywebpage-$(REPLAYWEBPAGE_VERSION).tgz

demo: $(STAMP) $(PYWB_STAMP)
	$(BIN)/archiver demo --out demo-archive

test: $(STAMP) $(PYWB_STAMP) $(CHROMIUM) $(REDIS_SERVER) $(REPLAYWEBPAGE)
	$(BIN)/ruff check archiver spiders storage tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check archiver spiders storage tests benchmarks
	$(BIN)/ruff format --check archiver spiders storage tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(PYWB_VENV) .cache/replaywebpage demo-archive .pytest_cache .mypy_cache

# The extraction benchmark with every peer extractor installed (the optional bench extra).
.PHONY: bench
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/extraction.py
