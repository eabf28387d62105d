# Redazione — developer and CI entry points.
#   make run            start the server (go run)
#   make build          build bin/redazione
#   make static         build bin/redazione without cgo (what the image ships)
#   make check-deploy   static build, systemd unit, compose file (as CI does)
#   make test           go vet, staticcheck, go tests, browser (e2e) tests
#   make bench          load benchmark (BENCH_ARGS passed through)
#   make bench-smoke    short benchmark run (-smoke; PostgreSQL too with REDAZIONE_TEST_DATABASE_URL)
#   make vendor-assets  refresh web/static/vendor/ from npm packages

GO ?= go
NPM ?= npm
BENCH_ARGS ?=

.PHONY: all run build static check-deploy test bench bench-smoke vendor-assets clean

all: build

run:
	$(GO) run ./cmd/redazione

build:
	$(GO) build -o bin/redazione ./cmd/redazione

static:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/redazione ./cmd/redazione

check-deploy:
	bash scripts/check-deploy.sh

# Re-install node_modules when it is missing or older than package-lock.json.
# npm ci rewrites node_modules/.package-lock.json; touch it so make sees it as fresh.
node_modules: node_modules/.package-lock.json

# better-sqlite3 (under @atproto/dev-env, the reference Bluesky PDS the tests
# run) compiles against Node's headers: Debian's when they are installed.
node_modules/.package-lock.json: package-lock.json package.json
	if [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi; $(NPM) ci
	@touch $@

vendor-assets:
	$(NPM) ci
	bash scripts/vendor-assets.sh

# Every step runs even when an earlier one fails (a failing Go package must
# not hide the browser tests); the summary says which failed, and the target
# fails if any did.
GO_TEST_TIMEOUT ?= 15m

# The S3-compatible server the object-storage tests run against (Versity S3
# Gateway, Apache-2.0): built once into .tools/bin from the Go module proxy
# (a few minutes the first time), found by internal/s3test.
VERSITYGW_VERSION ?= v1.8.0
TOOLS := $(CURDIR)/.tools/bin
export REDAZIONE_TEST_VERSITYGW := $(TOOLS)/versitygw

$(TOOLS)/versitygw:
	GOBIN=$(TOOLS) $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

test: node_modules $(TOOLS)/versitygw
	@fail=""; \
	echo "$(GO) vet ./..."; $(GO) vet ./... || fail="$$fail vet"; \
	echo "$(GO) tool staticcheck ./..."; $(GO) tool staticcheck ./... || fail="$$fail staticcheck"; \
	echo "$(GO) test -count=1 -p 2 -timeout $(GO_TEST_TIMEOUT) ./..."; \
	$(GO) test -count=1 -p 2 -timeout $(GO_TEST_TIMEOUT) ./... || fail="$$fail go-test"; \
	if [ -d e2e ]; then \
		echo "$(NPM) run test:e2e"; $(NPM) run test:e2e || fail="$$fail e2e"; \
	else \
		echo "make: no e2e/ directory, skipping browser tests"; \
	fi; \
	if [ -n "$$fail" ]; then echo "make test: FAILED:$$fail"; exit 1; fi; \
	echo "make test: vet, staticcheck, Go tests and browser tests passed"

bench:
	$(GO) run ./cmd/redazione-bench $(BENCH_ARGS)

# With REDAZIONE_TEST_DATABASE_URL (as in CI) the smoke run covers PostgreSQL too.
bench-smoke:
	$(MAKE) --no-print-directory bench BENCH_ARGS="-smoke$(if $(REDAZIONE_TEST_DATABASE_URL), -database '$(REDAZIONE_TEST_DATABASE_URL)')"

clean:
	rm -rf bin e2e/artifacts .tools
