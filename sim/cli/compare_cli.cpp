// `cardsim compare BASE.yaml POLICY.yaml... [options]`
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "cli/analysis_tool.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "experiments/compare.h"
#include "core/memory.h"
#include "results/output_path.h"
#include "results/results.h"

namespace cardsim {
namespace po = boost::program_options;
namespace {

Scenario load_with_overrides(const std::string& path, const po::variables_map& vm) {
  Scenario sc = load_scenario_file(path);
  if (vm.count("set"))
    for (const auto& kv : vm["set"].as<std::vector<std::string>>()) apply_override(sc, kv);
  validate_scenario(sc);
  return sc;
}

po::options_description compare_options() {
  po::options_description opts(
      "cardsim compare BASE.yaml POLICY.yaml... [options]\n\n"
      "Runs the base scenario and every policy with common random numbers (the same seed and\n"
      "replicate indices), and prints per policy the paired differences policy - base over days\n"
      "[--from-day, days): the mean effect with its confidence interval (Student's t, --confidence),\n"
      "the change relative to the base, the 5th-95th percentile of the per-replicate differences\n"
      "(variability, not a confidence interval) and the replicates that would detect a --detect change\n"
      "with 80% power. Then a ranking by losses avoided per honest customer harmed and the frontier\n"
      "of non-dominated policies, both from a paired bootstrap over replicates, with ties shown.\n"
      "Writes everything (with provenance and each scenario's resolved YAML) to one HDF5 file\n"
      "and a CSV beside it.\n\noptions");
  opts.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>(),
      "output HDF5 file, replaced if it exists; the CSV goes beside it with the extension .csv (default: "
      "results/compare/<base scenario name>.h5, never replaced without --force)")(
      "force", "replace existing files at the default output path")(
      "seed", po::value<uint64_t>()->default_value(1), "random seed shared by every scenario")(
      "replicates,r", po::value<int64_t>()->default_value(20), "replicates per scenario (1 to 100000)")(
      "threads,t", po::value<int>()->default_value(0), "OpenMP threads (0: all cores); never changes results")(
      "from-day", po::value<int64_t>(), "first day of the window the differences cover (default: --burn-in, or 0)")(
      "burn-in", po::value<int64_t>()->default_value(0),
      "run this many days once under the base, save the state (snapshot beside --out) and branch every "
      "policy from it")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a parameter in every scenario, key=value (repeatable)")(
      "check", "assert conservation invariants every day (slower)")(
      "confidence", po::value<double>()->default_value(0.90),
      "level of the confidence intervals and of ties in the ranking, in (0, 1)")(
      "detect", po::value<double>()->default_value(0.10),
      "relative effect (0.10: 10% of the base mean) for the replicates-needed line")(
      "bootstrap", po::value<int>()->default_value(2000), "paired bootstrap resamples for ranking and frontier")(
      "report", "also write a self-contained HTML report beside --out (.html) with cardsim-analysis")(
      "quiet,q", "print no tables and no progress")("scenarios", po::value<std::vector<std::string>>(),
                                                     "scenario files");
  opts.add(series_options());
  opts.add(progress_options());
  return opts;
}

CompareRequest make_request(const po::variables_map& vm, const std::string& out) {
  if (!vm.count("scenarios") || vm["scenarios"].as<std::vector<std::string>>().size() < 2)
    throw InputError("compare: needs a base scenario and at least one policy (see cardsim compare --help)");
  const auto& files = vm["scenarios"].as<std::vector<std::string>>();
  CompareRequest req;
  req.base = load_with_overrides(files[0], vm);
  for (std::size_t i = 1; i < files.size(); ++i) req.policies.push_back(load_with_overrides(files[i], vm));
  req.seed = vm["seed"].as<uint64_t>();
  req.replicates = vm["replicates"].as<int64_t>();
  req.threads = vm["threads"].as<int>();
  if (req.threads < 0) throw InputError("--threads must be 0 (all cores) or more");
  req.burn_in = vm["burn-in"].as<int64_t>();
  req.from_day = vm.count("from-day") ? vm["from-day"].as<int64_t>() : req.burn_in;
  if (req.burn_in > 0) req.snapshot_path = std::filesystem::path(out).replace_extension(".snapshot.h5").string();
  req.options.check_invariants = vm.count("check") > 0;
  req.confidence = vm["confidence"].as<double>();
  if (!(req.confidence > 0 && req.confidence < 1)) throw InputError("--confidence must lie in (0, 1), e.g. 0.9");
  req.detect_relative = vm["detect"].as<double>();
  if (!(req.detect_relative > 0)) throw InputError("--detect must be above 0, e.g. 0.1 for a 10% change");
  req.bootstrap = vm["bootstrap"].as<int>();
  if (req.bootstrap < 100 || req.bootstrap > 1000000) throw InputError("--bootstrap must be between 100 and 1000000");
  req.progress = true;  // live or logged as the progress options say
  req.series = SeriesMode(series_mode_from(vm));
  return req;
}

