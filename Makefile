# Development entry points. `make check` is what CI runs; `make demo` brings
# up a virtual cluster under ./run and shows it working.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)
export PATH := $(CURDIR)/scripts:$(CURDIR)/daemons:$(CURDIR)/tools:$(abspath $(VENV))/bin:$(PATH)
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard lib daemons scripts tools test conftest.py setup.py)

.PHONY: all venv deps lint test check check-fast demo demo-clean bench clean

all: venv ganeti

ganeti:
	ln -sfn lib ganeti

venv: $(VENV)/.stamp

$(VENV)/.stamp: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

# System packages (qemu, openssh, lvm2, ...): only the missing ones, needs root.
deps:
	bash tools/install-deps

lint: venv
	$(VENV)/bin/ruff check $(LINT_PATHS)

test: venv ganeti
	$(PY) -m pytest $(PYTEST_ARGS) test

check: lint test

check-fast: venv ganeti
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS) test

demo: deps venv ganeti
	$(PY) tools/demo run

demo-clean: venv ganeti
	$(PY) tools/demo clean

bench: venv ganeti
	@for b in test/bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf ganeti build dist *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
