// Scenarios: loading YAML files (with `extends:`), --set overrides, scheduled
// changes, validation, and the resolved YAML written into every output.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/params.h"

namespace cardsim {

/// "; did you mean 'x'?" for the name in `names` closest to `typed` (at most
/// 3 edits away), else "". Every name a user types gets it: parameters,
/// metrics, commands.
std::string did_you_mean(const std::string& typed, const std::vector<std::string>& names);

/// Bad input from the user (scenario file, --set, command line). The message
/// names the file, line and key where they are known. Maps to exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A change to one parameter that takes effect at the start of `day`.
struct ScheduledChange {
  int64_t day = 0;
  const ParamSpec* spec = nullptr;
  double value = 0;
  std::string origin;  // "file:line" for messages
};

/// Which cards a re-verification drive asks holders to confirm.
enum class ReverifyTarget {
  Dormant,  // every dormant card: activated and not in use (docs/model.md, "Dormant cards")
  Idle,     // dormant cards with no use in the last `idle_days` days
};

/// A one-off action taken on one day (the scenario's `actions:` list), as
/// opposed to a scheduled change, which sets a parameter from a day on. The
/// one kind today is a re-verification drive (agents/reverification.h).
struct ScheduledAction {
  int64_t day = 0;
  ReverifyTarget target = ReverifyTarget::Dormant;
  int64_t idle_days = 0;  // Idle only: days without use that make a card a target
  double coverage = 0;    // share of the target cards (and of honest sleeping cards) re-verified
  std::string origin;     // "file:line:col" for messages
};

/// Names of the targets as the scenario writes them.
const char* reverify_target_name(ReverifyTarget t);

struct Scenario {
  std::string name = "baseline";
  std::string description;
  std::string source = "<built-in baseline>";
  Params params;
  std::vector<ScheduledChange> schedule;  // sorted by day, stable in file order
  std::vector<ScheduledAction> actions;   // sorted by day, stable in file order; an action's
                                          // index here keys its random stream
  /// Where each parameter was last set ("file:line:col" or "--set"), so that
  /// messages about contradictory settings can point at a line. Unset
  /// parameters are absent.
  std::map<std::string, std::string> origins;
};

/// The built-in baseline: every parameter at its declared default.
Scenario builtin_baseline();

/// The text of an input file (scenario, sweep spec) of at most 1 MB.
/// Directories, devices and, unless `pipe_allowed`, FIFOs are refused before
/// anything is read. Throws InputError naming the path and `kind`.
std::string read_input_text(const std::string& path, const std::string& kind, bool pipe_allowed);

/// Refuses a second YAML document in `text` (YAML::Load would silently
/// ignore it and the settings it holds). Throws InputError naming `origin`.
void require_single_document(const std::string& text, const std::string& origin);

/// Loads and validates a scenario file. Throws InputError.
Scenario load_scenario_file(const std::string& path);

/// Loads a scenario from YAML text; `origin` names it in messages and
/// `base_dir` resolves `extends:`. Throws InputError.
Scenario load_scenario_text(const std::string& text, const std::string& origin,
                            const std::string& base_dir);

/// Applies a "key=value" override (from --set). Throws InputError.
void apply_override(Scenario& scenario, const std::string& assignment);

/// Why `key` is not a parameter: renamed (naming the new key), close to a
/// declared key (naming it), or unknown.
std::string unknown_parameter_reason(const std::string& key);

/// Checks cross-parameter consistency. Throws InputError naming both keys.
void validate_scenario(const Scenario& scenario);

/// Parameters in force on `day` (base values plus scheduled changes up to it).
Params params_on_day(const Scenario& scenario, int64_t day);

/// The fully resolved scenario as YAML: every parameter, then the schedule,
/// then the actions (each section only when it has entries).
std::string resolved_yaml(const Scenario& scenario);

/// The `actions:` section of the resolved YAML ("" when there is none); it
/// loads back as the same actions.
std::string actions_yaml(const Scenario& scenario);

/// Stable 64-bit hash of the resolved scenario (for caches and shard checks).
uint64_t scenario_hash(const Scenario& scenario);

}  // namespace cardsim
