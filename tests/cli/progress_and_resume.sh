#!/usr/bin/env bash
# Progress and end-of-work lines of the command line, outside a terminal:
#   progress CARDSIM WORK  a run with --progress-interval 0.02 logs "runs done"
#                          lines to stderr; --quiet silences them
#   resume CARDSIM WORK    a finished sweep: sweep ends with one line saying
#                          what it wrote; --resume says it is complete, exits 0
#                          and leaves the file untouched
set -euo pipefail
mode=${1:?progress|resume} cardsim=${2:?CARDSIM} work=${3:?WORK}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
case "$mode" in
  progress)
    "$cardsim" run -r 16 -t 2 --progress-interval 0.02 --out "$work/run.h5" \
      2>"$work/stderr.txt" >/dev/null </dev/null
    cat "$work/stderr.txt"
    grep -Eq '^run baseline: [0-9]+/16 runs done, .* elapsed, ETA ' "$work/stderr.txt" ||
      { echo "no progress log line on a non-terminal stderr" >&2; exit 1; }
    "$cardsim" run -r 16 -t 2 --progress-interval 0.02 -q --out "$work/run.h5" 2>"$work/quiet.txt"
    [[ ! -s "$work/quiet.txt" ]] || { echo "--quiet still printed:" >&2; cat "$work/quiet.txt" >&2; exit 1; }
    echo "progress lines logged; --quiet silent"
    ;;
  resume)
    "$cardsim" sweep "$here/tiny_grid.yaml" -t 2 --out "$work/grid.h5" 2>"$work/first.txt"
    cat "$work/first.txt"
    grep -q "wrote $work/grid.h5: 4 design points x 2 replicates = 8 runs in " "$work/first.txt"
    before=$(sha256sum "$work/grid.h5")
    "$cardsim" sweep "$here/tiny_grid.yaml" -t 2 --out "$work/grid.h5" --resume 2>"$work/again.txt"
    cat "$work/again.txt"
    grep -q "is already complete (8 runs of this spec" "$work/again.txt"
    ! grep -q "wrote" "$work/again.txt"
    [[ "$(sha256sum "$work/grid.h5")" == "$before" ]] || { echo "--resume rewrote a finished sweep" >&2; exit 1; }
    echo "finished sweep left as it was"
    ;;
esac
