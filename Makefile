# One command sets everything up and runs the demo; one runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-all bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Pin torch first: an unpinned torch with none installed pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/symbreak demo --out demo_output

# Two workers: the suite is many small CPU-bound tests, and both cores of a CI machine help.
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q -n 2

test-all: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_relaxed_conv.py

clean:
	rm -rf $(VENV) demo_output build src/*.egg-info
