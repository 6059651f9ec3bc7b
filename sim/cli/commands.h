// Shared pieces of the command-line commands. Each command is a function
// `int cmd_x(const std::vector<std::string>& args)` registered in cli.cpp's
// table; bad input is reported by throwing InputError (exit code 2).
#pragma once

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace cardsim {

struct Parsed {
  boost::program_options::variables_map vm;
  bool help = false;
};

/// Parses a command's arguments; option errors become InputError.
Parsed parse(const std::vector<std::string>& args, const boost::program_options::options_description& opts,
             const boost::program_options::positional_options_description& pos);

/// The scenario named by the "scenario" option (or the built-in baseline),
/// with every --set applied and validated.
Scenario load_or_baseline(const boost::program_options::variables_map& vm);

/// Options of commands that run simulations: --progress-interval (and their
/// --quiet, which silences progress too).
boost::program_options::options_description progress_options();
/// Applies them; call once after parsing.
void apply_progress_options(const boost::program_options::variables_map& vm);

/// The `--series daily|weekly|none` option of run, compare and sweep, and its
/// parsed value (results/series.h; `int` to keep this header light).
boost::program_options::options_description series_options();
int series_mode_from(const boost::program_options::variables_map& vm);

/// `cardsim compare`: policies against a base with common random numbers (compare_cli.cpp).
int cmd_compare(const std::vector<std::string>& args);
// Commands defined in their own files.
int cmd_sweep(const std::vector<std::string>& args);        // sweep_cli.cpp
int cmd_merge(const std::vector<std::string>& args);        // sweep_cli.cpp
int cmd_sensitivity(const std::vector<std::string>& args);  // sweep_cli.cpp

}  // namespace cardsim
