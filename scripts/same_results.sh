#!/usr/bin/env bash
# Runs every scenario and sweep spec under scenarios/ with two cardsim binaries
# and compares /timeseries and /totals with h5diff: the check that a refactoring
# leaves results bit-identical.
#   scripts/same_results.sh OLD_BINARY NEW_BINARY [WORKDIR]
# Single scenarios run 2 replicates (the 100-million country 1); sweep specs run
# as written. Prints one line per file and exits non-zero on any difference.
set -u
old=$1 new=$2 work=${3:-$(mktemp -d)}
threads=${THREADS:-2}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work/old" "$work/new"
status=0
compare() {  # NAME: h5diff of the two outputs' series and totals
  local name=$1 group out=ok
  for group in /timeseries /totals /design; do
    # a sweep without `series` has no /timeseries, a single run no /design
    h5ls "$work/old/$name.h5$group" >/dev/null 2>&1 || h5ls "$work/new/$name.h5$group" >/dev/null 2>&1 || continue
    h5diff -q "$work/old/$name.h5" "$work/new/$name.h5" $group $group >/dev/null 2>&1 || out="DIFFERS in $group"
  done
  echo "$name: $out"
  [ "$out" = ok ] || status=1
}
for spec in $(cd "$here" && find scenarios -name '*.yaml' | sort); do
  name=$(echo "${spec%.yaml}" | tr / _)
  if grep -q '^design:' "$here/$spec"; then
    for side in old new; do
      bin=$old; [ $side = new ] && bin=$new
      rm -f "$work/$side/$name.h5" "$work/$side/$name.h5.journal"
      "$bin" sweep "$here/$spec" -t "$threads" --out "$work/$side/$name.h5" >/dev/null 2>&1 || { echo "$name: $side run failed"; status=1; }
    done
  else
    reps=2; case $spec in *country*) reps=1 ;; esac
    for side in old new; do
      bin=$old; [ $side = new ] && bin=$new
      "$bin" run "$here/$spec" -r $reps -t "$threads" -q --out "$work/$side/$name.h5" >/dev/null 2>&1 || { echo "$name: $side run failed"; status=1; }
    done
  fi
  compare "$name"
done
exit $status
