# Sesame's tasks. `make test` is the one command a newcomer runs: it installs what
# the tests need (see scripts/deps.sh), then runs every test of every module with the
# race detector and a required real Redis.

GO          ?= go
MODULES     := . bench e2e
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 30s
BENCHCOUNT  ?= 5

.PHONY: all deps test lint ci bench fuzz screenshots

all: test

deps:
	@scripts/deps.sh

test: deps
	@set -e; for m in $(MODULES); do \
		echo "== go test -race $$m/..."; \
		(cd $$m && SESAME_REQUIRE_REDIS=1 $(GO) test -race -count=1 -timeout 20m ./...); \
	done

lint:
	@out="$$(gofmt -l $(MODULES))"; if [ -n "$$out" ]; then echo "gofmt -l:"; echo "$$out"; exit 1; fi
	@set -e; for m in $(MODULES); do \
		echo "== vet + staticcheck $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) run $(STATICCHECK) ./...); \
	done

ci: test lint

# Every fuzz target of the root module, FUZZTIME each (go test -fuzz takes one
# target per run).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== fuzz $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Benchmarks against peer libraries, in one run, summarised by benchstat.
bench: deps
	@cd bench && $(GO) test -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) -timeout 60m ./... | tee /tmp/sesame-bench.txt
	@cd bench && $(GO) run $(BENCHSTAT) -col /impl /tmp/sesame-bench.txt

# PNGs of the demo's main pages, taken by the e2e browser test, for the README.
screenshots: deps
	@cd e2e && SESAME_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestDemoBrowser$$' ./...
