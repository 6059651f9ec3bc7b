// `cardsim sweep` and `cardsim merge`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <omp.h>

#include "cli/analysis_tool.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/memory.h"
#include "core/metrics.h"
#include "results/output_path.h"
#include "experiments/sensitivity.h"
#include "experiments/sweep.h"

namespace cardsim {
namespace po = boost::program_options;
namespace {

std::string default_out(const SweepSpec& spec, const Shard& shard) {
  if (shard.whole()) return default_output_path(spec.name, ".h5");
  return default_output_path(spec.name,
                             ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) + ".h5");
}

/// Output and journal, checked before any run: the output is not an input
/// or a folder, a result at the default path is not replaced without
/// --force, and an unfinished sweep's journal is not thrown away unless asked.
void check_sweep_outputs(const SweepSpec& spec, const SweepOptions& o, bool explicit_out, bool force) {
  check_output_path(o.out, {spec.path, spec.base.source}, explicit_out, force || o.resume);
  if (!o.resume && !force && std::filesystem::exists(journal_path(o.out)))
    throw InputError(journal_path(o.out) + ": an earlier run of this sweep did not finish; pass --resume to "
                     "continue it, or --force to discard its finished runs and start again");
}

/// True when `out` is a finished sweep file of this very spec and no journal
/// says a run of it is under way.
bool finished_sweep(const std::string& out, const SweepSpec& spec) {
  std::error_code ec;
  if (!std::filesystem::exists(out, ec) || std::filesystem::exists(journal_path(out), ec)) return false;
  try {
    const SweepData d = read_sweep_file(out);
    return d.spec_hash == sweep_hash(spec) &&
           std::all_of(d.done.begin(), d.done.end(), [](uint8_t done) { return done != 0; });
  } catch (const std::exception&) {
    return false;  // not a readable sweep file: let the sweep say what is wrong
  }
}

std::string seconds_since(std::chrono::steady_clock::time_point start) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return buf;
}

std::string short_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

po::options_description plan_options() {
  po::options_description opts("sizing a Slurm job array (scripts/slurm/submit.sh calls this)");
  opts.add_options()("plan",
                     "print the number N of array tasks (shards) on stdout and a summary on stderr, write nothing; "
                     "submit with --array=0-(N-1); --threads is each task's thread count (0 counts as 1)")(
      "runs-per-task", po::value<int64_t>(), "with --plan: at most this many runs (point x replicate) per task")(
      "task-minutes", po::value<double>(),
      "with --plan: about this many minutes of work per task, from one run's time (see --run-seconds)")(
      "run-seconds", po::value<double>(),
      "with --task-minutes: seconds one run takes on one core; without it the first run is timed here once, "
      "which is only an estimate (other points or nodes may be slower)");
  return opts;
}

/// Plan options belong to --plan, which needs exactly one way to size the tasks.
void check_plan_options(const po::variables_map& vm) {
  const bool plan = vm.count("plan") > 0, by_runs = vm.count("runs-per-task") > 0,
             by_time = vm.count("task-minutes") > 0;
  if (!plan && (by_runs || by_time || vm.count("run-seconds")))
    throw InputError("--runs-per-task, --task-minutes and --run-seconds size a job array: use them with --plan");
  if (plan && by_runs == by_time)
    throw InputError("--plan needs either --runs-per-task R or --task-minutes M (not both)");
  if (vm.count("run-seconds") && !by_time) throw InputError("--run-seconds goes with --task-minutes");
}

/// Seconds one run takes: --run-seconds, or the spec's first run timed here.
double seconds_per_run(const SweepSpec& spec, const po::variables_map& vm, std::string& source) {
  if (vm.count("run-seconds")) {
    const double s = vm["run-seconds"].as<double>();
    if (!(s > 0 && std::isfinite(s))) throw InputError("--run-seconds must be a number of seconds above 0");
    source = "--run-seconds";
    return s;
  }
  source = "run 0 timed here";
  const std::vector<double> record = run_task(spec, make_sweep_data(spec, Shard{}), 0);
  return std::max(record.back(), 1e-6);  // the record ends with the run's wall time in seconds
}

