# 村务 cunwu — the two commands of the README: `make run` and `make test`.
PORT ?= 8000
HOST ?= 127.0.0.1
DATABASE_URL_PG ?= postgres://postgres@127.0.0.1:5432/test
UV_VERSION := 0.13.8
# uv from PATH when there is one, otherwise a private copy installed from PyPI into .tools/
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PY := $(CURDIR)/.venv/bin/python
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: run test install install-dev browser lint typecheck audit-deps test-sqlite test-postgres bench demo worker

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --no-dev

install-dev: $(UV) browser
	$(UV) sync --frozen

# Debian's chromium and fonts-noto-cjk for the browser tests, installed with apt when missing
browser:
	bash scripts/ensure-browser.sh

run: install
	mkdir -p var
	$(PY) -m cunwu migrate --noinput
	$(PY) -m cunwu demo load
	bash scripts/serve.sh $(HOST) $(PORT)

lint: install-dev
	.venv/bin/ruff check src bench tests scripts
	.venv/bin/ruff format --check src bench tests scripts

typecheck: install-dev
	.venv/bin/mypy src

audit-deps: install-dev
	.venv/bin/python scripts/audit-deps.py $(UV)

test-sqlite: install-dev
	env -u DATABASE_URL .venv/bin/pytest

test-postgres: install-dev
	bash scripts/test-postgres.sh "$(DATABASE_URL_PG)"

test: lint typecheck audit-deps test-sqlite test-postgres

bench: install-dev
	command -v wrk >/dev/null || apt-get install -y --no-install-recommends wrk
	.venv/bin/python bench/import_persons.py
	.venv/bin/python bench/public_portal.py
	.venv/bin/python bench/redemption.py
	.venv/bin/python bench/county_finance.py
	.venv/bin/python bench/screening.py
