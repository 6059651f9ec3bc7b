// `cardsim compare BASE.yaml POLICY.yaml... [options]`
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "analysis_tool.h"
#include "cli.h"
#include "commands.h"
#include "compare.h"
#include "results.h"

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
      "replicate indices), and prints per policy the mean and 90% interval (5th-95th percentile)\n"
      "of the paired differences policy - base over days [--from-day, days), then a ranking by\n"
      "losses avoided per honest customer harmed and the frontier of non-dominated policies.\n"
      "Writes everything (with provenance and each scenario's resolved YAML) to one HDF5 file\n"
      "and a CSV beside it.\n\noptions");
  opts.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>()->default_value("results/compare/compare.h5"),
      "output HDF5 file; the CSV goes beside it with the extension .csv")(
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
      "report", "also write a self-contained HTML report beside --out (.html) with cardsim-analysis")(
      "quiet,q", "print no tables and no progress")("scenarios", po::value<std::vector<std::string>>(),
                                                     "scenario files");
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
  req.progress = true;  // live or logged as the progress options say
  return req;
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
  const std::string out = p.vm["out"].as<std::string>();
  const CompareRequest req = make_request(p.vm, out);
  check_output_writable(out);  // fail now, not after the runs
  const CompareResult result = run_compare(req);
  write_compare_file(out, result);
  const std::string csv = std::filesystem::path(out).replace_extension(".csv").string();
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
