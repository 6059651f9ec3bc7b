#include "cli/cli.h"
#include "cli/commands.h"

#include <unistd.h>

#include <omp.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "results/h5.h"
#include "core/interrupt.h"
#include "core/invariants.h"
#include "core/memory.h"
#include "results/output_path.h"
#include "scenario/params.h"
#include "scenario/populations.h"
#include "experiments/runner.h"
#include "scenario/scenario.h"
#include "results/snapshot.h"
#include "results/summary.h"
#include "results/version.h"

namespace cardsim {
namespace po = boost::program_options;
namespace {

const char* kUsage =
    "cardsim " CARDSIM_VERSION ": agent-based simulation of the SIM-card black market that feeds telecom fraud\n"
    "\n"
    "usage: cardsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [SCENARIO]       run a scenario (default: the built-in baseline) and write HDF5 results\n"
    "  validate SCENARIO    check a scenario file and print it fully resolved\n"
    "  params               list every parameter: key, type, default, range, unit, meaning, source\n"
    "  compare BASE POLICY...  policies against a base with common random numbers: effects, costs, ranking\n"
    "  sweep SPEC           run a parameter sweep (grid, lhs, sobol, morris); OpenMP, MPI, shards, --resume\n"
    "  merge SHARD...       join the shard files of a sweep into one file\n"
    "  sensitivity FILE     Sobol or Morris sensitivity indices of a sobol/morris sweep\n"
    "\n"
    "Run `cardsim <command> --help` for the options of a command; `cardsim --version` prints the version,\n"
    "git commit and build type.\n"
    "Exit codes: 0 success, 2 bad input (message names file, line and key), 1 internal failure,\n"
    "130 interrupted by Ctrl-C (no output file is written).\n";

}  // namespace

Parsed parse(const std::vector<std::string>& args, const po::options_description& opts,
             const po::positional_options_description& pos) {
  Parsed out;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), out.vm);
    po::notify(out.vm);
  } catch (const po::error& e) {
    throw InputError(std::string("command line: ") + e.what());
  }
  out.help = out.vm.count("help") > 0;
  return out;
}

namespace {

}  // namespace

po::options_description progress_options() {
  po::options_description opts("progress (stderr)");
  opts.add_options()("progress-interval", po::value<double>()->default_value(10.0),
                     "seconds between progress log lines (runs done, rate, ETA) when stderr is not a terminal, "
                     "e.g. a batch log; on a terminal one live line; --quiet silences both");
  return opts;
}

po::options_description series_options() {
  po::options_description opts("stored series");
  opts.add_options()("series", po::value<std::string>()->default_value("daily"), series_option_help());
  return opts;
}

int series_mode_from(const po::variables_map& vm) {
  return int(parse_series_mode(vm["series"].as<std::string>()));
}

void apply_progress_options(const po::variables_map& vm) {
  ProgressStyle style;
  style.quiet = vm.count("quiet") > 0;
  style.interval_s = vm["progress-interval"].as<double>();
  if (!(style.interval_s > 0)) throw InputError("--progress-interval must be above 0 seconds");
  set_progress_style(style);
}

Scenario load_or_baseline(const po::variables_map& vm) {
  Scenario sc = vm.count("scenario") ? load_scenario_file(vm["scenario"].as<std::string>()) : builtin_baseline();
  if (vm.count("set"))
    for (const auto& kv : vm["set"].as<std::vector<std::string>>()) apply_override(sc, kv);
  validate_scenario(sc);
  for (const auto& line : per_capita_warnings(sc.params)) std::cerr << "cardsim: warning: " << sc.source << ": " << line << "\n";
  return sc;
}

