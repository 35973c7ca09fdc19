# ChainDesk: `make run` serves the demo city, `make test` runs the whole suite. Both skip work already done.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_LINK_MODE := copy
# Bytecode is cached (__pycache__, git-ignored) even where the environment says not to: without it every pytest
# worker compiles and assert-rewrites the whole suite again (26 s of collection instead of 8), and every process a
# test starts (a server, a CLI call) compiles Django again.
unexport PYTHONDONTWRITEBYTECODE
PORT ?= 8000
STATIC_SRC := $(shell find chaindesk -path '*/static/*' -type f 2>/dev/null)

CLOCKS = $(PY) -c "from chaindesk.testkit.clock import OTHER_CLOCKS; print(*OTHER_CLOCKS)"

.PHONY: run test test-fast test-clocks test-smoke test-independent bench crash soak setup system lint typecheck check ci clean

run: setup migrate
	@$(PY) -m chaindesk demo --if-empty
	@$(PY) -m chaindesk rollups --rebuild >/dev/null
	@PORT=$(PORT) $(PY) -m chaindesk serve

# Every run is two passes: the tests that share their module's transaction on every core (pytest-xdist, a file
# per worker at a time), then the transactional ones (browser journeys, concurrency), which commit and flush, after
# them (chaindesk/conftest.py), two files at a time (each worker has its own database and live server). A pass that
# selects nothing (exit code 5) is not a failure.
XDIST ?= -n auto --dist loadfile --no-loadscope-reorder
XDIST_TRANSACTIONAL ?= -n 2 --dist loadfile --no-loadscope-reorder
PYTEST_PASSES = run() { CHAINDESK_TEST_TRANSACTIONAL=skip $(PY) -m pytest $(XDIST) "$$@" || [ $$? -eq 5 ] || return 1; \
	CHAINDESK_TEST_TRANSACTIONAL=only $(PY) -m pytest $(XDIST_TRANSACTIONAL) "$$@" || [ $$? -eq 5 ]; }

test: setup system
	@$(PYTEST_PASSES); run $(PYTEST_ARGS)

test-fast: setup
	@$(PYTEST_PASSES); run -m "not browser" $(PYTEST_ARGS)

# The demo smoke set: the demo city as `chaindesk demo` loads it (the rest of the suite stands on its own fixtures
# and the personas of chaindesk/testkit/personas.py).
test-smoke: setup
	@$(PYTEST_PASSES); run -m demo $(PYTEST_ARGS)

# Every test but the browser tests and the demo smoke set, with no demo city in the database: proves that the
# suite stands on its own fixtures.
# INDEPENDENT_CLOCK=<ISO instant>: the date-sensitive tests (marked `clock`) run under that clock instead of the
# default one, in a run of their own (CI: the last of the other clocks, on PostgreSQL; `make test-clocks` runs the
# others on SQLite).
test-independent: setup
	@$(PYTEST_PASSES); export CHAINDESK_TEST_NO_DEMO=1; \
	if [ -z "$(INDEPENDENT_CLOCK)" ]; then run -m "not browser and not demo" $(PYTEST_ARGS); else status=0; \
		run -m "not browser and not demo and not clock" $(PYTEST_ARGS) || status=1; echo "clock $(INDEPENDENT_CLOCK)"; \
		CHAINDESK_TEST_CLOCK="$(INDEPENDENT_CLOCK)" run -m "clock and not browser and not demo" $(PYTEST_ARGS) || status=1; \
		exit $$status; fi

# The date-sensitive tests (marked `clock`) again under each of the other clocks of chaindesk/testkit/clock.py, or
# under those OTHER_CLOCKS names (space-separated ISO instants). Their transactional tests are PostgreSQL's
# concurrency tests: on SQLite they skip, in one process (two workers would build two databases for nothing).
test-clocks: XDIST_TRANSACTIONAL = $(if $(findstring postgres,$(DATABASE_URL)),-n 2 --dist loadfile,-p no:xdist)
# No date-sensitive test stands on the demo city (none is marked `demo`), so none is loaded.
test-clocks: setup
	@set -e; for c in $${OTHER_CLOCKS:-$$($(CLOCKS))}; do echo "clock $$c"; CHAINDESK_TEST_NO_DEMO=1 CHAINDESK_TEST_CLOCK=$$c bash -c '$(PYTEST_PASSES); run -m "clock and not browser" $(PYTEST_ARGS)'; done

# Benchmarks on their own databases (var/bench.sqlite3, then chaindesk_bench on BENCH_PG_URL's server),
# filled with city-scale synthetic data on first use; results go to docs/benchmarks/.
bench: BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
bench: setup
	@mkdir -p var
	env -u DATABASE_URL $(PY) -m chaindesk bench $(BENCH_ARGS)
	@$(PY) -c "import psycopg; psycopg.connect('$(BENCH_PG_URL)', connect_timeout=3).close()" 2>/dev/null || \
		{ echo "bench: PostgreSQL is unreachable at $(BENCH_PG_URL) (start it or set BENCH_PG_URL); only SQLite was measured." >&2; exit 1; }
	DATABASE_URL=$(BENCH_PG_URL) $(PY) -m chaindesk bench $(BENCH_ARGS)

