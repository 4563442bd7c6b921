# Switchboard. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
REDOCLY_VERSION := 2.77.0
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true

.PHONY: all generate check-generated build run test test-go lint docs fuzz bench load bench-compare clean

all: build

## generate: regenerate every gen/<api> package from openapi/<api>.yaml
generate:
	$(GO) generate ./gen/...

## check-generated: fail when regenerating would change gen/ (run by `make test`)
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cp -r gen "$$tmp/gen" && \
	$(GO) generate ./gen/... && \
	if ! diff -r "$$tmp/gen" gen >/dev/null; then \
		diff -ru "$$tmp/gen" gen | head -40; \
		echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1; \
	fi

## build: build the switchboard binary into bin/ (the first build compiles every dependency,
## SQLite included, and takes a minute or two: -v lists each package as it is compiled)
build:
	@test -x bin/switchboard || echo "building bin/switchboard; the first build compiles every dependency (SQLite included) and takes a minute or two:"
	$(GO) build -v -o bin/switchboard ./cmd/switchboard

## run: build, migrate, and start the server with a demo tenant (SQLite under ./data) on the
## virtual clock, so the operator API can advance time and fire timers; webhooks may reach
## loopback only (the README's local receiver), `serve` alone allows no private address
run: build
	./bin/switchboard serve --demo --clock=virtual --outbound-allow 127.0.0.1/32,::1/128 $(ARGS)

## test: everything CI runs: generated code up to date, gofmt, vet, all Go tests (SQLite, PostgreSQL
## when reachable, Chromium when installed), spec lint
test: check-generated test-go lint

test-go:
	@unformatted=$$(gofmt -l cmd conformance openapi server store gen tools.go); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-ed (run gofmt -w):" $$unformatted >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## lint: lint the specs with @redocly/cli (needs Node; rules in openapi/.redocly.yaml)
lint:
	npx --yes @redocly/cli@$(REDOCLY_VERSION) lint --config openapi/.redocly.yaml openapi/*.yaml

## docs: write the docs site as static files into site/
docs:
	$(GO) run ./cmd/switchboard docs site

## fuzz: run the fuzz targets for a minute each: the bracket form decoder, the edge's JSON check
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParseURLEncoded -fuzztime=60s ./server/bracketform/
	$(GO) test -run='^$$' -fuzz=FuzzCheckJSON -fuzztime=60s -fuzzminimizetime=5s ./server/httpkit/

## bench: run the Go benchmarks
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

## load: start a server on loopback (fresh SQLite, wall clock) and measure the poll path (304)
## beside a bare chi handler, then ask, add-message and respond, with CLIENTS concurrent clients;
## then the edge check: 50 slow bodies and 500 silent connections held 15 s, with the server's
## connections, goroutines and RSS before, while held and after
CLIENTS ?= 64
DURATION ?= 10s
load: build
	@dir=$$(mktemp -d); token=$$(head -c 32 /dev/urandom | base64); \
	./bin/switchboard serve --addr 127.0.0.1:18080 --database-url "$$dir/load.db" --admin-token "$$token" \
		--log-level error >"$$dir/serve.log" 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null; rm -rf "$$dir"' EXIT; \
	for i in $$(seq 100); do curl -fs http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.1; done; \
	./bin/switchboard load --base-url http://127.0.0.1:18080 --admin-token "$$token" --clients $(CLIENTS) --duration $(DURATION)

## bench-compare: issue 10's ratio table for the server binary BIN (default bin/switchboard, built
## here; give another build, e.g. one of an older commit, to compare): poll, ask and add message
## beside their ceilings (bare chi 304, raw INSERTs) measured in the same rounds, costs at 1k…1M
## stored rows (seeded in SQL), unbounded lists' memory, cold start. Each run starts BIN on a
## fresh database: DB=sqlite, postgres (creates and drops one at 127.0.0.1:5432) or both.
## CLIENTS connections, DURATION (default 5s) per throughput measure, ROUNDS rounds (medians);
## QUICK=1 stops at 100k rows. The table goes to stdout and to OUT (default bench-compare.md).
## Seeding 1M rows takes minutes (8 and 12 min for SQLite and PostgreSQL at load average 15-20 on
## 2 cores); against main's binary one round is ~10 min per database on that loaded machine, so
## plan on 20-40 min for DB=both (estimate for a quiet machine), a few with QUICK=1. CI does not run it.
BIN ?= bin/switchboard
DB ?= both
ROUNDS ?= 3
OUT ?= bench-compare.md
bench-compare: build
	./bin/switchboard bench-compare --bin $(BIN) --db $(DB) --clients $(CLIENTS) --rounds $(ROUNDS) \
		--duration $(if $(filter file,$(origin DURATION)),5s,$(DURATION)) --scale $(if $(QUICK),quick,full) --out $(OUT)

clean:
	rm -rf bin site
