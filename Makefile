# Frontwatch: `make demo` sets everything up and runs the main job on the bundled sample;
# `make test` runs the tests. Both need only Python 3.11+ and make. `make test-postgis` runs
# the store-facing tests again on a throwaway PostgreSQL + PostGIS cluster (installed from
# Debian where missing).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= out/demo.gpkg

PG_STAMP := $(VENV)/.installed-postgis

.PHONY: install demo test test-postgis bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out && rm -f $(DEMO_DB)
	$(BIN)/frontwatch --db $(DEMO_DB) ingest liveuamap-nzz samples/liveuamap-nzz
	$(BIN)/frontwatch --db $(DEMO_DB) ingest deepstate samples/deepstate
	$(BIN)/frontwatch --db $(DEMO_DB) sources
	$(BIN)/frontwatch --db $(DEMO_DB) change --source liveuamap-nzz --from 2022-09-04 --to 2022-09-11 --by oblast --plot out/article-week.png
	$(BIN)/frontwatch --db $(DEMO_DB) series --source liveuamap-nzz --from 2022-08-21 --to 2022-09-20
	$(BIN)/frontwatch --db $(DEMO_DB) series --source deepstate --every week
	$(BIN)/frontwatch --db $(DEMO_DB) place Izium --source liveuamap-nzz --history
	$(BIN)/frontwatch --db $(DEMO_DB) advance --source liveuamap-nzz --from 2022-09-08 --to 2022-09-11
	$(BIN)/frontwatch --db $(DEMO_DB) check samples/articles/2022-09-ukraine-retook-1000-km2.txt --published 2022-09-10 --source liveuamap-nzz
	$(BIN)/frontwatch --db $(DEMO_DB) report --source liveuamap-nzz --from 2022-09-04 --to 2022-09-11 --output out/article-week.html

test: $(STAMP)
	$(BIN)/python -m pytest -q

$(PG_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgis]'
	touch $(PG_STAMP)

# The PostGIS variants of the store-facing tests ([postgis] in their ids), the PostGIS
# store's own tests, and the full-data comparison of both backends where ../shared/data is.
test-postgis: $(PG_STAMP)
	tools/with_postgis.sh $(BIN)/python -m pytest -q -k postgis

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_places.py

lint: $(STAMP)
	$(BIN)/ruff check frontwatch tests bench tools
	$(BIN)/ruff format --check frontwatch tests bench tools
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out
