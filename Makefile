# The README's two commands: `make run` and `make test`. Everything else is what they build on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test` runs the suite in this many processes (pytest-xdist), each with its own test
# database, cache key prefix and Celery queue (tests/conftest.py); 1 runs it in one process.
TEST_WORKERS ?= auto

.PHONY: run test prod-check setup lint format messages compilemessages worker beat clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

setup: $(STAMP) compilemessages

# The .mo files are committed; a .po changed since is compiled in Python (polib), so no gettext
# is needed. `make test` proves the committed .mo is in step (tests/portal/test_i18n.py).
compilemessages: $(STAMP)
	$(BIN)/python -m portal.catalogues

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/bandit -q -r portal indicators reports summaries config bench --severity-level medium
	$(BIN)/python manage.py makemigrations --check --dry-run --noinput
	DJANGO_ENV=production DJANGO_SECRET_KEY=check-deploy-only-$$(date +%s)-not-a-real-key-0123456789abcdef \
	  ALLOWED_HOSTS=portal.example.vn DATABASE_URL= REDIS_URL= \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# The production stack of docker-compose.yml (PostgreSQL, Redis, gunicorn, worker, beat) started
# natively on loopback, used over HTTP, then broken on purpose. Needs PostgreSQL's server binaries
# (initdb, pg_ctl) and redis-server; touches no other database or Redis. See the README.
prod-check: setup
	$(BIN)/python scripts/prod_check.py

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract translatable strings after changing code or templates, then translate locale/vi.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l vi --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py makemessages -d djangojs -l vi --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'static/vendor/*' --ignore 'tests/*'

worker: setup
	$(BIN)/celery -A config worker --loglevel=INFO

beat: setup
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache db.sqlite3