namespace {

/// `run --from-snapshot FILE`: the snapshot fixes seed and replicates; the
/// scenario defaults to the one the snapshot was taken under.
void continue_from_snapshot(const po::variables_map& vm, RunRequest& req) {
  const std::string path = vm["from-snapshot"].as<std::string>();
  const SnapshotInfo info = read_snapshot_info(path);
  if (!vm.count("scenario")) {
    req.scenario = info.scenario;
    if (vm.count("set"))
      for (const auto& kv : vm["set"].as<std::vector<std::string>>()) apply_override(req.scenario, kv);
    validate_scenario(req.scenario);
  }
  check_same_structure(info.scenario, req.scenario, "a snapshot continues only under the structure it was built with");
  if (!vm["seed"].defaulted() && req.seed != info.seed)
    throw InputError("--seed " + std::to_string(req.seed) + ": " + path + " was taken with seed " +
                     std::to_string(info.seed) + "; a continued run keeps the snapshot's seed");
  if (!vm["replicates"].defaulted() && req.replicates > info.replicates)
    throw InputError("--replicates " + std::to_string(req.replicates) + ": " + path + " holds only " +
                     std::to_string(info.replicates));
  req.seed = info.seed;
  if (vm["replicates"].defaulted()) req.replicates = info.replicates;
  req.from_snapshot = path;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("cardsim run [SCENARIO] [options]\n\n"
                               "Runs every replicate of a scenario and writes one HDF5 file with daily series\n"
                               "(/timeseries/<metric>, [replicate, day]; weekly or none with --series) and run\n"
                               "totals (/totals/<metric>, [replicate]), then prints mean and 90% interval of the\n"
                               "main totals.\n\noptions");
  opts.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>(),
      "output file, replaced if it exists (default: results/<scenario name>.h5, never replaced without --force)")(
      "force", "replace an existing file at the default output path")(
      "seed", po::value<uint64_t>()->default_value(1), "random seed; the same seed gives identical results")(
      "replicates,r", po::value<int64_t>()->default_value(10), "independent replicates (1 or more; refused when the memory estimate exceeds the limit)")(
      "threads,t", po::value<int>()->default_value(0),
      "OpenMP threads (0: all cores); never changes results. Replicates run side by side; with fewer replicates "
      "than threads the spare threads work inside each replicate (honest demand by region)")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a parameter, key=value with dotted keys (repeatable), e.g. --set controls.per_id_cap.max_cards=3")(
      "check", "assert conservation invariants every day (slower)")(
      "from-snapshot", po::value<std::string>(),
      "continue the worlds saved in this snapshot (e.g. by compare --burn-in) instead of starting at day 0; "
      "seed and replicates come from the snapshot, the scenario (default: the snapshot's own) must have its "
      "structure")(
      "quiet,q", "print no summary and no progress")(
      "phase-times",
      "after the run, print on stderr the wall seconds each daily phase took, summed over replicates, largest "
      "first (where a long run spends its time; a clock read around each phase, results unchanged)")(
      "scenario", po::value<std::string>(), "scenario YAML file");
  opts.add(series_options());
  opts.add(progress_options());
  po::positional_options_description pos;
  pos.add("scenario", 1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  apply_progress_options(p.vm);
  RunRequest req;
  req.scenario = load_or_baseline(p.vm);
  req.seed = p.vm["seed"].as<uint64_t>();
  req.replicates = p.vm["replicates"].as<int64_t>();
  if (req.replicates < 1)
    throw InputError("--replicates " + std::to_string(req.replicates) + ": must be 1 or more");
  req.threads = p.vm["threads"].as<int>();
  if (req.threads < 0) throw InputError("--threads must be 0 (all cores) or more");
  req.options.check_invariants = p.vm.count("check") > 0;
  req.time_phases = p.vm.count("phase-times") > 0;
  req.progress = true;  // live or logged as the progress options say
  if (p.vm.count("from-snapshot")) continue_from_snapshot(p.vm, req);
  check_memory(req.scenario, req.replicates, req.threads > 0 ? req.threads : omp_get_max_threads(),
               req.scenario.source);
  // Where the file goes is settled now, not after the run.
  const bool explicit_out = p.vm.count("out") > 0;
  const std::string out =
      explicit_out ? p.vm["out"].as<std::string>() : default_output_path(req.scenario.name, ".h5");
  std::vector<std::string> inputs;
  for (const char* key : {"scenario", "from-snapshot"})
    if (p.vm.count(key)) inputs.push_back(p.vm[key].as<std::string>());
  check_output_path(out, inputs, explicit_out, p.vm.count("force") > 0);
  const auto series = SeriesMode(series_mode_from(p.vm));
  // Daily series are compressed while later replicates run; other modes aggregate first.
  req.encode_series = series == SeriesMode::Daily;
  // The file is laid out (datasets, attributes, axes) while the replicates run.
  RunFileWriter file(out, planned_run_file(req), series);
  req.alongside = [&file] { file.lay_out(); };
  RunResult result = run_scenario(req);
  file.finish(result, req.threads);
  if (!p.vm.count("quiet")) print_summary(std::cout, result, out);
  print_phase_times(std::cerr, result);  // asked for explicitly: printed even with --quiet
  return kExitOk;
}

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("cardsim validate SCENARIO [--set key=value]...\n\n"
                               "Checks a scenario file (unknown keys, types, ranges, contradictions) and prints\n"
                               "the fully resolved scenario. Exit code 2 and a message naming file, line and key\n"
                               "when something is wrong.\n\noptions");
  opts.add_options()("help,h", "show this help")("set", po::value<std::vector<std::string>>()->composing(),
                                                 "override a parameter, key=value")(
      "scenario", po::value<std::string>(), "scenario YAML file");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  if (!p.vm.count("scenario")) throw InputError("validate: missing SCENARIO file (see cardsim validate --help)");
  Scenario sc = load_or_baseline(p.vm);
  check_memory(sc, 1, 1, sc.source);
  std::cout << resolved_yaml(sc);
  std::cerr << sc.source << ": valid\n";
  return kExitOk;
}

