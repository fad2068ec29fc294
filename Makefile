# Roundtable. `make run` serves the demo; `make test` runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
GO ?= go
DATA ?= ./data
ADDR ?= localhost:8080
SHARED ?= ../shared/data
AUTHORITIES ?= $(SHARED)/uk_local_authorities.csv
# The PostgreSQL tests use this database, one new schema per test. Set it empty to skip them
# (outside CI: in CI a skip is a failure).
ROUNDTABLE_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
export ROUNDTABLE_TEST_POSTGRES

STATIC := internal/platform/web/static
GOVUK := web/node_modules/govuk-frontend/dist/govuk
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: run build assets test vet bench clean fuzz load audit

run: build
	./bin/roundtable demo --data $(DATA) --authorities $(AUTHORITIES)
	./bin/roundtable serve --demo --data $(DATA) --addr $(ADDR)

build: assets
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/roundtable ./cmd/roundtable

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: web/node_modules/.package-lock.json $(STATIC)/app.css $(STATIC)/app.js $(STATIC)/govuk-frontend.min.js $(STATIC)/favicon.svg

$(STATIC)/app.css: web/src/app.scss web/node_modules/.package-lock.json
	cd web && npx --no-install sass --pkg-importer=node --style=compressed --no-source-map src/app.scss ../$@

$(STATIC)/app.js: web/src/app.js
	cp $< $@

$(STATIC)/favicon.svg: web/src/favicon.svg
	cp $< $@

$(STATIC)/govuk-frontend.min.js: web/node_modules/.package-lock.json
	sed 's#//\# sourceMappingURL=.*$$##' $(GOVUK)/govuk-frontend.min.js > $@

vet: assets
	$(GO) vet ./...

# The report prints the output of failed tests and counts what ran, with the PostgreSQL and
# browser tests apart; in CI it fails if any of those skipped. The site-wide browser crawl
# takes longer than go test's default 10 minutes on 2 cores. Then each fuzz test runs briefly.
test: assets vet
	$(GO) test -race -count=1 -timeout 45m -json ./... | $(GO) run ./tools/testreport
	$(MAKE) --no-print-directory fuzz FUZZTIME=2s

# Each fuzz test for a few seconds of new inputs (their seed corpus already runs in make test).
# go test runs one fuzz target per invocation, each built afresh with coverage: about 5 minutes
# on 2 cores for 5 s each; make test runs them for 2 s each.
FUZZTIME ?= 5s
FUZZ_TARGETS := \
	FuzzImportAuthorities:./internal/directory \
	FuzzImportRoughSleeping:./internal/insight \
	FuzzNewForm:./internal/platform/web \
	FuzzSafeNext:./internal/platform/web \
	FuzzParsePounds:./internal/funding \
	FuzzParseHours:./internal/funding \
	FuzzParseDateTime:./internal/funding \
	FuzzParsePounds:./internal/panels \
	FuzzParseLondon:./internal/panels
fuzz: assets
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t%%:*} in $${t#*:} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) "$${t#*:}" || exit 1; \
	done

# Load, overload and hostile requests against a demo server, with Debian's hey
# (apt-get install -y hey): 500 clients for 60 s, then overload, recovery and limits.
# SERVERS=3: the same load against one server on PostgreSQL, then through Debian's nginx to
# three servers on the same database (LOAD_POSTGRES names the PostgreSQL server to use).
SERVERS ?= 1
LOAD_POSTGRES ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
load: build
	$(GO) run ./tools/load --bin bin/roundtable --authorities $(AUTHORITIES) --servers $(SERVERS) --postgres '$(LOAD_POSTGRES)' $(LOAD_FLAGS)

# sqlmap and wapiti (apt-get install -y sqlmap wapiti) against a demo server; fails on any finding.
audit: build
	tools/audit/audit.sh bin/roundtable $(AUTHORITIES)

# The national-scale dataset (issue 8), generated once into $(BENCH_DATA) and then reused: the
# main pages under hey, one page at a time, each beside nginx serving the same bytes as static
# files (issue 15; needs nginx at /usr/sbin/nginx), on SQLite and on PostgreSQL (BENCH_POSTGRES names a
# database of its own, dropped and made again when the cache is stale; set it empty to skip),
# then every Go benchmark on one core, the national ones reading the same dataset.
BENCH_DATA ?= ./bench-data
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432/roundtable_bench?sslmode=disable
bench: build
	$(GO) run ./tools/bench --bin bin/roundtable --authorities $(AUTHORITIES) --data $(BENCH_DATA)/sqlite
	$(if $(BENCH_POSTGRES),$(GO) run ./tools/bench --bin bin/roundtable --authorities $(AUTHORITIES) --data $(BENCH_DATA)/postgres --database-url '$(BENCH_POSTGRES)')
	ROUNDTABLE_BENCH_DATA=$(abspath $(BENCH_DATA))/sqlite ROUNDTABLE_BENCH_DATABASE_URL='$(BENCH_POSTGRES)' \
		$(GO) test -run '^$$' -bench . -benchmem -cpu 1 ./...

clean:
	rm -rf bin $(STATIC)/app.css $(STATIC)/app.js $(STATIC)/govuk-frontend.min.js $(STATIC)/favicon.svg
