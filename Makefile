# The one place where Vero's commands live.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# the desk's softphone: Twilio's Voice JavaScript SDK from the npm registry (package-lock.json)
NODE_STAMP := node_modules/.installed-stamp

.PHONY: setup test lint serve demo sample bench prod clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# Without npm the desk works, and says it has no softphone.
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the desk runs without its softphone (install Node.js and npm)"; fi

setup: $(STAMP) $(NODE_STAMP)

test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -q -n 2

# The same four checks run before each commit (.pre-commit-config.yaml): style, format, the
# layers' import contracts (pyproject [tool.importlinter]) and types (pyproject [tool.mypy]).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Development secrets when none are set; production sets its own in the environment.
serve: $(STAMP) $(NODE_STAMP)
	TWILIO_AUTH_TOKEN=$${TWILIO_AUTH_TOKEN:-dev-twilio-auth-token} \
	VERO_SUPERVISOR_TOKEN=$${VERO_SUPERVISOR_TOKEN:-dev-supervisor-token-change-me} \
	$(VENV)/bin/vero serve

# A compressed hour of traffic through the real service, a summary, then the console until
# Ctrl-C. Knobs: make demo DEMO_ARGS="--minutes 5 --exit" (see vero demo --help).
demo: $(STAMP) $(NODE_STAMP)
	$(VENV)/bin/vero demo $(DEMO_ARGS)

# The shipped sample data (vero/sample/) made again by the twin from its seed; a test checks the
# shipped files are these bytes.
sample: $(STAMP)
	$(VENV)/bin/vero sample --regenerate --force --out vero/sample --lang en

# The production layout on one machine, as the Procfile lists it (web, dispatch, worker), under
# honcho; settings from the environment or .env, REDIS_URL required. Knobs:
# make prod PROD_ARGS="-c dispatch=2"   or   PROD_ARGS="dispatch" (only the dispatcher)
prod: $(STAMP)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/honcho start -f Procfile $(PROD_ARGS)

bench: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis build *.egg-info