/// `sweep --plan`: the array size for --runs-per-task or --task-minutes.
int print_array_plan(const SweepSpec& spec, const po::variables_map& vm, int threads) {
  threads = std::max(threads, 1);
  const int64_t runs = spec.design.points * spec.replicates;
  int64_t max_runs = 0;
  std::string basis;
  if (vm.count("runs-per-task")) {
    max_runs = vm["runs-per-task"].as<int64_t>();
  } else {
    const double minutes = vm["task-minutes"].as<double>();
    if (!(minutes > 0 && std::isfinite(minutes))) throw InputError("--task-minutes must be a number of minutes above 0");
    std::string source;
    const double run_s = seconds_per_run(spec, vm, source);
    max_runs = runs_per_task_for(minutes * 60, run_s, threads);
    basis = " (one run takes " + short_number(run_s) + " s, " + source + ": " + std::to_string(max_runs) +
            " runs on " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + " fill about " +
            short_number(minutes) + " min)";
  }
  const ArrayPlan plan = plan_array(runs, max_runs);
  std::cout << plan.tasks << "\n";
  std::cerr << "cardsim sweep --plan: " << runs << " runs (" << spec.design.points << " design points x "
            << spec.replicates << " replicates) -> array tasks: " << plan.tasks << ", each at most "
            << plan.runs_per_task << " runs" << basis << "; a task needs about "
            << std::max(1.0, std::round(double(estimate_sweep_bytes(spec, threads)) / 1e6)) << " MB of memory\n";
  return kExitOk;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description opts(
      "cardsim sweep SPEC [--out FILE] [--threads T] [--shard I/N] [--resume] [--fsync-interval S]\n"
      "cardsim sweep SPEC --plan (--runs-per-task R | --task-minutes M [--run-seconds S]) [--threads T]\n\n"
      "Runs every (design point, replicate) of a sweep spec and writes one HDF5 file: /design [run, parameter],\n"
      "/totals/<metric> [run, replicate], /timeseries/<metric> [run, replicate, day] for the spec's `series`\n"
      "([run, replicate, week] with --series weekly, no /timeseries with --series none).\n"
      "Finished runs are journalled in FILE.journal; --resume redoes only the unfinished ones.\n"
      "Under mpirun (MPI built in) the ranks share the runs and rank 0 writes the file.\n"
      "On Slurm, scripts/slurm/submit.sh sizes a job array with --plan, runs one shard per array task and merges\n"
      "them in a dependent job (docs/sweeps.md).\n\noptions");
  opts.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>(),
      "output file, replaced if it exists (default: results/<spec name>.h5, never replaced without --force)")(
      "threads,t", po::value<int>()->default_value(0), "OpenMP threads (0: all cores); never changes results")(
      "shard", po::value<std::string>(), "run only slice I of N (0 <= I < N) and write a shard file for `merge`")(
      "resume", "continue an interrupted sweep from its journal; a finished sweep is left as it is")(
      "force", "replace an existing file at the default output path, or discard an unfinished sweep's journal")(
      "quiet,q", "print no progress")(
      "fsync-interval", po::value<double>()->default_value(kDefaultFsyncInterval),
      "seconds a finished run may wait in FILE.journal before it is flushed to disk (fdatasync); 0: after every "
      "run. A crash of the machine loses at most the runs of that window (--resume redoes them); longer spares "
      "shared file systems (docs/sweeps.md)")("spec", po::value<std::string>(), "sweep spec YAML");
  opts.add(series_options());
  opts.add(progress_options());
  opts.add(plan_options());
  po::positional_options_description pos;
  pos.add("spec", 1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  if (!p.vm.count("spec")) throw InputError("sweep: missing SPEC file (see cardsim sweep --help)");
  apply_progress_options(p.vm);
  const auto started = std::chrono::steady_clock::now();
  SweepOptions o;
  o.shard = p.vm.count("shard") ? parse_shard(p.vm["shard"].as<std::string>()) : Shard{};
  o.threads = p.vm["threads"].as<int>();
  if (o.threads < 0) throw InputError("--threads must be 0 (all cores) or more");
  o.resume = p.vm.count("resume") > 0;
  o.progress = true;  // live or logged as the progress options say
  o.fsync_interval = checked_fsync_interval(p.vm["fsync-interval"].as<double>());
  o.series = SeriesMode(series_mode_from(p.vm));
  check_plan_options(p.vm);
  const SweepSpec spec = load_sweep_spec(p.vm["spec"].as<std::string>());
  const bool explicit_out = p.vm.count("out") > 0;
  o.out = explicit_out ? p.vm["out"].as<std::string>() : default_out(spec, o.shard);
  const int64_t runs = spec.design.points * spec.replicates;
  if (o.resume && finished_sweep(o.out, spec)) {
    std::cerr << "cardsim sweep: " << o.out << " is already complete (" << runs
              << " runs of this spec, no journal left): nothing to resume\n";
    return kExitOk;
  }
  check_memory_need(estimate_sweep_bytes(spec, o.threads > 0 ? o.threads : omp_get_max_threads()), spec.path,
                    std::to_string(spec.design.points) + " design points x " + std::to_string(spec.replicates) +
                        " replicates, their totals and kept series");
  if (p.vm.count("plan")) return print_array_plan(spec, p.vm, o.threads);
  check_sweep_outputs(spec, o, explicit_out, p.vm.count("force") > 0);
  const SweepOutcome outcome = run_sweep(spec, o);
  if (outcome.wrote_file)
    std::cerr << "cardsim sweep: wrote " << o.out << ": " << spec.design.points << " design points x "
              << spec.replicates << " replicates = " << runs << " runs" << (o.shard.whole() ? "" : " (this shard's share)")
              << " in " << seconds_since(started) << " s; journal flushes to disk: " << outcome.journal_syncs
              << " (--fsync-interval " << short_number(o.fsync_interval) << " s)\n";
  return kExitOk;
}

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description opts(
      "cardsim merge SHARD... --out FILE\n\n"
      "Joins the shard files of one sweep (from `cardsim sweep --shard I/N`) into one sweep file. Refuses, with\n"
      "exit code 2, a missing, duplicate, unfinished or corrupt shard and one from another spec or build.\n\noptions");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(), "merged output file")(
      "shards", po::value<std::vector<std::string>>(), "shard files");
  po::positional_options_description pos;
  pos.add("shards", -1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  if (!p.vm.count("out")) throw InputError("merge: --out FILE is required");
  if (!p.vm.count("shards")) throw InputError("merge: no shard files given");
  const auto started = std::chrono::steady_clock::now();
  const auto shards = p.vm["shards"].as<std::vector<std::string>>();
  const std::string out = p.vm["out"].as<std::string>();
  check_output_path(out, shards, true, true);
  merge_shards(shards, out);
  std::cerr << "cardsim merge: wrote " << out << ": " << shards.size() << " shards, " << read_sweep_file(out).tasks()
            << " runs in " << seconds_since(started) << " s\n";
  return kExitOk;
}

}  // namespace cardsim

