# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Python keeps the bytecode of what it imports (in __pycache__, ignored by git), so the many
# processes of a run (test workers, Celery workers, servers, manage.py) compile the venv once:
# where the environment sets PYTHONDONTWRITEBYTECODE, every process compiled Django and the rest
# anew, about 2 s of CPU each on this 2-core machine.
unexport PYTHONDONTWRITEBYTECODE

# What the test suite talks to; override any of them from the environment.
TEST_ENV = DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jinzhong_crm} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-never-used-in-production-0123456789} \
	DEBUG=0 HTTPS=0 DEMO=1 DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: run test rehearse worker beat stack lint format bench messages clean

$(VENV)/.run-deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# --no-compile: Python compiles what it imports on first use; pip would compile every file (~8 s).
	@# -qq: errors only (a machine's own pip settings, e.g. an index folder that is missing, would
	@# otherwise fill the first `make run` with warnings).
	$(PY) -m pip install -qq --no-compile --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.txt
	$(PY) -m pip install -qq --no-compile --disable-pip-version-check -r requirements-dev.txt
	touch $@

# .mo files are built, never committed; Babel compiles them without GNU gettext.
messages: $(VENV)/.run-deps
	$(VENV)/bin/pybabel compile -d locale -D django 2>&1 | grep -v "^compiling" || true

run: $(VENV)/.run-deps messages
	$(PY) -m jinzhong_crm.preflight
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo -v0
	@# Ends with the address and the demo logins (demo/management/commands/serve_demo.py).
	@$(PY) manage.py serve_demo $(HOST):$(PORT)

test: $(VENV)/.dev-deps messages
	@$(TEST_ENV) $(PY) -m jinzhong_crm.preflight --need-postgres
	@$(TEST_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(TEST_ENV) $(PY) scripts/run_tests.py $(PYTEST_ARGS)

# The scale-out rehearsal (docs/OPERATIONS.md): a streaming replica of the PostgreSQL at
# DATABASE_URL, two gunicorn instances behind nginx, two workers and beat, its own Redis; a bounded
# load with a web instance and a worker killed and Redis restarted. Prints its figures; exit 1 on
# lost or duplicate writes, drift, or errors beyond the requests in flight at the kill. Runs as root
# (the replica runs as the postgres user); needs nginx (apt-get install nginx-light).
rehearse: $(VENV)/.dev-deps messages
	@$(TEST_ENV) $(PY) -m jinzhong_crm.preflight --need-postgres
	$(TEST_ENV) $(PY) scripts/rehearse.py

worker: $(VENV)/.run-deps
	$(PY) -m jinzhong_crm.preflight
	$(VENV)/bin/celery -A jinzhong_crm worker -l info

beat: $(VENV)/.run-deps
	$(PY) -m jinzhong_crm.preflight
	$(VENV)/bin/celery -A jinzhong_crm beat -l info

# Web (gunicorn) + worker + beat on PostgreSQL and Redis; Ctrl-C stops all three.
stack: $(VENV)/.run-deps messages
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || { echo "make stack needs DATABASE_URL and REDIS_URL (see .env.example)."; exit 2; }
	$(PY) -m jinzhong_crm.preflight
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py load_demo --reference-only
	trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A jinzhong_crm worker -l info & \
	$(VENV)/bin/celery -A jinzhong_crm beat -l info & \
	$(VENV)/bin/gunicorn jinzhong_crm.wsgi -b $(HOST):$(PORT) -w $${WEB_CONCURRENCY:-2} --access-logfile - & \
	wait

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r .
	@# Demo data only: md5 spreads fake origins, a seeded random makes synthetic years (not secrets).
	$(VENV)/bin/bandit -q -s B311,B324 -r demo
	@# Benchmarks: asserts check their own results, a seeded random makes rows, a fixed demo password
	@# logs in, and the runner starts our own manage.py / pytest with fixed argument lists.
	$(VENV)/bin/bandit -q -s B101,B106,B311,B404,B603,B607 -r bench
	@# The rollup refresh assembles SQL from this module's fixed table / column fragments; every
	@# value (region ids, months, stages) is a query parameter (B608 reads any f-string SQL as unsafe).
	$(VENV)/bin/bandit -q -s B608 rollups/refresh.py
	@# The rehearsal starts our own servers with fixed argument lists, gives its throwaway database
	@# fixed passwords and names it (and its test rows) in psql statements from DATABASE_URL.
	$(VENV)/bin/bandit -q -s B105,B404,B603,B607,B608 scripts/rehearse.py
	$(PY) scripts/pip_audit.py

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Figures next to their floors, each part on its own database (<name>_bench...):
#   rollups + dashboards -> docs/PERFORMANCE.md; list (the /projects/ page and the API's project
#   list, each next to its raw-SQL floor) -> its own section at the end of docs/PERFORMANCE.md;
#   ledger import -> docs/PERFORMANCE-IMPORT.md.
#   phone (the city dashboard's first load at 390 px on a slow mobile network, `make run`'s server and
#   gunicorn + whitenoise, headless Chromium, a scratch SQLite database) -> its own section at the end
#   of docs/PERFORMANCE.md, which the rollups part keeps.
#   search (the header's global search, as called, next to a raw trigram-SQL floor) -> its own
#   section at the end of docs/PERFORMANCE.md.
#   assessment (a 亮灯 rule change's recompute next to one UPDATE … FROM, and scoring 12 regions × 4
#   quarters next to its rollup SELECTs replayed raw) -> its own section at the end of
#   docs/PERFORMANCE.md.
#   pages (the city and county dashboard pages, and saving an amount through the edit page, the API
#   and the service, each next to its floor) -> its own section at the end of docs/PERFORMANCE.md.
# BENCH_SIZES=10000,100000,1000000 for the full run (10^6 takes a while);
# BENCH_PARTS=rollups,list,import,phone,search,assessment,pages picks the parts (default: all seven).
BENCH_PARTS ?= rollups,list,import,phone,search,assessment,pages
bench: $(VENV)/.dev-deps messages
	@case ",$(BENCH_PARTS)," in *,rollups,*) $(TEST_ENV) $(PY) bench/run.py ;; esac
	@case ",$(BENCH_PARTS)," in *,list,*) $(TEST_ENV) $(PY) bench/list_bench.py ;; esac
	@case ",$(BENCH_PARTS)," in *,import,*) $(TEST_ENV) $(PY) bench/import_bench.py ;; esac
	@case ",$(BENCH_PARTS)," in *,phone,*) $(PY) bench/phone_bench.py ;; esac
	@case ",$(BENCH_PARTS)," in *,search,*) $(TEST_ENV) $(PY) bench/search_bench.py ;; esac
	@case ",$(BENCH_PARTS)," in *,assessment,*) $(TEST_ENV) $(PY) bench/assessment_bench.py ;; esac
	@case ",$(BENCH_PARTS)," in *,pages,*) $(TEST_ENV) $(PY) bench/pages_bench.py ;; esac

clean:
	rm -rf staticfiles .pytest_cache
	find locale -name '*.mo' -delete
