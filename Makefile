# cardsim: the two commands of the README, and the ones around them.
#   make run    install what is missing, build, run the baseline, print a summary
#   make test   install what is missing, build, run every test
#   make paper  install texlive too, build, run the paper's scenarios (cached), analyse, latexmk -> paper/paper.pdf
#               (PAPER_QUICK=1: small, short runs for CI)
.PHONY: all deps deps-test build run test deb install test-asan test-tsan fuzz bench paper docs clean

JOBS ?= $(shell nproc)
REPLICATES ?= 10
CARDSIM := build/release/cardsim

all: build

# Packages by purpose (scripts/install-deps.sh): `make run` needs only the run
# set and no root once it is installed; tests and the paper add their own.
deps:
	@bash scripts/install-deps.sh

deps-test:
	@bash scripts/install-deps.sh --test

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	@mkdir -p results
	$(CARDSIM) run scenarios/baseline.yaml --replicates $(REPLICATES) --out results/baseline.h5

test: deps-test build
	@cd build/release && ctest --output-on-failure -j $(JOBS)

# The engine's tests under AddressSanitizer + UndefinedBehaviorSanitizer (the
# paper, the Python package's and the packaging tests are left out: see their
# labels in tests/CMakeLists.txt).
test-asan: deps-test
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)
	@cd build/asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) --label-exclude '^(paper|python|packaging)$$'

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
	@/usr/bin/python3 scripts/check_paper.py paper || { echo 'make paper: the paper fails its checks (above)'; exit 1; }
	@echo "make paper: wrote paper/paper.pdf"

# The OpenMP and thread-related tests under ThreadSanitizer: clang with LLVM's
# libomp and its Archer tool, which tells TSan about OpenMP's synchronisation
# (gcc's libgomp is not instrumented and gives false reports). See
# docs/reliability.md.
TSAN_TESTS ?= identical|thread|SIGINT|interrupt|compare|snapshot|journal
# The TSan runtime itself does not survive a 1-64 kB RLIMIT_FSIZE.
TSAN_EXCLUDE ?= file-size limit
ARCHER ?= /usr/lib/llvm-14/lib/libarcher.so
test-tsan: deps-test
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	@cd build/tsan && OMP_TOOL_LIBRARIES=$(ARCHER) TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ignore_noninstrumented_modules=1" \
	  ctest --output-on-failure -j $(JOBS) -R "$(TSAN_TESTS)" -E "$(TSAN_EXCLUDE)"

# The three fuzzers (libFuzzer, clang: scenarios, sweep specs, snapshot files),
# FUZZ_SECONDS each; see tests/fuzz.
FUZZ_SECONDS ?= 60
fuzz: deps-test
	@JOBS=$(JOBS) tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS)

# A Debian package of the build (build/release/cardsim_VERSION_ARCH.deb); install it
# with `sudo apt install ./build/release/cardsim_*.deb`, which pulls its dependencies.
deb: build
	@cd build/release && cpack -G DEB | tail -1

# Installs into PREFIX (default ~/.local: no root needed).
PREFIX ?= $(HOME)/.local
install: build
	@cmake --install build/release --prefix $(PREFIX)

docs: build
	$(CARDSIM) params --markdown > docs/parameters.md

clean:
	rm -rf build

# Benchmarks with their targets; writes bench/RESULTS.md (not part of `make test`).
bench: build
	@bash bench/run_benchmarks.sh
