# IMC Sandbox — the two commands of the README, and the steps they are made of.
#   make demo   set up what the interface needs, build, serve it on http://127.0.0.1:8080
#   make test   set up everything and run every test (ctest, browser, and the ASan+UBSan suite)
# Everything else here is a step of those two, usable on its own.
SHELL := /bin/bash
.DEFAULT_GOAL := help
JOBS ?= $(shell nproc)
PORT ?= 8080
CTEST_ARGS ?=
export NODE_PATH := /usr/share/nodejs

NATIVE_RELEASE := build/native-release
NATIVE_ASAN := build/native-asan
WASM := build/wasm-release

.PHONY: help demo test setup setup-demo build native web asan test-native test-e2e test-asan fuzz clean

help:
	@echo "make demo    set up, build and serve the interface on http://127.0.0.1:$(PORT) (demo case pack)"
	@echo "make test    set up everything and run every test"
	@echo "steps: setup setup-demo native web asan test-native test-e2e test-asan fuzz clean"

# --- setup -------------------------------------------------------------------------------
setup:
	scripts/setup all

setup-demo:
	scripts/setup base sources wasmsdl demo

# --- builds ------------------------------------------------------------------------------
$(NATIVE_RELEASE)/build.ninja:
	cmake --preset native-release
$(NATIVE_ASAN)/build.ninja:
	cmake --preset native-asan
$(WASM)/build.ninja:
	cmake --preset wasm-release

native: $(NATIVE_RELEASE)/build.ninja
	cmake --build --preset native-release -j $(JOBS)

web: $(WASM)/build.ninja
	cmake --build --preset wasm-release -j $(JOBS)

asan: $(NATIVE_ASAN)/build.ninja
	cmake --build --preset native-asan -j $(JOBS)

build: native web

# --- the main job ------------------------------------------------------------------------
# Live sessions and the jury: `make demo CONFIG=FILE STORE=FILE`. CONFIG defaults to
# assets/endpoints/llama-server.json (a llama-server on 127.0.0.1:8081, README "Live sessions");
# STORE (SQLite, created if missing) keeps the transcripts, verdicts and annotations.
STORE ?= build/demo-store.db
CONFIG ?= $(wildcard assets/endpoints/llama-server.json)
DEMO_API_ARGS = --store $(STORE) $(if $(CONFIG),--config $(CONFIG))

demo: setup-demo web $(NATIVE_RELEASE)/build.ninja
	cmake --build --preset native-release -j $(JOBS) --target imc imc-studio
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  echo "Opening imc-studio (native) as well"; \
	  $(NATIVE_RELEASE)/imc-studio --pack assets/demo $(DEMO_API_ARGS) & \
	fi
	$(NATIVE_RELEASE)/imc serve --web $(WASM)/web --pack assets/demo --port $(PORT) $(DEMO_API_ARGS)

# --- tests -------------------------------------------------------------------------------
test: setup build asan
	$(MAKE) test-native test-e2e test-asan fuzz-smoke

test-native:
	ctest --preset native-release -j $(JOBS) $(CTEST_ARGS)

test-e2e:
	node --test --test-concurrency=1 tests/e2e/

test-asan:
	ctest --preset native-asan -j $(JOBS) $(CTEST_ARGS)

# --- fuzzing (libFuzzer, Debian's clang) -------------------------------------------------
# Each target of tests/fuzz/ runs over a scratch copy of its seed corpus (libFuzzer writes new
# inputs into its corpus folder: tests/fuzz/corpus/ is never touched). A crash or a violated
# invariant fails the make target and leaves the input in $(FUZZ_SCRATCH)/<target>/.
#   make fuzz         FUZZ_RUNS (1,000,000) executions of each target; figures in docs/PERFORMANCE.md
#   make fuzz-smoke   FUZZ_SMOKE_RUNS (20,000) of each, as part of `make test`
FUZZ := build/fuzz
FUZZ_SCRATCH := build/fuzz-scratch
FUZZ_TARGETS := fuzz_sse fuzz_eventstream fuzz_openai_stream fuzz_anthropic_stream \
                fuzz_gemini_stream fuzz_bedrock_stream
FUZZ_RUNS ?= 1000000
FUZZ_SMOKE_RUNS ?= 20000

.PHONY: fuzz-build fuzz-smoke

$(FUZZ)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DIMC_FUZZ=ON -DIMC_BUILD_BENCH=OFF

fuzz-build: $(FUZZ)/build.ninja
	cmake --build $(FUZZ) --target imc_fuzz -j $(JOBS)

# $(call run_fuzzers,RUNS): every target, one after the other, with a summary line each.
define run_fuzzers
set -eo pipefail; \
for t in $(FUZZ_TARGETS); do \
  dir=$(FUZZ_SCRATCH)/$$t; rm -rf $$dir; mkdir -p $$dir/corpus; \
  cp tests/fuzz/corpus/$$t/* $$dir/corpus/; \
  if ! $(FUZZ)/tests/fuzz/$$t -runs=$(1) -print_final_stats=1 -artifact_prefix=$$dir/ \
       $$dir/corpus > $$dir/log 2>&1; then \
    tail -n 40 $$dir/log; echo "fuzz: $$t FAILED; its input is in $$dir/"; exit 1; \
  fi; \
  done_line=$$(grep -o 'Done [0-9]* runs in [0-9]* second' $$dir/log | tail -n 1); \
  per_second=$$(awk '/stat::average_exec_per_sec/ {print $$2}' $$dir/log); \
  corpus=$$(ls $$dir/corpus | wc -l); \
  printf 'fuzz: %-22s %s(s), %s exec/s, corpus %s inputs, no crash\n' \
    $$t "$$done_line" "$$per_second" "$$corpus"; \
done
endef

fuzz: fuzz-build
	@$(call run_fuzzers,$(FUZZ_RUNS))

fuzz-smoke: fuzz-build
	@$(call run_fuzzers,$(FUZZ_SMOKE_RUNS))

clean:
	rm -rf build test-artifacts
