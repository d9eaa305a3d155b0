# One entry point for people and CI. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

include devkit/toolchain/versions.env

# Built tools, provider mirror and virtual environments live outside the
# repository, keyed by version, so fresh clones and CI reuse them.
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/durable-bedrock-tf
PYTHON ?= python3
# The workflow tests also run on a Lambda runtime's Python (python3.13 or python3.14).
LAMBDA_PYTHON ?= $(shell devkit/toolchain/find-python.sh 3.13 3.14)

# Where the engine and providers come from (devkit/toolchain/choose-toolchain.sh):
# registry = the installed terraform/tofu, init fetches providers from the registry;
# source = OpenTofu and providers built from Go modules, served by a local mirror;
# auto = registry when an engine is installed and its registry answers, else source.
TOOLCHAIN ?= auto
TOOLCHAIN_DECISION := $(shell devkit/toolchain/choose-toolchain.sh "$(CACHE)" "$(TOOLCHAIN)")
TOOLCHAIN_CHOICE := $(firstword $(TOOLCHAIN_DECISION))

# $(call built,NAME,VERSION): the tool `make setup` builds into the cache.
built = $(CACHE)/bin/$(1)-$(2:v%=%)
TOFU := $(call built,tofu,$(OPENTOFU_VERSION))
ifeq ($(TOOLCHAIN_CHOICE),registry)
TF ?= $(word 2,$(TOOLCHAIN_DECISION))
# Installed linters are used as they are; only missing ones are built.
TFLINT := $(or $(shell command -v tflint 2>/dev/null),$(call built,tflint,$(TFLINT_VERSION)))
TERRAFORM_DOCS := $(or $(shell command -v terraform-docs 2>/dev/null),$(call built,terraform-docs,$(TERRAFORM_DOCS_VERSION)))
GO_TOOLS := $(strip $(if $(filter $(CACHE)/%,$(TFLINT)),tflint) $(if $(filter $(CACHE)/%,$(TERRAFORM_DOCS)),terraform-docs))
# No mirror: init fetches the providers; the plugin cache shares them between roots.
export TF_CLI_CONFIG_FILE := $(CACHE)/cli-registry.tfrc
else ifeq ($(TOOLCHAIN_CHOICE),source)
# HashiCorp Terraform when it is on PATH, else the OpenTofu built by `make setup`.
TF ?= $(or $(shell command -v terraform 2>/dev/null),$(TOFU))
TFLINT := $(call built,tflint,$(TFLINT_VERSION))
TERRAFORM_DOCS := $(call built,terraform-docs,$(TERRAFORM_DOCS_VERSION))
export TF_CLI_CONFIG_FILE := $(CACHE)/cli.tfrc
else
$(error devkit/toolchain/choose-toolchain.sh chose no toolchain for TOOLCHAIN=$(TOOLCHAIN): see its message above)
endif
# The private module registry (devkit/registry/): `make publish` uploads with it, the registry end-to-end
# test serves modules with it. The source toolchain builds it with the other Go tools; on the registry
# toolchain it is built (from Go) only when those need it, so using the module never needs Go.
export BORING_REGISTRY := $(call built,boring-registry,$(BORING_REGISTRY_VERSION))
# Wheels bundled into Lambda packages, fetched once by `make setup`.
export DURABLE_BEDROCK_WHEEL_CACHE := $(CACHE)/wheels
# Tests send traffic to loopback only: a package build that misses the wheel
# cache fails instead of reaching the package index.
TEST_ENV := PIP_INDEX_URL=http://127.0.0.1:9/simple

# Every init runs under one lock: roots initialised at the same time share the
# plugin cache, which Terraform does not make safe for concurrent installs.
TF_INIT = $(PYTHON) devkit/toolchain/locked.py "$(CACHE)/plugin-cache.lock" $(TF)

# Virtual environments keyed by their requirements file and interpreter:
# $(call venv_for,NAME,REQUIREMENTS,PYTHON).
venv_for = $(CACHE)/venvs/$(1)-$(shell { cat devkit/toolchain/requirements/$(2).txt; $(3) -VV; } | sha256sum | cut -c1-12)
DEV_VENV := $(call venv_for,dev,dev,$(PYTHON))
LAMBDA_VENV := $(call venv_for,lambda,dev,$(LAMBDA_PYTHON))
CHECKOV_VENV := $(call venv_for,checkov,checkov,$(PYTHON))
EMULATOR_VENV := $(call venv_for,emulator,emulator,$(PYTHON))
export EMULATOR_PYTHON := $(EMULATOR_VENV)/bin/python

