#!/usr/bin/env bash
# Builds the fuzzers (clang, libFuzzer + ASan + UBSan) and runs each for
# SECONDS (default 60): the scenario loader, sweep specs and snapshot files,
# JOBS of them at a time.
# Each starts from its corpus under tests/fuzz/corpus/<target>/ (plus, for
# scenarios, scenarios/, the bad-input catalogue and the regression inputs).
# Exits non-zero on a finding; the input is left in build/fuzz/findings/
# (copy it into tests/fuzz/regressions/ once fixed). New interesting inputs
# are kept in build/fuzz/corpus-<target>/; `MERGE=1` also merges them,
# minimised, into tests/fuzz/corpus/<target>/ to be committed.
set -euo pipefail
SECONDS_TO_RUN="${1:-60}"
JOBS="${JOBS:-2}"
cd "$(dirname "$0")/../.."

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$JOBS"

work=build/fuzz
findings="$work/findings"
mkdir -p "$findings"

# A dictionary of every parameter key (and its last part) helps the fuzzer
# reach deep into validation.
dict="$work/keys.dict"
{
  grep -o '^P_[A-Z]* *([a-z_0-9]*, "[^"]*"' sim/scenario/params.def | sed 's/.*"\(.*\)"/\1/' | while read -r key; do
    echo "\"$key\""
    echo "\"${key##*.}\""
  done
  for word in extends name description schedule day set true false .nan .inf 1e308 -1 '&a' '*a' '<<' '{' '[' ': ' \
              base replicates seed series design kind grid lhs sobol morris parameters samples trajectories levels; do
    echo "\"$word\""
  done
} | sort -u > "$dict"

# run_target NAME MAX_LEN USE_DICT SEED_DIR...
run_target() {
  local target="$1" max_len="$2" use_dict="$3"
  shift 3
  local corpus="$work/corpus-$target"
  mkdir -p "$corpus" "tests/fuzz/corpus/$target"
  for seeds in "tests/fuzz/corpus/$target" "$@"; do cp -r "$seeds"/. "$corpus"/ 2>/dev/null || true; done
  local dict_opt=()
  [ "$use_dict" = yes ] && dict_opt=(-dict="$dict")
  echo "== $target: ${SECONDS_TO_RUN} s"
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$work/tests/fuzz/$target" "$corpus" "${dict_opt[@]}" -max_total_time="$SECONDS_TO_RUN" \
    -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/$target-"
  if [ "${MERGE:-0}" = 1 ]; then
    "$work/tests/fuzz/$target" -merge=1 "tests/fuzz/corpus/$target" "$corpus" >/dev/null 2>&1
  fi
}

scenario_seeds="$work/scenario-seeds"
mkdir -p "$scenario_seeds"
cp scenarios/*.yaml scenarios/policies/*.yaml tests/bad_inputs/* tests/fuzz/regressions/* "$scenario_seeds"/ 2>/dev/null || true
sweep_seeds="$work/sweep-seeds"
mkdir -p "$sweep_seeds"
cp scenarios/sweeps/*.yaml scenarios/paper/*.yaml "$sweep_seeds"/ 2>/dev/null || true

# The targets run side by side, JOBS at a time (each is single-threaded), each
# into its own log, printed when it ends; any finding fails the whole run.
logs="$work/logs"
mkdir -p "$logs"
declare -A pid_of=()
failed=0
finish_one() {
  local done_pid status=0
  wait -n -p done_pid || status=$?
  local target="${pid_of[$done_pid]}"
  cat "$logs/$target.log"
  if [ "$status" != 0 ]; then failed=1; echo "== $target: FAILED with status $status (finding or error, above)"; fi
  unset "pid_of[$done_pid]"
}
start_target() {
  while [ "${#pid_of[@]}" -ge "$JOBS" ]; do finish_one; done
  run_target "$@" >"$logs/$1.log" 2>&1 &
  pid_of[$!]="$1"
}
start_target fuzz_scenario 8192 yes "$scenario_seeds"
start_target fuzz_sweep_spec 8192 yes "$sweep_seeds"
start_target fuzz_snapshot 256 no
while [ "${#pid_of[@]}" -gt 0 ]; do finish_one; done
exit "$failed"
