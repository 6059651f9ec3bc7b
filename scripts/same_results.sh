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
datasets() {  # FILE PATH: the datasets under PATH (PATH itself when it is one)
  h5ls -r "$1$2" 2>/dev/null | awk -v p="$2" '$2 == "Dataset" {print (substr($1, 1, 1) == "/") ? p $1 : p}'
}
compare() {  # NAME: h5diff of the two outputs' series and totals
  local name=$1 group out=ok added=""
  for group in /timeseries /totals /design; do
    # a sweep without `series` has no /timeseries, a single run no /design
    h5ls "$work/old/$name.h5$group" >/dev/null 2>&1 || h5ls "$work/new/$name.h5$group" >/dev/null 2>&1 || continue
    # Dataset by dataset, over the old file's datasets: a dataset the new build
    # adds is reported, not counted as a difference (it also adds a reference
    # to the shared /day and /replicate scales, which a group diff would flag).
    local ds
    for ds in $(datasets "$work/old/$name.h5" $group); do
      h5diff -q "$work/old/$name.h5" "$work/new/$name.h5" "$ds" "$ds" >/dev/null 2>&1 || out="DIFFERS in $ds"
    done
    for ds in $(datasets "$work/new/$name.h5" $group); do
      h5ls "$work/old/$name.h5$ds" >/dev/null 2>&1 || added="$added $ds"
    done
  done
  [ -z "$added" ] || out="$out (new datasets:$added)"
  echo "$name: $out"
  case $out in ok*) ;; *) status=1 ;; esac
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
