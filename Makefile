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

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(REDIS_SERVER):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server

$(REPLAYWEBPAGE):
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq npm)
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
