# Two commands do everything on a fresh clone (Python 3.11+, Node/npm and make):
#   make synth   set up (if needed), then synthesize dist/<environment>/ from environments/*.yaml
#   make test    set up (if needed), then the whole test suite
# Set-up is project-local: .venv/ (pinned requirements.txt, plus this package installed
# editable) and node_modules/ (pinned package-lock.json: cdk8s-cli and a Node 22 runtime,
# used by cdk8s and by jsii), and .tools/<tool>/: a venv per policy tool of the test suite
# (checkov, detect-secrets) and OpenBao (the Vault Agent tests), each from its own pinned
# tools/<tool>/requirements.txt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_BIN := $(CURDIR)/node_modules/.bin
# Policy tools the test suite runs (tests/test_policy_gate.py), each in its own venv: their
# dependencies clash with requirements.txt and with each other.
TOOLS := checkov detect-secrets openbao
TOOL_STAMPS := $(foreach tool,$(TOOLS),.tools/$(tool)/.installed)
# Other vendors' ports written with the library; each writes its own snapshot folder (dist/).
EXAMPLES := examples/langfuse/langfuse.py examples/dify/dify.py

# Node 22 from node_modules first on PATH for cdk8s and every jsii child process.
export PATH := $(NODE_BIN):$(PATH)
export JSII_NODE := $(NODE_BIN)/node
# cdk8s-cli asks the npm registry for a newer version on every run; nothing to learn offline.
export CDK8S_CHECK_UPGRADE := false

.PHONY: help setup tools servers synth snapshot lint fmt test check docs bench imports mutation clean

help:
	@echo "make synth     set up, then synthesize dist/<environment>/ from environments/*.yaml, and the examples"
	@echo "make snapshot  the same: dist/<environment>/aipp.k8s.yaml is the test suite's snapshot"
	@echo "make test      set up (policy tools, and as root the real-server tests' Debian packages), then make lint and the whole test suite"
	@echo "make lint      ruff check, ruff format --check and mypy (strict) over the project (part of make test)"
	@echo "make fmt       ruff format, then ruff check --fix (the safe fixes) over the project"
	@echo "make tools     install the tools of the test suite (.tools/checkov, .tools/detect-secrets, .tools/openbao)"
	@echo "make docs      build the documentation site into site/ (mkdocs build --strict; part of make test)"
	@echo "make check     run the offline policy checks (strict schemas, Pod Security) over dist/"
	@echo "make bench     measure synthesis against the cdk8s floor and at scale (benchmarks/RESULTS.md; several minutes)"
	@echo "make mutation  mutation-test the core modules with mutmut and print the score (not part of make test; the slowest target)"
	@echo "make imports   regenerate imports/ from aipp_constructs/crds/ (offline)"

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
	@# The library itself, editable and without dependencies (all pinned above), so that
	@# `.venv/bin/python -m aipp_constructs ...` and the README's examples work from any folder.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-input --no-deps --no-build-isolation -e .
	@# `git diff` of dist/ names the object of each hunk (the `# Kind/namespace/name` comments).
	@if [ -d .git ]; then git config diff.k8s-manifest.xfuncname '^# ([A-Z][A-Za-z]*/.*)$$'; fi
	@touch $@

# A venv per tool, rebuilt from scratch when its requirements file changes (like $(VENV)/.installed).
tools: $(TOOL_STAMPS)

.tools/%/.installed: tools/%/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0])'
	rm -rf .tools/$*
	$(PYTHON) -m venv .tools/$*
	.tools/$*/bin/python -m pip install --quiet --disable-pip-version-check --no-input -r $<
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@$(NODE_BIN)/node -e 'if (+process.versions.node.split(".")[0] < 22) { console.error("node_modules/.bin/node is " + process.version + ", expected 22"); process.exit(1) }'
	@touch $@

# main.py refuses a bad environment file with one `error:` line per mistake (schema, value and
# graph mistakes of every file, in one run) and exit status 1, at once; it leaves dist/
# byte-identical (it builds into a staging folder and swaps it in only on success). The recipe
# fails with it: GNU make adds its one line `make: *** [Makefile:NN: synth] Error 1` and exits
# 2, its only status for a failed recipe. No recipe can hide that line without a signal, and a
# signal is worse: the old SIGINT exited 130 and read like Ctrl-C.
# main.py also rewrites schemas/environment.schema.json from the environment-file models, and
# tools/docs/readme_graph.py the README's dependency picture (from tests/environments/reference.yaml).
synth snapshot: setup
	@$(PY) main.py
	@for example in $(EXAMPLES); do $(PY) $$example || exit 1; done
	@$(PY) tools/docs/readme_graph.py

