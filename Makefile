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

.PHONY: run build assets test vet bench clean

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
# browser tests apart; in CI it fails if any of those skipped.
test: assets vet
	$(GO) test -race -count=1 -json ./... | $(GO) run ./tools/testreport

bench: assets
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin $(STATIC)/app.css $(STATIC)/app.js $(STATIC)/govuk-frontend.min.js $(STATIC)/favicon.svg
