# Dossier: `make demo` to try it, `make test` to check it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export DOSSIER_DATA_DIR ?= $(CURDIR)/data

.PHONY: install install-dev demo serve test test-fast lint bench browser-deps deploy-deps messages clean

# install: what running Dossier needs; install-dev adds the test, lint and browser tools
$(BIN)/dossier: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: $(BIN)/dossier
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/dossier

install-dev: $(VENV)/.dev

## demo: install, migrate an SQLite database under data/, load demo data, print the login,
## serve :8000 with the background task worker (Ctrl-C stops both)
demo: install
	$(BIN)/dossier migrate -v 0
	$(BIN)/dossier demo --customers 300 --if-empty
	$(BIN)/dossier serve --host 127.0.0.1 --port 8000 --with-worker

serve: install
	$(BIN)/dossier serve --host 127.0.0.1 --port 8000 --with-worker

## test: the whole suite (unit, API, pages, schemathesis, browser) on the database in DOSSIER_DATABASE_URL
## TEST_WORKERS: parallel test processes (pytest-xdist), each with its own test database
TEST_WORKERS ?= 2
test: install-dev browser-deps deploy-deps
	$(BIN)/pytest -n $(TEST_WORKERS)

## test-fast: everything but the browser tests
test-fast: install-dev
	$(BIN)/pytest -m "not browser"

lint: install-dev
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench
	$(BIN)/lint-imports
	$(BIN)/mypy src/dossier

## bench: figures named by the issues, with their ratio to the named baseline
bench: install-dev
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	$(BIN)/python bench/run.py

# Headless Chromium and a CJK font for the browser tests (Debian packages; needs root).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "Browser tests need Debian's chromium and fonts-noto-cjk: sudo apt-get install chromium fonts-noto-cjk"; exit 1; \
	  fi; \
	fi

# Debian's nginx for the deployment test (site/tests/test_deploy_nginx.py runs deploy/'s site
# in front of `dossier serve`); the package's own service is not started by the test.
deploy-deps:
	@if [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "The deployment test needs Debian's nginx: sudo apt-get install nginx"; exit 1; \
	  fi; \
	fi

messages: install
	for dir in src/dossier/*/locale; do (cd $$dir/.. && $(CURDIR)/$(BIN)/django-admin compilemessages --settings=dossier.settings); done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache .hypothesis