# Local AWS (make up / down): loopback port and state folder.
LOCAL_AWS_PORT ?= 4566
LOCAL_AWS_STATE ?= $(CURDIR)/.local-aws
export LOCAL_AWS_PORT LOCAL_AWS_STATE

# Root modules: the module itself and every example.
# Every folder under examples/ is an example (examples/README.md lists them).
EXAMPLES := $(patsubst examples/%/,%,$(wildcard examples/*/))
TF_ROOTS := . $(addprefix examples/,$(EXAMPLES))

# Examples: which one, and where (local AWS or your AWS account). EXAMPLE_DIR=<folder> instead runs
# the same targets on any root module that uses this module, such as your own workflow's
# (relative to this folder, or absolute).
EXAMPLE ?= content-pipeline
TARGET ?= local
EXAMPLE_DIR ?= examples/$(EXAMPLE)
ifeq ($(TARGET),local)
WORKSPACE ?= local
INVOKE_ENDPOINT := --endpoint-url http://127.0.0.1:$(LOCAL_AWS_PORT)
APPROVE := -auto-approve
else ifeq ($(TARGET),aws)
WORKSPACE ?= default
INVOKE_ENDPOINT :=
APPROVE :=
else
$(error TARGET must be local or aws, got "$(TARGET)")
endif
export PAYLOAD
# make approve / make reject: the reviewer's text reaches the command line through the environment,
# so quotes and spaces in it survive; EXECUTION=<name>|last picks the execution (default last).
export FEEDBACK REASON
EXECUTION ?= last
# The user command line (cli/): invoke, history, approve, reject, stop-executions, preflight.
CLI = TF="$(TF)" $(DEV_VENV)/bin/python cli

.PHONY: help setup go-tools venvs wheels browser up down status lint docs validate test test-module test-python test-compat-needed screenshot clean
.PHONY: release publish demo apply invoke history approve reject stop-executions destroy known-example example-ready bench preflight

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-19s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: go-tools venvs wheels browser ## Toolchain, Python environments and the test browser (idempotent; TOOLCHAIN=auto|source|registry; from source the first run takes ~25 min)

go-tools:
	@echo "Toolchain: $(TOOLCHAIN_CHOICE) - $(wordlist 3,$(words $(TOOLCHAIN_DECISION)),$(TOOLCHAIN_DECISION))"
ifeq ($(TOOLCHAIN_CHOICE),registry)
	@mkdir -p "$(CACHE)/plugin-cache" && echo 'plugin_cache_dir = "$(CACHE)/plugin-cache"' > "$(TF_CLI_CONFIG_FILE).$$$$" \
	  && mv "$(TF_CLI_CONFIG_FILE).$$$$" "$(TF_CLI_CONFIG_FILE)"
	@$(if $(GO_TOOLS),devkit/toolchain/build-go-tools.sh "$(CACHE)" $(GO_TOOLS),true)
else
	@devkit/toolchain/build-go-tools.sh "$(CACHE)"
endif
	@echo "  TF = $(TF) ($$($(TF) version | head -n 1))"

wheels:
	@$(PYTHON) packaging/build_lambda_zip.py --source-dir lambda_src --requirements lambda_src/requirements.txt \
	  --out-dir "$(CACHE)/package-check" >/dev/null && echo "  cached   Lambda package wheels ($(DURABLE_BEDROCK_WHEEL_CACHE))"

# Debian's chromium and chromium-driver for the review page's browser test: system packages, installed
# with apt-get when missing (devkit/toolchain/install-browser.sh says why).
browser:
	@devkit/toolchain/install-browser.sh

venvs: $(DEV_VENV)/.complete $(LAMBDA_VENV)/.complete $(CHECKOV_VENV)/.complete $(EMULATOR_VENV)/.complete

$(DEV_VENV)/.complete:
	@devkit/toolchain/make-venv.sh "$(PYTHON)" "$(@D)" devkit/toolchain/requirements/dev.txt
$(LAMBDA_VENV)/.complete:
	@devkit/toolchain/make-venv.sh "$(LAMBDA_PYTHON)" "$(@D)" devkit/toolchain/requirements/dev.txt
$(CHECKOV_VENV)/.complete:
	@devkit/toolchain/make-venv.sh "$(PYTHON)" "$(@D)" devkit/toolchain/requirements/checkov.txt
$(EMULATOR_VENV)/.complete:
	@devkit/toolchain/make-venv.sh "$(PYTHON)" "$(@D)" devkit/toolchain/requirements/emulator.txt

up: $(EMULATOR_VENV)/.complete ## Start local AWS on 127.0.0.1:4566 (LOCAL_AWS_PORT=...); state kept across restarts
	@LOCAL_AWS_PERSIST=1 devkit/local_aws/emulator.sh up

down: ## Stop local AWS (SIGTERM by PID; it saves its state then)
	@devkit/local_aws/emulator.sh down

status: ## Is local AWS running?
	@devkit/local_aws/emulator.sh status

lint: setup ## ruff, mypy (strict), shellcheck, formatting, tflint, checkov, docs in sync
	@echo "lint: ruff"
	@$(DEV_VENV)/bin/ruff check .
	@$(DEV_VENV)/bin/ruff format --check .
	@echo "lint: mypy (strict)"
	@$(DEV_VENV)/bin/mypy
	@echo "lint: shellcheck"
	@$(DEV_VENV)/bin/shellcheck -x devkit/local_aws/*.sh devkit/toolchain/*.sh .ci/run
	@echo "lint: $(notdir $(TF)) fmt"
	@$(TF) fmt -check -recursive -diff .
	@echo "lint: tflint"
	@$(TFLINT) --recursive --config "$(CURDIR)/.tflint.hcl"
	@echo "lint: checkov"
	@$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework terraform --directory . --skip-path tests
	@echo "lint: README inputs/outputs (terraform-docs)"
	@$(TERRAFORM_DOCS) --output-check . >/dev/null || { echo "README.md module docs are out of date: run make docs" >&2; exit 1; }

docs: setup ## Regenerate the module's inputs/outputs tables in README.md
	@$(TERRAFORM_DOCS) .

validate: setup ## init (from the local mirror, or the registry with TOOLCHAIN=registry) and validate the module and every example
	@for root in $(TF_ROOTS); do \
	  echo "validate: $$root"; \
	  $(TF_INIT) -chdir=$$root init -backend=false -input=false -no-color >/dev/null; \
	  $(TF) -chdir=$$root validate -no-color; \
	done

# The module tests run alongside the Python tests, at a low CPU priority (nice), their output printed after
# pytest's: they take the CPU the end-to-end workers leave idle while they wait on the provider, and give
# it back whenever those need it, so the Python tests' critical path is not slowed.
test: lint validate ## Everything: lint, validate, module tests, Python tests (they start and stop their own local AWS)
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; modules=0; python=0; \
	  echo "test: module tests alongside the Python tests, at low priority (their output after pytest's)"; \
	  nice -n 15 $(MAKE) --no-print-directory test-module >"$$log" 2>&1 & module_job=$$!; \
	  $(MAKE) --no-print-directory test-python || python=$$?; \
	  wait $$module_job || modules=$$?; \
	  cat "$$log"; \
	  if (( python )); then exit $$python; fi; exit $$modules

# The test files run at the same time (each in its own process, output shown file by file as each ends):
# a run is mostly the CLI and the provider starting, so they overlap well even on 2 cores.
MODULE_TESTS := $(sort $(wildcard tests/*.tftest.hcl))
MODULE_TEST_JOBS ?= 3

test-module: setup ## Module tests (tests/*.tftest.hcl, AWS provider mocked)
	@echo "test: $(notdir $(TF)) test ($(words $(MODULE_TESTS)) files, $(MODULE_TEST_JOBS) at a time)"
	@$(TF_INIT) init -backend=false -input=false -no-color >/dev/null
	@$(MAKE) --no-print-directory --keep-going -j$(MODULE_TEST_JOBS) --output-sync=target $(addprefix module-test/,$(MODULE_TESTS))

module-test/%:
	@$(TEST_ENV) $(TF) test -no-color -filter=$*

# pytest-xdist, --dist loadfile: each example's end-to-end tests (tests/e2e/test_e2e_<example>.py)
# run in order on one worker, so the examples' provider waits (minutes) overlap. tests/conftest.py
# collects them first and --no-loadscope-reorder keeps that order, so they start at once; the other
# workers share the other test files. Each worker starts its own local AWS, which enforces IAM
# (LOCAL_AWS_AUTH=0 turns it off): every example runs with the module's own policies, and the
# least-privilege tests remove each statement in turn.
PYTEST_WORKERS ?= 4
XDIST := --dist loadfile --no-loadscope-reorder

# The workflow tests on a Lambda runtime's Python need no emulator and little CPU: they run alongside
# (their output printed after pytest's), while the end-to-end workers mostly wait on the provider.
test-python: setup $(BORING_REGISTRY)
	@echo "test: pytest ($$($(PYTHON) --version), $(PYTEST_WORKERS) workers), IAM enforced: $${LOCAL_AWS_AUTH:-1}; alongside, workflow tests on $$($(LAMBDA_PYTHON) --version)"
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; main=0; runtime_status=0; \
	  $(TEST_ENV) $(LAMBDA_VENV)/bin/pytest -q -p no:cacheprovider tests/workflows >"$$log" 2>&1 & runtime=$$!; \
	  $(TEST_ENV) LOCAL_AWS_AUTH=$${LOCAL_AWS_AUTH:-1} TF="$(TF)" TOFU="$(TOFU)" TOOLCHAIN=$(TOOLCHAIN_CHOICE) \
	    $(DEV_VENV)/bin/pytest --numprocesses $(PYTEST_WORKERS) $(XDIST) || main=$$?; \
	  wait $$runtime || runtime_status=$$?; \
	  echo "test: workflow tests on $$($(LAMBDA_PYTHON) --version) (a Lambda runtime's Python)"; cat "$$log"; \
	  if (( main )); then exit $$main; fi; exit $$runtime_status

test-iam: setup $(BORING_REGISTRY) ## The end-to-end tests alone, on a local AWS that enforces IAM (make test runs them so too)
	@$(TEST_ENV) LOCAL_AWS_AUTH=1 TF="$(TF)" TOFU="$(TOFU)" TOOLCHAIN=$(TOOLCHAIN_CHOICE) \
	  $(DEV_VENV)/bin/pytest --numprocesses 3 $(XDIST) tests/e2e

# The browser test (devkit/tests/local_aws/test_review_page_browser.py) with SCREENSHOT_DIR set: it saves the page
# it reviews, before deciding; other runs of the test write no file.
screenshot: setup ## Retake docs/review-page.png: the review page in headless Chromium, served by local AWS
	@$(TEST_ENV) SCREENSHOT_DIR="$(CURDIR)/docs" $(DEV_VENV)/bin/pytest -q -p no:cacheprovider devkit/tests/local_aws/test_review_page_browser.py
	@echo "  saved    docs/review-page.png"

test-compat-needed: setup ## Prove every local AWS compatibility patch is needed (its tests fail without it)
	@$(DEV_VENV)/bin/python devkit/tests/local_aws/prove_each_patch_needed.py

# boring-registry's `upload module` writes into the registry's bucket (it has no upload endpoint), so
# publishing needs the bucket's settings as its server has them (BORING_REGISTRY_STORAGE_S3_BUCKET and
# _REGION, _ENDPOINT, _PATHSTYLE, _PREFIX) and AWS credentials that may write to it.
# PACKAGE=<file> publishes another package file as VERSION.
publish: $(DEV_VENV)/.complete $(BORING_REGISTRY) ## Publish dist/durable-bedrock-VERSION.tar.gz to a boring-registry private registry: VERSION=x.y.z REGISTRY_NAMESPACE=<namespace> BORING_REGISTRY_STORAGE_S3_BUCKET=<its bucket>
	@[[ -n "$(VERSION)" && -n "$(REGISTRY_NAMESPACE)" ]] || { echo "make publish needs VERSION=x.y.z and REGISTRY_NAMESPACE=<namespace> (the module is <registry host>/<namespace>/durable-bedrock/aws)" >&2; exit 2; }
	@$(DEV_VENV)/bin/python devkit/registry/publish.py --package "$(or $(PACKAGE),dist/durable-bedrock-$(VERSION).tar.gz)" \
	  --version "$(VERSION)" --namespace "$(REGISTRY_NAMESPACE)" --boring-registry "$(BORING_REGISTRY)"

$(BORING_REGISTRY):
	@devkit/toolchain/build-go-tools.sh "$(CACHE)" boring-registry

demo: ## Apply examples/content-pipeline on local AWS and watch a durable run finish
	@$(MAKE) apply EXAMPLE=content-pipeline TARGET=local
	@$(MAKE) invoke EXAMPLE=content-pipeline TARGET=local
	@echo
	@echo "Local AWS is still running (state in $(LOCAL_AWS_STATE)). Next: make invoke | make history |"
	@echo "make destroy (remove the function) | make down (stop local AWS)."

preflight: $(DEV_VENV)/.complete known-example ## Is the account ready for EXAMPLE? Read-only checks, one line each (TARGET=aws; local: local AWS)
	@[[ $(TARGET) != local ]] || $(MAKE) up
	@$(CLI) preflight --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT) $(PREFLIGHT_ARGS)

# With TARGET=aws, apply runs preflight first and stops on anything to fix.
# PREFLIGHT=skip applies anyway: IAM simulation cannot see every condition
# (SCPs, permissions boundaries of other accounts), so a check can be wrong.
apply: setup known-example ## Deploy an example: EXAMPLE=content-pipeline|video-generation|sqs-trigger|custom-workflow (or EXAMPLE_DIR=<your root module>), TARGET=local (default) or aws
	@[[ $(TARGET) != local ]] || $(MAKE) up
	@[[ $(TARGET) != aws || "$(PREFLIGHT)" == skip ]] || $(MAKE) preflight || { \
	  echo "make apply: stopped before creating anything: fix the FIX lines above and rerun (PREFLIGHT=skip applies anyway)" >&2; exit 1; }
	@$(MAKE) example-ready
	@$(TF) -chdir=$(EXAMPLE_DIR) apply -input=false $(APPROVE)

invoke: example-ready ## Run the applied example once and follow it (PAYLOAD='{"topic": "..."}' to choose the input)
	@$(CLI) invoke --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT) $(INVOKE_ARGS)

history: example-ready ## Print the timeline of the newest execution of the example's published version (EXECUTION=<name> for another)
	@$(CLI) history --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT) --execution "$(EXECUTION)"

# Both send the decision, then follow the execution to its end (REVIEW_ARGS=--no-follow returns at once).
approve: example-ready ## Approve an execution's pending review: EXECUTION=<name>|last, FEEDBACK='notes for the writer' (optional)
	@$(CLI) approve --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT) --execution "$(EXECUTION)" $(REVIEW_ARGS)

reject: example-ready ## Reject an execution's pending review: EXECUTION=<name>|last, REASON='why' (required)
	@$(CLI) reject --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT) --execution "$(EXECUTION)" $(REVIEW_ARGS)

stop-executions: example-ready ## Stop the unfinished durable executions of every version of the example's function
	@$(CLI) stop-executions --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT)

# Stops the executions first (asking first with TARGET=aws); nothing to stop when
# the example has no outputs (never applied, or already destroyed).
destroy: example-ready ## Stop the example's executions, then remove it (same EXAMPLE and TARGET as apply)
	@$(CLI) stop-executions --example-dir $(EXAMPLE_DIR) $(INVOKE_ENDPOINT) $(if $(APPROVE),,--confirm)
	@$(TF) -chdir=$(EXAMPLE_DIR) destroy -input=false $(APPROVE)

known-example:
	@[[ -d "$(EXAMPLE_DIR)" ]] || { echo "no folder $(EXAMPLE_DIR): choose EXAMPLE=<one of: $(EXAMPLES)>, or EXAMPLE_DIR=<the folder of a root module that uses this module>" >&2; exit 2; }

# Points the example at local AWS (a generated *_override.tf, not in git) or at
# AWS (no override), and selects the matching Terraform workspace.
example-ready: known-example
	@if [[ $(TARGET) == local ]]; then \
	  sed 's/@PORT@/$(LOCAL_AWS_PORT)/g' devkit/local_aws/provider_override.tf.in > $(EXAMPLE_DIR)/local_aws_override.tf; \
	else rm -f $(EXAMPLE_DIR)/local_aws_override.tf; fi
	@$(TF_INIT) -chdir=$(EXAMPLE_DIR) init -input=false -no-color >/dev/null
	@$(TF) -chdir=$(EXAMPLE_DIR) workspace select -or-create $(WORKSPACE) >/dev/null

bench: setup ## Benchmarks: writes devkit/bench/results/*.json and regenerates devkit/bench/REPORT.md (minutes; prints progress)
	@$(TEST_ENV) TF="$(TF)" $(DEV_VENV)/bin/python devkit/bench/run.py $(if $(ONLY),--only $(ONLY))

# Checks, changelog, package and tag in devkit/release/release.py (the package alone: package.py).
release: ## Cut a version: VERSION=x.y.z (clean tree, above the last v* tag); dates the CHANGELOG, commits, builds dist/durable-bedrock-x.y.z.tar.gz, tags vx.y.z locally
	@$(PYTHON) devkit/release/release.py "$(VERSION)"

clean: down ## Stop local AWS and remove its state, the examples' local workspaces and caches in the work tree
	@rm -rf .local-aws .pytest_cache .ruff_cache .terraform
	@rm -rf examples/*/local_aws_override.tf examples/*/terraform.tfstate.d/{local,e2e,bench}
