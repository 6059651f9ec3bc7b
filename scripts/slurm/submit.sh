#!/usr/bin/env bash
# Submits a cardsim sweep to Slurm: a job array (scripts/slurm/sweep.sbatch)
# whose tasks each run one shard, sized from the spec by `cardsim sweep
# --plan`, and a merge job (scripts/slurm/merge.sbatch) with its own small
# request that starts once every array task has succeeded (afterok).
# Run it on the login node, from the folder SPEC and OUT are relative to.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/slurm/submit.sh SPEC OUT (--runs-per-task R | --task-minutes M [--run-seconds S])
                               [--threads T] [--array-option OPT]... [--merge-option OPT]...
                               [--dry-run] [-- SBATCH_OPTION...]

  SPEC               sweep spec YAML
  OUT                merged results file; shards go to OUT.shards/ and are kept
  --runs-per-task R  at most R runs (design point x replicate) per array task
  --task-minutes M   about M minutes of work per array task (whole minutes),
                     from one run's time: --run-seconds S, or else the spec's
                     first run timed once here on the login node (an estimate:
                     compute nodes and other design points may be slower). The
                     array's time limit becomes 2 x M + 5 minutes.
  --threads T        CPUs (OpenMP threads) per array task (default 1)
  --array-option OPT an sbatch option for the array only, e.g. --mem-per-cpu=4G
                     or --time=04:00:00 (repeatable)
  --merge-option OPT an sbatch option for the merge job only, e.g. --mem=8G
  --dry-run          print the sbatch commands instead of submitting
  -- SBATCH_OPTION.. options for both jobs, e.g. --partition=short --account=x

Defaults come from the #SBATCH lines of sweep.sbatch (1 CPU, 1G per CPU, one
hour) and merge.sbatch (1 CPU, 2G, 30 minutes). Logs go to results/logs/ of
this folder (created here: Slurm does not create it). With one task the sweep
runs as one job that writes OUT itself, and no merge job is needed.
Environment: CARDSIM (the cardsim binary; default build/release/cardsim, else
cardsim on PATH) and CARDSIM_FSYNC_INTERVAL (see sweep.sbatch).
EOF
}

die() { echo "submit.sh: $*" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
positional=() plan=() array_opts=() merge_opts=() both_opts=()
threads=1 task_minutes="" dry_run=false
while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --runs-per-task) plan+=(--runs-per-task "${2:?--runs-per-task needs a value}"); shift 2 ;;
    --task-minutes) task_minutes=${2:?--task-minutes needs a value}; shift 2 ;;
    --run-seconds) plan+=(--run-seconds "${2:?--run-seconds needs a value}"); shift 2 ;;
    --threads) threads=${2:?--threads needs a value}; shift 2 ;;
    --array-option) array_opts+=("${2:?--array-option needs a value}"); shift 2 ;;
    --merge-option) merge_opts+=("${2:?--merge-option needs a value}"); shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    --) shift; both_opts=("$@"); break ;;
    -*) usage >&2; die "unknown option '$1'" ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} == 2)) || { usage >&2; die "expected SPEC and OUT"; }
spec=${positional[0]} out=${positional[1]}
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a whole number of CPUs from 1, got '$threads'"
time_opts=()
if [[ -n "$task_minutes" ]]; then
  [[ "$task_minutes" =~ ^[1-9][0-9]*$ ]] || die "--task-minutes must be a whole number of minutes from 1, got '$task_minutes'"
  plan+=(--task-minutes "$task_minutes")
  time_opts=(--time=$((2 * task_minutes + 5)))
fi

if [[ -n "${CARDSIM:-}" ]]; then cardsim=$CARDSIM
elif [[ -x build/release/cardsim ]]; then cardsim=build/release/cardsim
else cardsim=$(command -v cardsim) || die "no cardsim in build/release/ nor on PATH (set CARDSIM, or build it)"
fi
[[ -x "$cardsim" ]] || die "CARDSIM='$cardsim' is not an executable file"
# The jobs find the same binary whatever their working folder.
CARDSIM=$(cd "$(dirname "$cardsim")" && pwd)/$(basename "$cardsim")
export CARDSIM

# The spec is read (and checked) by cardsim itself: N on stdout, a summary on stderr.
tasks=$("$CARDSIM" sweep "$spec" --plan "${plan[@]}" --threads "$threads") ||
  die "cardsim could not size the array (message above)"

max_array=$(scontrol show config 2>/dev/null | sed -n 's/^MaxArraySize *= *\([0-9]*\).*/\1/p') || true
if [[ -n "$max_array" ]] && ((tasks > max_array)); then
  die "$tasks array tasks, but this cluster's MaxArraySize is $max_array: give a larger --runs-per-task or --task-minutes"
fi

submit() {  # prints the job id (or, in a dry run, the command and a placeholder)
  if $dry_run; then
    printf '%q ' sbatch "$@" >&2
    echo >&2
    echo "JOB_ID"
  else
    local id
    id=$(sbatch --parsable "$@") || die "sbatch refused the job (message above)"
    echo "${id%%;*}"  # --parsable prints "id" or "id;cluster"
  fi
}

$dry_run || mkdir -p results/logs
sweep_opts=(--cpus-per-task="$threads" "${time_opts[@]}" "${both_opts[@]}" "${array_opts[@]}")
if ((tasks == 1)); then
  job=$(submit --output='results/logs/%x-%j.out' "${sweep_opts[@]}" "$here/sweep.sbatch" "$spec" "$out")
  echo "submitted job $job (the whole sweep in one task) -> $out; log: results/logs/cardsim-sweep-$job.out"
  exit 0
fi
array=$(submit --array="0-$((tasks - 1))" "${sweep_opts[@]}" "$here/sweep.sbatch" "$spec" "$out")
merge=$(submit --dependency="afterok:$array" --kill-on-invalid-dep=yes "${both_opts[@]}" "${merge_opts[@]}" \
  "$here/merge.sbatch" "$out" "$tasks") ||
  die "array job $array is queued but the merge job was refused; submit it by hand:" \
    "sbatch --dependency=afterok:$array $here/merge.sbatch $out $tasks"
echo "submitted array job $array ($tasks tasks, shards in $out.shards/) and merge job $merge (after all succeed)" \
  "-> $out; logs: results/logs/cardsim-sweep-${array}_*.out, results/logs/cardsim-merge-$merge.out"
