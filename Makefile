# kexie — make demo | make test | make bench
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST := $(BIN)/pytest
PG_URL ?= $(KEXIE_TEST_PG_URL)

.PHONY: install demo test test-sqlite test-postgres lint messages browser bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# make demo PORT=8123 serves on another port
PORT   ?= 8000
demo: install
	$(BIN)/kexie demo --scale small --port $(PORT)

# Chromium for the browser journeys comes from Debian (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "需要 Debian 的 chromium 软件包：sudo apt-get install chromium" >&2; exit 1; fi; }

lint: install
	$(BIN)/ruff check kexie tests bench
	$(BIN)/lint-imports --no-cache  # the layers: [tool.importlinter] in pyproject.toml, decision 0020
	DJANGO_SETTINGS_MODULE=kexie.settings KEXIE_VAR_DIR=$$(mktemp -d) $(BIN)/python -m django check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=kexie.settings KEXIE_VAR_DIR=$$(mktemp -d) $(BIN)/python -m django makemigrations --check --dry-run
	KEXIE_VAR_DIR=$$(mktemp -d) $(BIN)/mypy

# The English catalogue (message ids are the Chinese strings, docs/decisions/0005): collect the marked strings
# into kexie/locale/en/LC_MESSAGES/django.po, then compile django.mo. Needs GNU gettext (msgfmt, xgettext).
messages: install
	cd kexie && DJANGO_SETTINGS_MODULE=kexie.settings KEXIE_VAR_DIR=$(CURDIR)/var ../$(BIN)/django-admin makemessages -l en --no-obsolete
	cd kexie && DJANGO_SETTINGS_MODULE=kexie.settings KEXIE_VAR_DIR=$(CURDIR)/var ../$(BIN)/django-admin compilemessages -l en

test: install browser lint test-sqlite test-postgres

test-sqlite:
	env -u DATABASE_URL KEXIE_EXPECT_VENDOR=sqlite $(PYTEST) -n 2 -m "not browser"
	env -u DATABASE_URL KEXIE_EXPECT_VENDOR=sqlite $(PYTEST) -n 2 -m browser

# Runs when KEXIE_TEST_PG_URL (or PG_URL) names a PostgreSQL database; CI sets it and
# KEXIE_REQUIRE_PG=1 so that a run without PostgreSQL fails instead of passing quietly.
test-postgres:
	@if [ -z "$(PG_URL)" ]; then \
	  if [ "$(KEXIE_REQUIRE_PG)" = 1 ]; then echo "KEXIE_REQUIRE_PG=1 但未设置 KEXIE_TEST_PG_URL" >&2; exit 1; fi; \
	  echo "未设置 KEXIE_TEST_PG_URL：跳过 PostgreSQL 测试（CI 中必须运行）"; exit 0; fi; \
	DATABASE_URL="$(PG_URL)" KEXIE_EXPECT_VENDOR=postgresql $(PYTEST) -n 2 -m "not browser" && \
	DATABASE_URL="$(PG_URL)" KEXIE_EXPECT_VENDOR=postgresql $(PYTEST) -n 2 -m browser

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache
