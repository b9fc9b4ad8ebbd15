# make check: the fast loop (ruff, unit and SQLite warehouse tests).   make test: everything, as CI runs it.
# make demo: a local Superset with everything loaded.   make docs: regenerate the reference in docs/.
PYTHON ?= python3
VENV ?= .venv
VENV_SA2 ?= .venv-sa2
CONSTRAINTS := constraints/superset-6.1.0.txt
# Extra pip options, e.g. `make PIP_FLAGS=` for pip's full output. (Not PIP_QUIET: make exports
# command-line variables, and pip reads PIP_QUIET from the environment as a number.)
PIP_FLAGS ?= -q
# Installs skip byte-compiling every file (Superset's venvs hold tens of thousands): Python compiles the
# modules a run imports, once, on first import. Measured: the SQLAlchemy 2 venv 125 s -> 76 s.
INSTALL := install --no-compile
# ... which needs Python allowed to write that cache: with PYTHONDONTWRITEBYTECODE set (some machine images
# set it) every process compiles every module it imports, Superset's thousands in each gunicorn, `superset
# init`, Celery worker and schema check. Measured: `jamfor register` of every asset 40 s -> 19 s.
unexport PYTHONDONTWRITEBYTECODE
# The Debian packages the test suite needs: Chromium for the browser tests, pdftoppm for the PDF reports,
# slapd and ldap-utils for the LDAP sign-in tests, libldap2-dev and libsasl2-dev to build python-ldap.
SYSTEM_PACKAGES := chromium chromium-driver poppler-utils slapd ldap-utils libldap2-dev libsasl2-dev
# The OpenID Connect provider of the sign-in tests (npm's oidc-provider, pinned by its package-lock.json).
OIDC_DIR := tests/support/oidc
# Test files (SQLite warehouses, Superset's metadata database, browser profiles) in memory when /dev/shm
# exists: the tests are the same, without waiting on fsync; a machine with a slow disk runs them as fast.
FAST_TMP := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp})

.PHONY: check test lint test-main test-fast test-superset test-sa2 system-deps browser-deps oidc-deps \
        clean docs bench bench-national bench-dashboards demo screenshots test-compat translations

# system-deps first: python-ldap (the signin extra) builds against libldap2-dev and libsasl2-dev. Where
# they are missing and cannot be installed (`make demo` as a user without root), .venv is built without
# the signin extra: the demo runs, and the sign-in tests say what is missing (CI installs both).
$(VENV)/.installed: pyproject.toml $(CONSTRAINTS) | system-deps
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip $(INSTALL) $(PIP_FLAGS) -U pip
	@extras=dev,postgres,superset; \
	if [ -e /usr/include/ldap.h ] && [ -e /usr/include/sasl/sasl.h ]; then extras=$$extras,signin; \
	else echo "no libldap2-dev/libsasl2-dev: .venv without the signin extra (LDAP and OIDC sign-in)"; fi; \
	echo "pip install -e '.[$$extras]'"; \
	$(VENV)/bin/pip $(INSTALL) $(PIP_FLAGS) -c $(CONSTRAINTS) -e ".[$$extras]"
	touch $@

# Node.js runs the OIDC provider of the sign-in tests; its packages come from its lock file, once.
$(OIDC_DIR)/node_modules/.package-lock.json: $(OIDC_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "the sign-in tests need Node.js 20+ and npm"; exit 1; }
	cd $(OIDC_DIR) && npm ci --no-audit --no-fund --loglevel=error

oidc-deps: $(OIDC_DIR)/node_modules/.package-lock.json

# The SQLAlchemy 2.x line: everything but the Superset side (Superset 6.1 pins SQLAlchemy 1.4).
$(VENV_SA2)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_SA2)
	$(VENV_SA2)/bin/pip $(INSTALL) $(PIP_FLAGS) -U pip
	$(VENV_SA2)/bin/pip $(INSTALL) $(PIP_FLAGS) -e '.[dev,postgres]' 'sqlalchemy>=2,<3'
	touch $@

# Debian's Chromium (never a downloaded browser build) and poppler-utils, installed when missing and
# we are root; otherwise a hint (the tests that need them skip locally and fail with CI=true).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "apt-get install$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "the tests need Debian packages:$$missing (sudo apt-get install$$missing)"; fi; fi

browser-deps: system-deps

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check jamfor seed superset_plugin tests bench

# Test workers for the tiers without Superset (pytest-xdist): one per core. The Superset and browser
# tiers share one Superset per session and run in one process.
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
NO_SUPERSET := not superset and not browser

# The loop to run after every change: no PostgreSQL, Superset or browser, and none of the tests that
# run jamfor or pip in child processes (marker `process`: the hostile-input corpus, the wheel and venv
# checks, the benchmark smoke); `make test` runs them all.
check: lint
	TMPDIR=$(FAST_TMP) $(VENV)/bin/pytest -q -n $(WORKERS) tests/unit tests/warehouse \
	  -m "not postgres and not process and $(NO_SUPERSET)"

# The suite in .venv: the tiers without Superset, then the Superset and browser tiers.
test-main: test-fast test-superset

test-fast: $(VENV)/.installed system-deps oidc-deps
	TMPDIR=$(FAST_TMP) $(VENV)/bin/pytest -q -n $(WORKERS) -m "$(NO_SUPERSET)" --durations=10

test-superset: $(VENV)/.installed system-deps oidc-deps
	TMPDIR=$(FAST_TMP) $(VENV)/bin/pytest -q -m "superset or browser"