# Crash safety (issue 16 item 2): `chaindesk serve` killed with SIGKILL during concurrent writes, CRASH_ROUNDS rounds on
# SQLite, then on a scratch database of CRASH_PG_URL's server (chaindesk/core/tests/test_crash.py; the normal test run
# does 5 rounds on its database). CHAINDESK_CRASH_SEED=N repeats a run.
crash: CRASH_ROUNDS ?= 100
crash: CRASH_PG_URL ?= postgres://postgres@127.0.0.1:5432/test
crash: setup
	env -u DATABASE_URL CHAINDESK_CRASH_ROUNDS=$(CRASH_ROUNDS) $(PY) -m pytest -m crash -s chaindesk/core/tests/test_crash.py
	DATABASE_URL=$(CRASH_PG_URL) CHAINDESK_CRASH_ROUNDS=$(CRASH_ROUNDS) $(PY) -m pytest -m crash -s chaindesk/core/tests/test_crash.py

# The soak (issue 16 item 3; not part of CI): 100 simulated officials (locust, the `soak` dependency group) for
# SOAK_MINUTES (10) against `chaindesk serve` on PostgreSQL and Redis at city scale (the chaindesk_soak database,
# filled on first use: about 3 minutes), then the full crash rounds; the report goes to docs/benchmarks/soak.md.
SOAK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/chaindesk_soak
soak: setup
	$(UV) sync --frozen --group soak --quiet
	@psql "$(SOAK_DATABASE_URL)" -tAc "SELECT 1 FROM enterprises_enterprise LIMIT 1" 2>/dev/null | grep -q 1 || { \
		psql "$(dir $(SOAK_DATABASE_URL))postgres" -c "CREATE DATABASE $(notdir $(SOAK_DATABASE_URL))" 2>/dev/null; \
		DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) -m chaindesk migrate -v0 && \
		DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) -m chaindesk demo >/dev/null && \
		DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) -m chaindesk synth --scale city && \
		DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) -m chaindesk rollups --rebuild >/dev/null; }
	SOAK_DATABASE_URL=$(SOAK_DATABASE_URL) $(PY) scripts/soak/run.py
	$(MAKE) crash
	$(UV) sync --frozen --quiet

# The read replica against a real streaming pair (scripts/replica.sh: a private primary on 55432 and a replica
# made from it by pg_basebackup on 55433, run as the postgres OS user, deleted afterwards): a write seen on the
# replica through the router, the cockpit read there, then on the primary when replay lags or the replica stops.
REPLICA_ENV = DATABASE_URL=postgres://postgres@127.0.0.1:55432/chaindesk \
	DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:55433/chaindesk CHAINDESK_TEST_NO_DEMO=1
.PHONY: replica-check two-instances docker-check
replica-check: setup
	@bash scripts/replica.sh start >/dev/null
	@status=0; $(REPLICA_ENV) $(PY) -m pytest -m replica chaindesk/core/tests/test_replica_streaming.py $(PYTEST_ARGS) \
		|| status=$$?; bash scripts/replica.sh destroy; exit $$status

# Two `chaindesk serve` instances behind nginx (round robin), sessions and cache in Redis, a `chaindesk worker`
# (scripts/two_instances.py: a scratch database on this machine's PostgreSQL, dropped afterwards; nginx from
# `make system`, run with a configuration of its own in a temporary folder): a login on one served by the other.
two-instances: setup system
	$(PY) scripts/two_instances.py

# The whole stack of compose.yaml on this machine's Docker engine (scripts/docker_check.py: image built, migrate, two
# web containers, a worker, PostgreSQL, Redis, nginx with TLS; a login through nginx served by both web containers,
# the forwarded client address audited, a briefing made by the worker; then removed). Base images from Docker Hub,
# or stand-ins built from Debian's packages where it cannot be reached (scripts/docker_bases.sh). Not part of CI: a
# first build takes 10-20 minutes (LibreOffice in the image). scripts/setup_docker.sh installs and starts the engine.
docker-check: setup
	@bash scripts/setup_docker.sh
	$(PY) scripts/docker_check.py

setup: $(VENV)/.synced build/static/.built staticfiles/.collected locale/.compiled

migrate: setup
	@$(PY) manage.py migrate --noinput -v0

system:
	@bash scripts/setup_system.sh

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(UV) sync --frozen --quiet
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

build/static/.built: node_modules/.package-lock.json scripts/build_static.mjs
	node scripts/build_static.mjs
	@touch $@

staticfiles/.collected: $(VENV)/.synced build/static/.built $(STATIC_SRC)
	$(PY) manage.py collectstatic --noinput -v0
	@touch $@

locale/.compiled: $(VENV)/.synced $(wildcard locale/*/LC_MESSAGES/django.po)
	@if compgen -G "locale/*/LC_MESSAGES/django.po" > /dev/null; then $(PY) manage.py compilemessages -v0; fi
	@mkdir -p locale && touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy chaindesk config

check: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules build staticfiles var locale/.compiled
