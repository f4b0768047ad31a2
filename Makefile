# Front door. `make test` is what CI runs; see README.md.
PRESET ?= ci

.PHONY: all deps build test unit fuzz lint format stack-start stack-stop stack-status clean demo package

all: build

deps:
	tools/deps/install.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

## Installs what is missing, builds, checks formatting, starts the local stack, runs every test
## label (unit, integration, e2e), then unit and integration again under ASan/UBSan/LSan with a short
## run of every fuzz target (preset asan-ubsan), and stops what it started.
test:
	PRESET=$(PRESET) tools/test.sh

## The first command: builds, starts the local stack and shows concurrent, out-of-order writes
## arriving in Kafka in order (tools/demo). KEEP=1 keeps the stack and runner running.
demo:
	PRESET=$(PRESET) KEEP=$(KEEP) tools/demo/demo.sh

## Unit tests only: no services needed.
unit: build
	ctest --preset $(PRESET) -L unit

## Lambda zips for provided.al2023: dist/ddb-eventstore-dispatcher-<version>-{x86_64,arm64}.zip
## plus .debug symbol files beside them (docs/packaging.md). PACKAGE_ARCH=x86_64 or =arm64 for one.
package: deps
	packaging/package.sh $(PACKAGE_ARCH)

## The libFuzzer targets (tests/fuzz), each for FUZZ_SECONDS (default 60) and/or FUZZ_RUNS executions;
## FUZZ_TARGETS="stream_event settings" for some, FUZZ_JOBS=N for N at once. docs/reliability.md.
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_TARGETS="$(FUZZ_TARGETS)" \
	  FUZZ_JOBS=$(FUZZ_JOBS) tools/fuzz.sh

lint:
	tools/lint.sh

format:
	tools/lint.sh --fix

stack-start: deps
	tools/stack/stack.sh start

stack-stop:
	tools/stack/stack.sh stop

stack-status:
	tools/stack/stack.sh status

clean:
	rm -rf build dist
