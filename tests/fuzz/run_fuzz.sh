#!/usr/bin/env bash
# Builds the scenario fuzzer (clang, libFuzzer + ASan + UBSan) and runs it for
# SECONDS (default 60) on the seed corpus: scenarios/, scenarios/policies/,
# the bad-input catalogue and the kept regression inputs. Exits non-zero on a
# finding; the crashing input is left in build/fuzz/findings/ (copy it into
# tests/fuzz/regressions/ once fixed).
set -euo pipefail
SECONDS_TO_RUN="${1:-60}"
JOBS="${JOBS:-2}"
cd "$(dirname "$0")/../.."

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$JOBS"

work=build/fuzz
corpus="$work/corpus"        # grows across runs; the seeds are re-added each time
findings="$work/findings"
mkdir -p "$corpus" "$findings"
cp scenarios/*.yaml scenarios/policies/*.yaml tests/bad_inputs/* tests/fuzz/regressions/* "$corpus"/ 2>/dev/null || true

# A dictionary of every parameter key (and its last part) helps the fuzzer
# reach deep into validation.
dict="$work/scenario.dict"
{
  grep -o '^P_[A-Z]* *([a-z_0-9]*, "[^"]*"' sim/scenario/params.def | sed 's/.*"\(.*\)"/\1/' | while read -r key; do
    echo "\"$key\""
    echo "\"${key##*.}\""
  done
  for word in extends name description schedule day set true false .nan .inf 1e308 -1 '&a' '*a' '<<' '{' '[' ': '; do
    echo "\"$word\""
  done
} | sort -u > "$dict"

ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  "$work/tests/fuzz/fuzz_scenario" "$corpus" -dict="$dict" -max_total_time="$SECONDS_TO_RUN" \
  -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/"