/// results/compare/<base scenario name>.h5
std::string default_compare_out(const po::variables_map& vm) {
  if (!vm.count("scenarios") || vm["scenarios"].as<std::vector<std::string>>().size() < 2)
    throw InputError("compare: needs a base scenario and at least one policy (see cardsim compare --help)");
  return default_output_path(load_with_overrides(vm["scenarios"].as<std::vector<std::string>>()[0], vm).name, ".h5",
                             "results/compare");
}

/// The HDF5 file, the CSV beside it and the burn-in snapshot: none may be
/// an input, a folder or (at default paths) an earlier result.
void check_compare_outputs(const po::variables_map& vm, const std::string& out, const std::string& csv,
                           const std::string& snapshot, bool explicit_out) {
  if (csv == out)
    throw InputError("--out " + out + ": the CSV is written beside the HDF5 file with the extension .csv; name the "
                     "HDF5 file (e.g. " + std::filesystem::path(out).replace_extension(".h5").string() + ")");
  const auto& inputs = vm["scenarios"].as<std::vector<std::string>>();
  const bool force = vm.count("force") > 0;
  for (const std::string& path : {out, csv, snapshot})
    if (!path.empty()) check_output_path(path, inputs, explicit_out, force);
}

/// Every run of the comparison keeps its daily series; a burn-in holds every
/// replicate's world at once to save the snapshot.
void check_compare_memory(const CompareRequest& req) {
  const int64_t runs = req.replicates * int64_t(req.policies.size() + 1);
  const int threads = req.threads > 0 ? req.threads : omp_get_max_threads();
  const int at_once = req.burn_in > 0 ? int(std::min<int64_t>(req.replicates, INT32_MAX)) : threads;
  uint64_t need = 0;
  std::vector<const Scenario*> all{&req.base};
  for (const auto& pol : req.policies) all.push_back(&pol);
  for (const Scenario* sc : all) need = std::max(need, estimate_run_bytes(params_for_memory(*sc), runs, at_once));
  check_memory_need(need, "compare", std::to_string(runs) + " runs of up to " + std::to_string(req.base.params.population) +
                                         " identity holders over " + std::to_string(req.base.params.days) + " days, " +
                                         std::to_string(at_once) + " at once");
}

}  // namespace

int cmd_compare(const std::vector<std::string>& args) {
  const po::options_description opts = compare_options();
  po::positional_options_description pos;
  pos.add("scenarios", -1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  apply_progress_options(p.vm);
  const auto started = std::chrono::steady_clock::now();
  const bool explicit_out = p.vm.count("out") > 0;
  const std::string out = explicit_out ? p.vm["out"].as<std::string>() : default_compare_out(p.vm);
  const CompareRequest req = make_request(p.vm, out);
  check_compare_memory(req);
  const std::string csv = std::filesystem::path(out).replace_extension(".csv").string();
  check_compare_outputs(p.vm, out, csv, req.snapshot_path, explicit_out);  // now, not after the runs
  const CompareResult result = run_compare(req);
  write_compare_file(out, result);
  write_compare_csv(csv, result);
  if (!p.vm.count("quiet")) print_compare(std::cout, result);
  std::cout << "results written to " << out << " and " << csv;
  if (!req.snapshot_path.empty()) std::cout << "; burn-in snapshot " << req.snapshot_path;
  std::cout << ": " << (req.policies.size() + 1) << " scenarios x " << req.replicates << " replicates = "
            << int64_t(req.policies.size() + 1) * req.replicates << " runs in " << std::fixed << std::setprecision(1)
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";
  if (p.vm.count("report"))
    write_html_report(out, std::filesystem::path(out).replace_extension(".html").string(), std::cerr);
  return kExitOk;
}

}  // namespace cardsim
