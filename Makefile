# Two commands do everything on a fresh clone (Python 3.11+, Node/npm and make):
#   make synth   set up (if needed), then `cdk8s synth` -> dist/<environment>/
#   make test    set up (if needed), then the whole test suite
# Set-up is project-local: .venv/ (pinned requirements.txt) and node_modules/ (pinned
# package-lock.json: cdk8s-cli and a Node 22 runtime, used by cdk8s and by jsii).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE_BIN := $(CURDIR)/node_modules/.bin

# Node 22 from node_modules first on PATH for cdk8s and every jsii child process.
export PATH := $(NODE_BIN):$(PATH)
export JSII_NODE := $(NODE_BIN)/node
# cdk8s-cli asks the npm registry for a newer version on every run; nothing to learn offline.
export CDK8S_CHECK_UPGRADE := false

.PHONY: help setup synth test check imports clean

help:
	@echo "make synth   set up, then synthesize dist/<environment>/ from environments/*.yaml"
	@echo "make test    set up, then run the whole test suite"
	@echo "make check   run the offline policy checks (schemas, Pod Security) over dist/"
	@echo "make imports regenerate imports/ from aipp_constructs/crds/ (offline)"

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-input -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@$(NODE_BIN)/node -e 'if (+process.versions.node.split(".")[0] < 22) { console.error("node_modules/.bin/node is " + process.version + ", expected 22"); process.exit(1) }'
	@touch $@

# cdk8s-cli deletes its output folder before it runs the app (cdk8s-cli synth.js), so a
# failed synth would leave no dist/ at all. Keep a copy and put it back on failure: dist/
# is then byte-identical to what it was. (main.py itself also replaces its output atomically.)
synth: setup
	@rm -rf .dist.prev; if [ -d dist ]; then cp -a dist .dist.prev; fi
	@if cdk8s synth; then rm -rf .dist.prev; \
	else rm -rf dist; if [ -d .dist.prev ]; then mv .dist.prev dist; fi; \
	     echo "make synth: failed; dist/ left as it was" >&2; exit 1; fi

test: setup
	$(PY) -m pytest

check: setup
	$(PY) -m aipp_constructs.checks dist

imports: node_modules/.installed
	rm -rf imports
	cdk8s import --language python --output imports

clean:
	rm -rf $(VENV) node_modules .pytest_cache .dist.prev
