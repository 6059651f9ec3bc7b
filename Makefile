# cardsim: the two commands of the README, and the ones around them.
#   make run    install what is missing, build, run the baseline, print a summary
#   make test   install what is missing, build, run every test
.PHONY: all deps build run test test-asan bench paper docs clean

JOBS ?= $(shell nproc)
REPLICATES ?= 10
CARDSIM := build/release/cardsim

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	@mkdir -p results
	$(CARDSIM) run scenarios/baseline.yaml --replicates $(REPLICATES) --out results/baseline.h5

test: build
	@cd build/release && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

docs: build
	$(CARDSIM) params --markdown > docs/parameters.md

clean:
	rm -rf build

# Benchmarks with their targets; writes bench/RESULTS.md (not part of `make test`).
bench: build
	@bash bench/run_benchmarks.sh
