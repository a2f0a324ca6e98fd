# corti-auth — build, demo, test. See README.md.
SHELL := /bin/bash
GO ?= go
GOROOT := $(shell $(GO) env GOROOT)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
WASMFLAGS := -trimpath -ldflags='-s -w -X main.version=$(VERSION)'
WASM_EXEC_TEST := $(GOROOT)/lib/wasm/go_js_wasm_exec
FUZZTIME ?= 30s
export TMPDIR ?= /tmp

.PHONY: all build demo test vet test-native test-wasm test-e2e soak-e2e screenshots size bench fuzz clean
all: build

wasm_exec.js: $(GOROOT)/lib/wasm/wasm_exec.js
	cp $< $@

dist/corti-auth.wasm: $(shell find . -name '*.go' -not -path './node_modules/*') go.mod go.sum
	@mkdir -p dist
	GOOS=js GOARCH=wasm $(GO) build $(WASMFLAGS) -o $@ .

dist/wasm_exec.js: wasm_exec.js
	@mkdir -p dist
	cp $< $@

# The ES module carries wasm_exec.js inside: one request fewer on the way to the wasm (a round trip on a real
# network). The classic-script entry keeps it apart (<script src="wasm_exec.js"> first), as documented.
dist/corti-auth.js: wasm_exec.js web/loader/core.js web/loader/esm.js
	@mkdir -p dist
	cat wasm_exec.js web/loader/core.js web/loader/esm.js > $@

dist/corti-auth.global.js: web/loader/core.js web/loader/global-head.js web/loader/global-tail.js
	@mkdir -p dist
	cat web/loader/global-head.js web/loader/core.js web/loader/global-tail.js > $@

# The callback page of loginWithPopup and restore()'s silent step (no wasm).
dist/callback.html: web/loader/callback.html
	@mkdir -p dist
	cp $< $@

dist/callback.js: web/loader/callback.js
	@mkdir -p dist
	cp $< $@

# The <corti-assistant> element (an ES module importing ./corti-auth.js beside it).
dist/corti-assistant.js: web/loader/corti-assistant.js
	@mkdir -p dist
	cp $< $@

dist/corti-assistant.d.ts: web/types/corti-assistant.d.ts
	@mkdir -p dist
	cp $< $@

dist/corti-auth.d.ts: web/types/corti-auth.d.ts
	@mkdir -p dist
	cp $< $@

build: dist/corti-auth.wasm dist/wasm_exec.js dist/corti-auth.js dist/corti-auth.global.js dist/corti-auth.d.ts dist/callback.html dist/callback.js dist/corti-assistant.js dist/corti-assistant.d.ts

# npm ci from the committed lock (it lists every platform's optional packages).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

demo: build node_modules/.package-lock.json
	node web/dev/demo.mjs

# staticcheck at a pinned version, from the module proxy: not a dependency of the module (nothing in go.mod/go.sum).
# It runs natively and for js/wasm (bridge/ and the browser half of storage/ only build there). `go run` would build
# it for GOOS=js too, so it is installed once into TMPDIR for the host and run twice.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
STATICCHECK_BIN := $(TMPDIR)/corti-auth-tools/staticcheck-v0.8.2/staticcheck
$(STATICCHECK_BIN):
	GOOS= GOARCH= GOBIN=$(dir $@) $(GO) install $(STATICCHECK)

vet: wasm_exec.js $(STATICCHECK_BIN)
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...
	$(STATICCHECK_BIN) ./...
	GOOS=js GOARCH=wasm $(STATICCHECK_BIN) ./...

test-native: wasm_exec.js
	$(GO) test -race -count=1 ./...

# The packages with JS halves, under Node (go_js_wasm_exec).
# --expose-gc: bridge's TestDroppedObjectsAreForgotten runs the JS garbage collector (it skips without).
test-wasm:
	NODE_OPTIONS=--expose-gc GOOS=js GOARCH=wasm $(GO) test -count=1 -exec="$(WASM_EXEC_TEST)" ./storage/ ./bridge/

# The browser tests: each file in each engine of ENGINES is a job (a node --test process with its own environment
# and browser); E2E_JOBS of them run at once (web/e2e/run.mjs, web/e2e/README.md). `make test-e2e ENGINES=chromium`
# for a quick run in one engine. A job exits when its last test is done, whatever a driver left open (a WebKit
# command that never answers fails its test after commandLimit in web/e2e/engines.mjs instead of hanging the run).
ENGINES ?= chromium firefox webkit
E2E_JOBS ?= 3
test-e2e: build node_modules/.package-lock.json
	ENGINES="$(ENGINES)" E2E_JOBS=$(E2E_JOBS) node web/e2e/run.mjs

