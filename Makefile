# make test: venvs, install, the whole suite.   make demo: a local Superset with everything loaded.
PYTHON ?= python3
VENV ?= .venv
VENV_SA2 ?= .venv-sa2
CONSTRAINTS := constraints/superset-6.1.0.txt
PIP_QUIET ?= -q

.PHONY: test lint test-main test-sa2 browser-deps clean

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_QUIET) -U pip
	$(VENV)/bin/pip install $(PIP_QUIET) -c $(CONSTRAINTS) -e '.[dev,postgres,superset]'
	touch $@

# The SQLAlchemy 2.x line: everything but the Superset side (Superset 6.1 pins SQLAlchemy 1.4).
$(VENV_SA2)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_SA2)
	$(VENV_SA2)/bin/pip install $(PIP_QUIET) -U pip
	$(VENV_SA2)/bin/pip install $(PIP_QUIET) -e '.[dev,postgres]' 'sqlalchemy>=2,<3'
	touch $@

# Debian's Chromium for the browser tests; never a downloaded browser build.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver"; fi; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check jamfor seed superset_plugin tests bench

test-main: $(VENV)/.installed browser-deps
	$(VENV)/bin/pytest -q

test-sa2: $(VENV_SA2)/.installed
	$(VENV_SA2)/bin/pytest -q -m "not superset and not browser"

test: lint test-main test-sa2

clean:
	rm -rf $(VENV) $(VENV_SA2) .pytest_cache

# make bench: the demo-sized loads and the national benchmark's 0.1 M case (CI's smoke run).
# The national 3.1 M case runs by hand: make bench-national (minutes; see bench/README.md).
.PHONY: bench bench-national
bench: $(VENV)/.installed
	$(VENV)/bin/python bench/bench_load.py
	$(VENV)/bin/python bench/bench_national.py --indicators 32

bench-national: $(VENV)/.installed
	$(VENV)/bin/python bench/bench_national.py --indicators 1000

# A local Superset on 127.0.0.1:8088 with every dashboard on a seeded demo warehouse; Ctrl-C stops it.
# Another port: make demo DEMO_ARGS="--port 8089"
.PHONY: demo
demo: $(VENV)/.installed
	$(VENV)/bin/jamfor demo $(DEMO_ARGS)

# Refresh the README's dashboard screenshots (docs/screenshots/) from the browser tests.
.PHONY: screenshots
screenshots: $(VENV)/.installed browser-deps
	JAMFOR_UPDATE_SCREENSHOTS=1 $(VENV)/bin/pytest -q tests/test_browser.py
