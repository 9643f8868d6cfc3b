# Two entry points, both self-contained on a fresh machine with Python 3.11:
#   make demo   set up .venv, build the knowledge base, run the bundled example cohort
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
OUT    ?= refractor-demo
EXTRAS ?= test
# AMICI (benchmarked by bench_earm.py) needs a newer sympy than PySB: its own venv
AMICI_VENV ?= .venv-amici

.PHONY: setup demo test bench clean

$(BIN)/refractor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $@

setup: $(BIN)/refractor

demo: setup
	$(BIN)/refractor demo -o $(OUT)

test: setup
	$(BIN)/python -m pytest -n 2 -q

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	test -x $(AMICI_VENV)/bin/python || $(PYTHON) -m venv $(AMICI_VENV)
	$(AMICI_VENV)/bin/python -m pip install --quiet -e '.[amici]'
	REFRACTOR_AMICI_PYTHON=$(abspath $(AMICI_VENV))/bin/python $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(AMICI_VENV) $(OUT) build *.egg-info src/*.egg-info