# Every e2e file SOAK_RUNS times in every engine, with SOAK_BURN CPU-burning processes beside the run: what a loaded
# CI machine does to timing-sensitive tests, on purpose (not part of make test). Its table counts failures per job.
SOAK_RUNS ?= 5
SOAK_BURN ?= 2
soak-e2e: build node_modules/.package-lock.json
	ENGINES="$(ENGINES)" E2E_JOBS=$(E2E_JOBS) E2E_REPEAT=$(SOAK_RUNS) E2E_BURN=$(SOAK_BURN) node web/e2e/run.mjs $(SOAK_FILES)

# The phases one after another, each timed; the times are printed at the end, also when a phase failed.
TEST_PHASES := vet test-native test-wasm test-e2e
test:
	@set -e; times=$$(mktemp); trap 'echo "== phase times (make test)"; cat "$$times"; rm -f "$$times"' EXIT; \
	for p in $(TEST_PHASES); do \
		s=$$(date +%s); \
		if ! $(MAKE) --no-print-directory $$p; then echo "$$p: FAILED after $$(( $$(date +%s) - s )) s" >> "$$times"; exit 1; fi; \
		echo "$$p: $$(( $$(date +%s) - s )) s" >> "$$times"; \
	done

# Retakes docs/screenshots/demo-*.png (the demo test, writing into docs/).
screenshots: build node_modules/.package-lock.json
	CORTI_UPDATE_SCREENSHOTS=1 node --test web/e2e/demo.test.mjs

# Sizes of the shipped wasm, and where its bytes go by Go package (a build with the name section, same flags less -s).
size: dist/corti-auth.wasm
	node web/bench/size.mjs dist/corti-auth.wasm
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o $(TMPDIR)/corti-auth.names.wasm . && node web/bench/wasmsize.mjs $(TMPDIR)/corti-auth.names.wasm

bench: build node_modules/.package-lock.json
	set -o pipefail; $(GO) test -run='^$$' -bench=. -benchmem ./pkce ./token ./session ./assistant | tee $(TMPDIR)/corti-auth-go-bench.txt
	BENCH_GO=$(TMPDIR)/corti-auth-go-bench.txt node web/bench/bench.mjs

# Each target runs in its package's test binary, built with the fuzzer's coverage instrumentation (-d=libfuzzer) on
# this module's packages and golang-jwt only. `go test -fuzz` instruments every package the binary links (crypto,
# encoding/json, and net/http through the tests' oauth2 oracle); the fuzzer resets, copies and compares every counter
# on every execution, and counts every branch taken inside encoding/json: on 2 cores that held FuzzParseTokenResponse
# to ~10k executions a second, against ~45k here. Coverage then guides by this module's own branches (and the JWT
# library's); the standard decoders still run on every input, unguided. New inputs are minimised for at most
# FUZZMINIMIZETIME (the fuzzer pauses while it minimises). A failing input is written to the package's testdata/fuzz,
# as `go test -fuzz` does, and `go test ./pkg` replays it from then on.
FUZZMINIMIZETIME ?= 10s
FUZZ_TARGETS := pkce:FuzzParseCallback pkce:FuzzParseTokenResponse token:FuzzDecodeUnverified token:FuzzVerifyIDToken \
	token:FuzzParseIssuer assistant:FuzzParseMessage auth:FuzzBearerAnswer session:FuzzDecodeTabMessage
FUZZ_INSTRUMENT := github.com/corti-auth/corti-auth/... github.com/golang-jwt/jwt/v5
fuzz:
	@set -e; bin=$$(mktemp -d $(TMPDIR)/cf-XXXX); trap 'rm -rf "$$bin"' EXIT; cache=$$($(GO) env GOCACHE)/fuzz; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; echo "== $$name ($$pkg, $(FUZZTIME))"; \
		[ -x "$$bin/$$pkg.test" ] || $(GO) test -c -o "$$bin/$$pkg.test" $(foreach p,$(FUZZ_INSTRUMENT),-gcflags='$(p)=-d=libfuzzer') ./$$pkg; \
		(cd $$pkg && "$$bin/$$pkg.test" -test.run='^$$' -test.fuzz="^$$name$$" -test.fuzztime=$(FUZZTIME) \
			-test.fuzzminimizetime=$(FUZZMINIMIZETIME) -test.fuzzcachedir="$$cache/github.com/corti-auth/corti-auth/$$pkg"); \
	done

clean:
	rm -rf dist
