# Two entry points, each sets itself up on a fresh machine from requirements.lock:
#   make app   - run the browser app on the shipped models (core + app, under 1 GB)
#   make test  - ruff check + the test suite (adds training, cluster and test tools)
#   make lock  - refresh requirements.lock after changing pyproject.toml
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --constraint requirements.lock

.PHONY: app test lint bench lock clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.app: $(BIN)/python pyproject.toml requirements.lock
	$(PIP) -e '.[app]'
	touch $@

$(VENV)/.dev: $(VENV)/.app
	$(PIP) -e '.[app,train,cluster,dev]'
	touch $@

app: $(VENV)/.app
	$(BIN)/streamlit run streamlit_app.py

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/run_all.py

# pip-tools resolves every extra into one pinned constraints file.
lock: $(VENV)/.dev
	$(BIN)/pip-compile --quiet --all-extras --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