# The Debian packages of the real-server tests (tests/test_real_*.py), installed when missing
# and make runs as root with apt-get; otherwise a note (those tests then skip, or fail under CI).
SERVER_PACKAGES := $(shell cat tests/real-server-packages.txt 2>/dev/null)
servers:
	@missing=$$(for p in $(SERVER_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing the real-server tests' Debian packages:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
	  echo "note: the real-server tests need the Debian packages:" $$missing "(apt-get install, as root); they skip without them"; \
	fi

# Lint, format and type checks (part of `make test`, and of .pre-commit-config.yaml): ruff and
# mypy from the project venv, pinned in requirements.txt; what they check and how is in
# pyproject.toml ([tool.ruff], [tool.mypy]: strict). Any finding fails the target.
lint: setup
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check
	$(VENV)/bin/mypy

# Rewrites the files in place: the formatter first, then ruff's safe fixes (unused imports,
# import order...); what is left is for `make lint` to report.
fmt: setup
	$(VENV)/bin/ruff format
	$(VENV)/bin/ruff check --fix

# Three workers on the two cores (pytest-xdist; `.venv/bin/python -m pytest` runs serially): the
# real-server tests mostly wait for a server to boot, and a third worker runs the unit tests
# meanwhile. loadgroup: the tests marked with one xdist_group (those that share a server: a
# module's broker, a converged volume, a scrape) run on one worker, so the shared server starts
# once; every other test goes to whichever worker is free, the slow ones first
# (tests/conftest.py, START_FIRST). `lint` is a prerequisite: a lint, format or type finding
# fails `make test` before the suite starts.
PYTEST_WORKERS ?= 3
test: setup tools servers lint docs
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

# Each environment's output against its own kubernetes_version (the oldest it must run on).
check: setup
	@for env in $$($(PY) -c 'import main; print(*(f"{e.name}:{e.kubernetes_version}" for e in main.load_environments()))'); do \
	  echo "$${env%%:*} (Kubernetes $${env#*:} and newest):"; \
	  $(PY) -m aipp_constructs.checks dist/$${env%%:*} dist/bootstrap/$${env%%:*} --kubernetes-version $${env#*:} || exit 1; \
	done

# The documentation site (mkdocs.yml): tools/docs/gen.py writes the generated reference pages
# (API from the docstrings, the aipp command, the environment-file keys, the checkov exceptions,
# the changelog) and the command outputs the pages include (build/docs-snippets/, made again only
# when one of their inputs changed), then `mkdocs build --strict` writes site/: a broken link, a page left out of
# the nav or a docstring mkdocstrings cannot read fails it. MkDocs and its plugins come from
# their own venv (.tools/docs/, pinned in tools/docs/requirements.txt); mkdocs-click imports the
# project's CLI, so the project venv's packages and this folder come first on PYTHONPATH (as for
# mutmut). tests/test_docs.py then reads site/. The pages show `aipp check` with checkov and
# detect-secrets (the tutorial, the checks), so the site needs those two tools.
DOCS_VENV := .tools/docs
docs: setup .tools/checkov/.installed .tools/detect-secrets/.installed $(DOCS_VENV)/.installed
	$(PY) tools/docs/gen.py
	PYTHONPATH=$(CURDIR):$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
	  NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict

# Whole-process timings, medians of 5 runs after a warm-up; writes benchmarks/RESULTS.md.
bench: setup
	$(PY) benchmarks/bench.py

# Mutation test of the six core modules (graph, wiring, startup_wait, network_policies,
# _validation, component); not part of `make test`. mutmut (.tools/mutmut/, pinned in
# tools/mutmut/requirements.txt; settings under [tool.mutmut] in pyproject.toml) changes them one
# mutation at a time and runs the fast unit tests that reach the changed function against each
# mutant, in a scratch copy of the project (.tools/mutmut/run/, rebuilt on every run, so the work
# tree gets no mutants/ folder). It imports the project's packages from .venv through PYTHONPATH:
# no .pth file is read there, so the editable install does not shadow the mutated copy. Then
# tools/mutmut/score.py prints every mutant no test killed and the score, and fails below
# MUTATION_TARGET percent. `cd .tools/mutmut/run && ../bin/mutmut show NAME` shows one mutant.
MUTATION_TARGET ?= 97
MUTATION_RUN := .tools/mutmut/run
mutation: setup .tools/mutmut/.installed
	rm -rf $(MUTATION_RUN)
	mkdir -p $(MUTATION_RUN)
	cp -R aipp_constructs imports main.py pyproject.toml tests $(MUTATION_RUN)/
	find $(MUTATION_RUN) -name __pycache__ -prune -exec rm -rf {} +
	cd $(MUTATION_RUN) && export PYTHONPATH=$$($(CURDIR)/$(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
	  && time ../bin/mutmut run --max-children 2 \
	  && ../bin/python $(CURDIR)/tools/mutmut/score.py --target $(MUTATION_TARGET)

imports: node_modules/.installed
	rm -rf imports
	cdk8s import --language python --output imports

clean:
	rm -rf $(VENV) node_modules .tools .pytest_cache site