std::string param_line(const ParamSpec& s) {
  std::ostringstream os;
  os << s.key << "  " << type_name(s.type) << "  default " << format_param_value(s, s.default_value) << "  range "
     << allowed_values(s) << "  unit " << s.unit << "  " << (s.mode == ParamMode::Structural ? "fixed" : "schedulable")
     << "  source " << s.source << "  -- " << s.meaning;
  return os.str();
}

void print_markdown(std::ostream& out) {
  out << "# cardsim parameters\n\nGenerated by `cardsim params --markdown` from sim/scenario/params.def; do not edit.\n\n"
         "| key | type | default | allowed | unit | when | source | meaning |\n"
         "|---|---|---|---|---|---|---|---|\n";
  // A '|' inside a cell (true|false, allow|verify|block) must be escaped in Markdown.
  auto cell = [](std::string text) {
    for (std::size_t pos = 0; (pos = text.find('|', pos)) != std::string::npos; pos += 2) text.insert(pos, "\\");
    return text;
  };
  for (const auto& s : param_registry())
    out << "| `" << s.key << "` | " << type_name(s.type) << " | " << cell(format_param_value(s, s.default_value)) << " | "
        << cell(allowed_values(s)) << " | " << s.unit << " | " << (s.mode == ParamMode::Structural ? "fixed" : "schedulable")
        << " | " << s.source << " | " << s.meaning << " |\n";
}

int cmd_params(const std::vector<std::string>& args) {
  po::options_description opts("cardsim params [PREFIX] [--markdown]\n\n"
                               "Lists every parameter, one line each: key, type, default, allowed range, unit,\n"
                               "whether a schedule may change it mid-run, its source (F-ids of docs/sources.md), and meaning.\n\n"
                               "options");
  opts.add_options()("help,h", "show this help")("markdown", "print a Markdown table (docs/parameters.md)")(
      "yaml", "print the built-in baseline as a resolved scenario")(
      "prefix", po::value<std::string>(), "list only the parameters whose key starts with PREFIX");
  po::positional_options_description pos;
  pos.add("prefix", 1);
  Parsed p = parse(args, opts, pos);
  if (p.help) {
    std::cout << opts << "\n";
    return kExitOk;
  }
  if (p.vm.count("markdown")) {
    print_markdown(std::cout);
  } else if (p.vm.count("yaml")) {
    std::cout << resolved_yaml(builtin_baseline());
  } else {
    const std::string prefix = p.vm.count("prefix") ? p.vm["prefix"].as<std::string>() : "";
    std::vector<std::string> groups;  // every dotted start of a key: controls, controls.police, ...
    bool any = false;
    for (const auto& s : param_registry()) {
      for (std::size_t dot = s.key.find('.'); dot != std::string::npos; dot = s.key.find('.', dot + 1))
        groups.push_back(s.key.substr(0, dot));
      groups.push_back(s.key);
      if (s.key.compare(0, prefix.size(), prefix) != 0) continue;
      std::cout << param_line(s) << "\n";
      any = true;
    }
    if (!any) throw InputError("params: no parameter key starts with '" + prefix + "'" + did_you_mean(prefix, groups));
  }
  return kExitOk;
}

using Command = int (*)(const std::vector<std::string>&);

// One row per command; each command's code lives in its own function/file.
const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"run", cmd_run},
      {"validate", cmd_validate},
      {"params", cmd_params},
      {"compare", cmd_compare},
      {"sweep", cmd_sweep},
      {"merge", cmd_merge},
      {"sensitivity", cmd_sensitivity},
  };
  return table;
}

}  // namespace

int run_cli(const std::vector<std::string>& args) {
  h5::quiet();
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "cardsim " << CARDSIM_VERSION << "\ncommit " << CARDSIM_GIT_COMMIT << "\nbuild " << CARDSIM_BUILD_TYPE
              << "\nresults schema " << CARDSIM_SCHEMA_VERSION << "\n";
    return kExitOk;
  }
  auto it = commands().find(args[0]);
  install_interrupt_handler();
  // Past the file-size limit (ulimit -f) the kernel sends SIGXFSZ, whose
  // default kills the process with no message and leaves a partial file.
  // Ignored, the write fails with EFBIG and the error path cleans up.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    if (it == commands().end()) {
      std::vector<std::string> names;
      for (const auto& [name, command] : commands()) names.push_back(name);
      throw InputError("unknown command '" + args[0] + "' (see cardsim --help)" + did_you_mean(args[0], names));
    }
    return it->second(std::vector<std::string>(args.begin() + 1, args.end()));
  } catch (const InputError& e) {
    std::cerr << "cardsim: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const Interrupted& e) {
    std::cerr << "cardsim: " << e.what() << ": stopped; no output file was written";
    if (args[0] == "sweep") std::cerr << " (finished runs are kept: run the same command with --resume to go on)";
    std::cerr << "\n";
    return kExitInterrupted;
  } catch (const InvariantError& e) {
    std::cerr << "cardsim: internal error: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "cardsim: error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace cardsim
