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
demo: setup-demo web $(NATIVE_RELEASE)/build.ninja
	cmake --build --preset native-release -j $(JOBS) --target imc imc-studio
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  echo "Opening imc-studio (native) as well"; \
	  $(NATIVE_RELEASE)/imc-studio --pack assets/demo & \
	fi
	$(NATIVE_RELEASE)/imc serve --web $(WASM)/web --pack assets/demo --port $(PORT)

# --- tests -------------------------------------------------------------------------------
test: setup build asan
	$(MAKE) test-native test-e2e test-asan

test-native:
	ctest --preset native-release -j $(JOBS) $(CTEST_ARGS)

test-e2e:
	node --test --test-concurrency=1 tests/e2e/

test-asan:
	ctest --preset native-asan -j $(JOBS) $(CTEST_ARGS)

clean:
	rm -rf build test-artifacts
