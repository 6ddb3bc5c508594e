# essnum — the two commands of the README:
#   make build   set up the environment, then build everything from the embedded data
#   make test    set up the environment, then run every test (unit tests + notebooks under nbval)
# Both work offline except for package installs (PyPI, npm, Debian). `make test` also renders with real
# Quarto: the one on the PATH, else the one `make quarto` installs from ../shared/tools/quarto into
# $(QUARTO_PREFIX) (outside the repository, kept between runs); without either, the Quarto tests are skipped
# (CI sets ESSNUM_REQUIRE_QUARTO=1: then they fail).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.essnum-installed

# Deterministic numerics and hashing, both when storing notebook outputs and in CI.
export PYTHONHASHSEED := 0
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MPLBACKEND := Agg

# Quarto for the tests: installed once per machine, skipped when the cache already holds this version
# (QUARTO_DONE is written only once the installer finished: an interrupted install is redone).
QUARTO_VERSION   := 1.11.0
QUARTO_PREFIX    ?= $(HOME)/.cache/essnum-quarto
QUARTO_INSTALLER ?= ../shared/tools/quarto/install-quarto.sh
QUARTO_DONE      := $(QUARTO_PREFIX)/.essnum-installed-$(QUARTO_VERSION)
# The tests run Quarto's cells in the project's venv (QUARTO_PYTHON) and find the cached Quarto first.
TEST_ENV = PATH="$(QUARTO_PREFIX)/bin:$$PATH" QUARTO_PYTHON="$(abspath $(BIN))/python"

.PHONY: setup system-tools site-deps quarto build test lab clean

setup: $(STAMP)

# poppler-utils (pdftotext, pdftoppm) lets the tests read the rendered PDFs.
system-tools:
	@command -v pdftotext >/dev/null || { apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }
	@# chromium (+ chromium-driver) runs the site's browser tests (tests/test_site.py); no browser download.
	@{ command -v chromium && command -v chromedriver; } >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }

# npm puts the site's vendored Leaflet (package-lock.json) in node_modules/: the site step of the build and the
# site's tests copy it from there.
site-deps:
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	@test -f node_modules/leaflet/dist/leaflet.js || npm ci --ignore-scripts --no-audit --no-fund >/dev/null

# npm fetches Deno, Dart Sass and esbuild for the Quarto installer.
quarto:
	@if [ -f "$(QUARTO_DONE)" ] && [ "$$("$(QUARTO_PREFIX)/bin/quarto" --version 2>/dev/null)" = "$(QUARTO_VERSION)" ]; then \
	  echo "quarto $(QUARTO_VERSION): $(QUARTO_PREFIX)/bin/quarto"; \
	elif [ -f "$(QUARTO_INSTALLER)" ]; then \
	  command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq npm >/dev/null; }; \
	  echo "installing quarto $(QUARTO_VERSION) into $(QUARTO_PREFIX) (log: $(QUARTO_PREFIX).log)"; \
	  mkdir -p "$(QUARTO_PREFIX)"; \
	  SKIP_CHECK=1 PYTHON=$(PYTHON) bash "$(QUARTO_INSTALLER)" "$(QUARTO_PREFIX)" >"$(QUARTO_PREFIX).log" 2>&1 \
	    || { tail -30 "$(QUARTO_PREFIX).log"; exit 1; }; \
	  test "$$("$(QUARTO_PREFIX)/bin/quarto" --version)" = "$(QUARTO_VERSION)"; \
	  touch "$(QUARTO_DONE)"; echo "installed quarto $(QUARTO_VERSION)"; \
	elif command -v quarto >/dev/null; then \
	  echo "quarto $$(quarto --version): $$(command -v quarto)"; \
	else \
	  echo "no Quarto on the PATH and no installer at $(QUARTO_INSTALLER): the Quarto tests will be skipped"; \
	fi

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name essnum --display-name "Python (essnum)" >/dev/null
	touch $(STAMP)

build: setup site-deps
	$(BIN)/essnum build

test: setup system-tools site-deps quarto
	$(TEST_ENV) $(BIN)/python -m pytest --nbval --nbval-current-env

lab: setup
	$(BIN)/essnum lab

clean:
	rm -rf build _output
