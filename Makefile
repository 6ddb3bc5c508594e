# essnum — the two commands of the README:
#   make build   set up the environment, then build everything from the embedded data
#   make test    set up the environment, then run every test (unit tests + notebooks under nbval)
# Both work offline except for package installs (PyPI); Quarto is used when installed, never required.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.essnum-installed

# Deterministic numerics and hashing, both when storing notebook outputs and in CI.
export PYTHONHASHSEED := 0
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MPLBACKEND := Agg

.PHONY: setup system-tools build test lab clean

setup: $(STAMP)

# poppler-utils (pdftotext, pdftoppm) lets the tests read the rendered PDFs.
system-tools:
	@command -v pdftotext >/dev/null || { apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name essnum --display-name "Python (essnum)" >/dev/null
	touch $(STAMP)

build: setup
	$(BIN)/essnum build

test: setup system-tools
	$(BIN)/python -m pytest --nbval --nbval-current-env

lab: setup
	$(BIN)/essnum lab

clean:
	rm -rf build _output