# The SQLAlchemy 2 run: the tier that touches SQLAlchemy (tests/warehouse: SQLite and PostgreSQL
# warehouses, URLs, the schema's comments) under the 2.x line; tests/unit never touches SQLAlchemy and
# runs once, in .venv (Superset 6.1 pins SQLAlchemy 1.4).
test-sa2: $(VENV_SA2)/.installed
	TMPDIR=$(FAST_TMP) $(VENV_SA2)/bin/pytest -q -n $(WORKERS) -m "$(NO_SUPERSET)" tests/warehouse

# Everything, as CI runs it: ruff, the tiers without Superset, the Superset and browser tiers (the 25
# slowest listed: where CI's time goes, in every CI log), then the compatibility tier on each older
# Superset. Beside the Superset tiers, in a lane at the lowest CPU priority (nice 19, its output after
# theirs), the warehouse tier under SQLAlchemy 2 and the older Supersets' venvs: the Superset tiers leave
# about 30 % of 2 cores idle while they wait on Chromium and Superset, and at nice 19 the lane takes only
# that (a lane of browser tests at normal priority beside them saved nothing and timed out, 2,870 s).
LANE_LOG := .test-lane.log
test: lint test-fast
	@nice -n 19 $(MAKE) --no-print-directory test-sa2 $(patsubst %,%/.installed,$(COMPAT_VENVS)) \
	  > $(LANE_LOG) 2>&1 & lane=$$!; \
	TMPDIR=$(FAST_TMP) $(VENV)/bin/pytest -q -m "superset or browser" --durations=25; code=$$?; \
	wait $$lane; lane_code=$$?; echo "--- the SQLAlchemy 2 tier and the older Supersets' venvs (nice 19):"; \
	cat $(LANE_LOG); [ $$code = 0 ] && [ $$lane_code = 0 ]
	$(MAKE) --no-print-directory test-compat COMPAT_VERSIONS="$(OLDER_SUPERSETS)"

# The generated reference: CLI help, tables, datasets, dashboards (tests fail when these are stale).
docs: $(VENV)/.installed
	$(VENV)/bin/python -m jamfor.cli.reference > docs/cli-reference.md
	$(VENV)/bin/python -m jamfor.reference_docs docs

# Superset's Swedish: messages.mo (back end) and messages.json (front end) from the maintained .po
# (a unit test fails when the committed ones are stale).
translations: $(VENV)/.installed
	$(VENV)/bin/python -m jamfor.superset.inside.language_build

clean:
	rm -rf $(VENV) $(VENV_SA2) $(COMPAT_VENVS) .pytest_cache $(OIDC_DIR)/node_modules

# The compatibility tier: the shipped assets against each supported Superset, each older version in its
# own venv built from its constraints file (about 1 GB each), 6.1.0 in $(VENV). `make test` runs it for
# the older lines. One version: make test-compat COMPAT_VERSIONS=5.0.0. Prints the seconds each took.
OLDER_SUPERSETS := 4.1.4 5.0.0 6.0.0
COMPAT_VERSIONS ?= $(OLDER_SUPERSETS) 6.1.0
COMPAT_VENVS = $(patsubst %,.venv-ss-%,$(filter-out 6.1.0,$(COMPAT_VERSIONS)))

# Superset's CLI imports cachetools from 6.0 on without declaring it (rich comes with jamfor).
.venv-ss-%/.installed: constraints/superset-%.txt pyproject.toml
	rm -rf .venv-ss-$*
	$(PYTHON) -m venv .venv-ss-$*
	.venv-ss-$*/bin/pip $(INSTALL) $(PIP_FLAGS) -U pip
	.venv-ss-$*/bin/pip $(INSTALL) $(PIP_FLAGS) -c constraints/superset-$*.txt apache-superset==$* \
	  $(if $(filter 6.%,$*),cachetools) -e '.[dev,postgres]'
	.venv-ss-$*/bin/pip check
	touch $@

test-compat: $(VENV)/.installed system-deps
	@for v in $(COMPAT_VERSIONS); do \
	  if [ $$v = 6.1.0 ]; then env=$(VENV); else env=.venv-ss-$$v; fi; \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$env/.installed || exit 1; built=$$(date +%s); \
	  JAMFOR_COMPAT_VERSION=$$v TMPDIR=$(FAST_TMP) $$env/bin/pytest -q tests/compat; code=$$?; \
	  echo "Superset $$v: venv $$((built - start)) s, tests $$(($$(date +%s) - built)) s, exit $$code"; \
	  [ $$code = 0 ] || failed="$$failed $$v"; done; \
	if [ -n "$$failed" ]; then echo "compatibility tier failed for:$$failed"; exit 1; fi

# make bench: the demo-sized loads and the national benchmark's 0.1 M case (CI runs that case as a test,
# tests/warehouse/test_bench_smoke.py, asserting what holds at any speed).
# The national 3.1 M case runs by hand: make bench-national (minutes; see bench/README.md).
bench: $(VENV)/.installed bench-dashboards
	$(VENV)/bin/python bench/bench_load.py
	$(VENV)/bin/python bench/bench_national.py --indicators 32

bench-national: $(VENV)/.installed
	$(VENV)/bin/python bench/bench_national.py --indicators 1000

# Each dashboard's render time in Chromium, cold and warm, against a one-chart dashboard in the same run.
bench-dashboards: $(VENV)/.installed system-deps
	$(VENV)/bin/python bench/bench_dashboards.py

# A local Superset on 127.0.0.1:8088 with every dashboard on a seeded demo warehouse; Ctrl-C stops it.
# Another port: make demo DEMO_ARGS="--port 8089"
demo: $(VENV)/.installed
	$(VENV)/bin/jamfor demo $(DEMO_ARGS)

# Refresh the README's dashboard screenshots (docs/screenshots/) from the browser tests.
screenshots: $(VENV)/.installed system-deps
	JAMFOR_UPDATE_SCREENSHOTS=1 $(VENV)/bin/pytest -q tests/browser
