# Nauta build and test entry points. `make help` lists them.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

GO       ?= go
BIN      := bin/nauta
DATA_DIR ?= /var/lib/nauta

# The Kubernetes release whose API Nauta serves (k8s.io/* v0.37.2). The
# embedded kubectl reports it as its client version.
K8S_VERSION := v1.37.2
K8S_MAJOR   := 1
K8S_MINOR   := 37

NAUTA_VERSION ?= v0.1.0-dev
GIT_COMMIT    := $(shell git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
GIT_TREE      := $(shell if git rev-parse --verify -q HEAD >/dev/null 2>&1 && git diff --quiet HEAD -- 2>/dev/null; then echo clean; else echo dirty; fi)
# The commit's date keeps rebuilds of one commit identical.
BUILD_DATE    := $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || TZ=UTC date +%Y-%m-%dT%H:%M:%SZ)

VERSION_PKG := github.com/nauta/nauta/internal/version
K8S_VERSION_PKG := k8s.io/component-base/version
LDFLAGS := \
	-X $(K8S_VERSION_PKG).gitVersion=$(K8S_VERSION) \
	-X $(K8S_VERSION_PKG).gitMajor=$(K8S_MAJOR) \
	-X $(K8S_VERSION_PKG).gitMinor=$(K8S_MINOR) \
	-X $(K8S_VERSION_PKG).gitCommit=$(GIT_COMMIT) \
	-X $(K8S_VERSION_PKG).gitTreeState=$(GIT_TREE) \
	-X $(K8S_VERSION_PKG).buildDate=$(BUILD_DATE) \
	-X $(VERSION_PKG).nautaVersion=$(NAUTA_VERSION) \
	-X $(VERSION_PKG).gitCommit=$(GIT_COMMIT) \
	-X $(VERSION_PKG).buildDate=$(BUILD_DATE)

# Two cores: two test binaries at a time. Each package gets 20 minutes.
TEST_FLAGS  ?= -p 2 -timeout 20m
BENCH_FLAGS ?= -run '^$$' -bench . -benchmem -timeout 60m

# Static binaries, as upstream builds kubectl and the kubelet. With cgo the
# linker sees kustomize's import of "plugin" and exports every Go symbol
# (22 MB of dynamic symbol tables) and keeps more methods; the pure-Go
# resolver and os/user cover what cgo gave us.
export CGO_ENABLED := 0

# End-to-end tests find the binary through NAUTA_BIN.
export NAUTA_BIN := $(CURDIR)/$(BIN)

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: deps
deps: ## install the missing Debian packages (etcd-server, containerd, runc, CNI plugins, ...)
	scripts/install-deps.sh

# Profile-guided optimization: go build takes cmd/nauta/default.pgo, a CPU
# profile of the server under `nauta bench scheduling --nodes 5000`
# (`make pgo-profile` takes a new one). ~10% more pods bound per second;
# the first build takes a few minutes longer. docs/benchmarks.md has why.
PGO ?= auto

.PHONY: build
build: ## build bin/nauta
	$(GO) build -trimpath -pgo=$(PGO) -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/nauta

.PHONY: pgo-profile
pgo-profile: build ## replace cmd/nauta/default.pgo with a profile of the 5,000-node scheduling benchmark
	$(BIN) bench scheduling --nodes 5000 --cpu-profile cmd/nauta/default.pgo --cpu-profile-duration 12s

.PHONY: run
run: deps build ## run the control plane in the foreground with DATA_DIR=/var/lib/nauta
	@echo "Starting Nauta with data in $(DATA_DIR). In another shell:"
	@echo "    $(CURDIR)/$(BIN) kubectl get namespaces"
	@echo "    $(CURDIR)/$(BIN) kubectl get nodes     (no nodes until the agent lands)"
	@echo "or with any kubectl: KUBECONFIG=$(DATA_DIR)/kubeconfig.yaml kubectl get namespaces"
	$(BIN) server --data-dir $(DATA_DIR)

.PHONY: vet
vet: ## go vet every package
	$(GO) vet ./...

.PHONY: fmt-check
fmt-check: ## fail when a Go file is not gofmt-formatted
	@out=$$(gofmt -l cmd internal 2>/dev/null); if [[ -n "$$out" ]]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

.PHONY: test
# Informers in the server's process share the API server's objects: the
# mutation detector fails any test in which a component changes one. Merge
# patches convert fields to generic values without JSON: the conversion
# detector fails any test in which that differs from a JSON round trip.
test: deps build vet ## install deps, build, vet, and run every test (CI=true turns missing prerequisites into failures)
	KUBE_CACHE_MUTATION_DETECTOR=true KUBE_PATCH_CONVERSION_DETECTOR=true $(GO) test $(TEST_FLAGS) ./...

.PHONY: bench
bench: build ## run the benchmarks (see docs/benchmarks.md)
	$(GO) test $(BENCH_FLAGS) ./...

.PHONY: clean
clean: ## remove build output
	rm -rf bin
