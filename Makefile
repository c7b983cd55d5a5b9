# The two entry points: `make run` and `make test`. Both set up .venv on first use.
VENV ?= .venv
# torch==2.13.0 comes from the CPU wheel on this disk, never PyPI's CUDA build.
WHEELS ?= /opt/wheels
PIP_FIND := $(if $(wildcard $(WHEELS)),--find-links $(WHEELS),)
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-sqlite lint setup scorer-data

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_FIND) 'torch==2.13.0'
	$(BIN)/python -m pip install --quiet $(PIP_FIND) -e '.[dev,detoxify,learned]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/commentmod serve --demo

# The learned scorer's shipped data (embeddings of the real sets, the cold-start
# version), rebuilt from the human-labelled sets beside the project (minutes).
DATASETS ?= ../shared/datasets
scorer-data: $(STAMP)
	$(BIN)/python -m moderation.learning.build --from-datasets $(DATASETS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The second run repeats the whole suite on PostgreSQL (one database per run).
POSTGRES_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

test: lint
	$(BIN)/pytest -q
	COMMENTMOD_TEST_POSTGRES=$(POSTGRES_TEST_URL) $(BIN)/pytest -q

test-sqlite: lint
	$(BIN)/pytest -q