namespace cardsim {

int cmd_sensitivity(const std::vector<std::string>& args) {
  po::options_description opts(
      "cardsim sensitivity FILE [--bootstrap B] [--metric NAME]... [--all]\n\n"
      "Computes sensitivity indices of every output metric (mean of run totals over replicates) from a sobol\n"
      "or morris sweep: Sobol first-order (Saltelli et al. 2010, on centred outputs) and total (Jansen 1999)\n"
      "indices with 90% bootstrap intervals, or Morris mu*, mu and sigma. Metrics whose run means vary no more\n"
      "than replicate noise are reported as insensitive, without indices; wide intervals, S1 below -noise or\n"
      "above ST + noise, and S1 summing above 1 print a WARNING naming the metric and the base samples that\n"
      "would be needed. Writes indices and checks to FILE under /sensitivity/<metric> [parameter, index]\n"
      "and prints the tables.\n\noptions");
  opts.add_options()("help,h", "show this help")("bootstrap", po::value<int>()->default_value(500),
                                                  "bootstrap resamples for the Sobol intervals")(
      "max-width", po::value<double>()->default_value(0.1),
      "warn when a 90% interval of a Sobol index is wider than this (and say how many samples would do)")(
      "metric", po::value<std::vector<std::string>>()->composing(), "print this metric (repeatable)")(
      "all", "print every metric (default: the main fraud and market outcomes)")(
      "file", po::value<std::string>(), "sweep results file");
  po::positional_options_description pos;
  pos.add("file", 1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  if (!p.vm.count("file")) throw InputError("sensitivity: missing FILE (see cardsim sensitivity --help)");
  SensitivityOptions o;
  o.bootstrap = p.vm["bootstrap"].as<int>();
  if (o.bootstrap < 0 || o.bootstrap > 100000) throw InputError("--bootstrap must be between 0 and 100000");
  o.max_width = p.vm["max-width"].as<double>();
  if (!(o.max_width > 0)) throw InputError("--max-width must be above 0");
  o.show = {"fraud_cases", "fraud_losses_yuan", "cards_sold_to_scammers", "honest_refused", "price_scammer_yuan"};
  if (p.vm.count("metric")) o.show = p.vm["metric"].as<std::vector<std::string>>();
  for (const auto& name : o.show)
    if (find_metric(name) < 0) {
      std::vector<std::string> names;
      for (const auto& spec : metric_registry()) names.push_back(spec.name);
      throw InputError("--metric " + name + ": unknown metric (see sim/metrics.def)" + did_you_mean(name, names));
    }
  if (p.vm.count("all")) o.show.clear();
  sensitivity_command(p.vm["file"].as<std::string>(), o, std::cout);
  return kExitOk;
}

}  // namespace cardsim
