# The two entry points: `make run` and `make test`. Each sets up .venv on first use
# from a lock file (requirements/*.txt: every package, transitive ones included, pinned
# with hashes), so a fresh clone installs exactly what was tested.
#   make run      runtime packages only (requirements/runtime.txt), then the server
#   make test     development packages too (requirements/dev.txt), then the suite
#   make lock     recompile the lock files after editing pyproject.toml (keeps other pins)
#   make upgrade  move every pin to its newest release, then run the suite
VENV ?= .venv
# torch==2.13.0+cpu comes from the CPU wheel on this disk, never PyPI's CUDA build.
WHEELS ?= /opt/wheels
PIP_FIND := $(if $(wildcard $(WHEELS)),--find-links $(WHEELS),)
PYTHON ?= python3
BIN := $(VENV)/bin
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
RUNTIME_STAMP := $(VENV)/.runtime-stamp
DEV_STAMP := $(VENV)/.dev-stamp
# requirements/pip.in locks pip and setuptools (our build backend) as well.
LOCK_INPUTS := pyproject.toml requirements/pip.in
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links $(PIP_FIND)

.PHONY: run test test-sqlite lint setup lock upgrade scorer-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The project itself goes in editable, without dependencies (the lock has them all) and
# built by the locked setuptools; pip check then catches a dependency added to
# pyproject.toml but not yet locked.
define install_lock
	$(BIN)/python -m pip install --quiet $(PIP_FIND) --require-hashes -r $(1)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check || { echo "$(1) lacks what pyproject.toml asks: run make lock" >&2; exit 1; }
	touch $@
endef

$(RUNTIME_STAMP): $(RUNTIME_LOCK) pyproject.toml | $(BIN)/python
	$(call install_lock,$(RUNTIME_LOCK))

$(DEV_STAMP): $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(call install_lock,$(DEV_LOCK))

setup: $(DEV_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/commentmod serve --demo

# The runtime lock is what `commentmod serve` needs with its default (learned) scorer;
# the development lock adds the tools, the detoxify scorer and pip-tools, constrained to
# the runtime pins so that tests run what production runs.
# pip-compile comes from the current development lock, installed without `pip check`:
# pyproject.toml may already ask for what only the new lock will have.
$(BIN)/pip-compile: $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(PIP_FIND) --require-hashes -r $(DEV_LOCK)
	touch $@

lock: $(BIN)/pip-compile
	$(BIN)/pip-compile $(LOCK_FLAGS) $(LOCK_ARGS) --extra learned \
		-o $(RUNTIME_LOCK) $(LOCK_INPUTS)
	$(BIN)/pip-compile $(LOCK_FLAGS) $(LOCK_ARGS) --extra dev --extra detoxify --extra learned --extra otel \
		-c $(RUNTIME_LOCK) -o $(DEV_LOCK) $(LOCK_INPUTS)

upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade
	$(MAKE) test

# The learned scorer's shipped data (the encoder's fine-tuned top layers, embeddings of
# the real sets, the cold-start version), rebuilt from the human-labelled sets beside the
# project (about 7 minutes on 2 cores).
DATASETS ?= ../shared/datasets
scorer-data: $(DEV_STAMP)
	$(BIN)/python -m moderation.learning.finetune --from-datasets $(DATASETS) \
		--out moderation/data/encoder
	$(BIN)/python -m moderation.learning.build --from-datasets $(DATASETS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The second run repeats on PostgreSQL what touches a database (one database per run).
# The two runs go side by side, one a core, each with its own log and temporary files;
# both logs are printed, and either one failing fails the target.
POSTGRES_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PASSES := $(VENV)/passes

test: lint
	@rm -rf $(PASSES) && mkdir -p $(PASSES)
	@( $(BIN)/pytest -q -p no:cacheprovider --basetemp=$(PASSES)/sqlite-tmp \
		> $(PASSES)/sqlite.log 2>&1; echo $$? > $(PASSES)/sqlite.rc ) & \
	( COMMENTMOD_TEST_POSTGRES=$(POSTGRES_TEST_URL) $(BIN)/pytest -q -p no:cacheprovider \
		--basetemp=$(PASSES)/postgres-tmp > $(PASSES)/postgres.log 2>&1; \
		echo $$? > $(PASSES)/postgres.rc ) & \
	wait; \
	for pass in sqlite postgres; do \
		echo "==== $$pass pass ===="; cat $(PASSES)/$$pass.log; \
	done; \
	test "$$(cat $(PASSES)/sqlite.rc)" = 0 && test "$$(cat $(PASSES)/postgres.rc)" = 0

test-sqlite: lint
	$(BIN)/pytest -q
