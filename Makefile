# pacsim: `make run` installs and runs the default scenario; `make test` installs and runs every test.
VENV ?= .venv
# The first Python >= 3.12 found: on PATH, or in pyenv's versions folder.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: install run test lint browser bench clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "pacsim needs Python >= 3.12; set PYTHON=/path/to/python3.12" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[all]'
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/pacsim run

# Debian's Chromium for the browser tests (needs root; skipped with a note otherwise).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium not installed: browser tests will be skipped" >&2

test: install browser
	$(VENV)/bin/pytest -n 2 -m "slow or not slow"

# ruff (lint and format) and mypy over the whole tree. mypy reads the package through a link
# named pacsim in build/typecheck, since the repository root is the package.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@mkdir -p build/typecheck && ln -sfn "$(CURDIR)" build/typecheck/pacsim
	cd build/typecheck && $(CURDIR)/$(VENV)/bin/mypy --config-file $(CURDIR)/pyproject.toml -p pacsim

bench: install
	$(VENV)/bin/pacsim bench model

clean:
	rm -rf $(VENV) runs build .pytest_cache
