# cardsim: the two commands of the README, and the ones around them.
#   make run    install what is missing, build, run the baseline, print a summary
#   make test   install what is missing, build, run every test
#   make paper  install texlive too, build, run the paper's scenarios (cached), analyse, latexmk -> paper/paper.pdf
#               (PAPER_QUICK=1: small, short runs for CI)
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
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) --label-exclude paper

# The paper: every figure and number from the runs it makes (see results/README.md).
# Runs and analysis are cached by scenario hash and code version (scripts/paper_pipeline.py).
PAPER_QUICK ?= 0
PAPER_JOBS ?= 2
paper:
	@bash scripts/install-deps.sh --paper
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(PAPER_JOBS) --target cardsim
	@PAPER_QUICK=$(PAPER_QUICK) PAPER_THREADS=$(PAPER_JOBS) /usr/bin/python3 scripts/paper_pipeline.py
	@cd paper && latexmk -pdf -halt-on-error -interaction=nonstopmode -file-line-error paper.tex >latexmk.out 2>&1 \
	  || { tail -40 latexmk.out; grep -n -A3 '^.*:[0-9]*: ' paper.log | head -40; echo 'make paper: LaTeX failed (see paper/paper.log)'; exit 1; }
	@if grep -E -n 'Undefined control sequence|Reference .* undefined|Citation .* undefined|There were undefined' paper/paper.log; then \
	  echo 'make paper: undefined macro or reference (see paper/paper.log)'; exit 1; fi
	@echo "make paper: wrote paper/paper.pdf"

docs: build
	$(CARDSIM) params --markdown > docs/parameters.md

clean:
	rm -rf build

# Benchmarks with their targets; writes bench/RESULTS.md (not part of `make test`).
bench: build
	@bash bench/run_benchmarks.sh
