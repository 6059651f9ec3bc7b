// The property the scenario fuzzer checks, shared with the regression test
// (tests/test_fuzz_regressions.cpp) so both run exactly the same path.
#pragma once

#include <string>

#include "scenario/scenario.h"

namespace cardsim::fuzz {

enum class Verdict { Loaded, Refused, RoundTripMismatch };

/// Loads `text` as a scenario (extends resolved from `base_dir`), validates
/// it, writes it back as resolved YAML and loads that again. Returns Refused
/// for InputError; lets every other exception escape.
inline Verdict check_scenario_text(const std::string& text, const std::string& base_dir) {
  try {
    const Scenario sc = load_scenario_text(text, "<fuzz>", base_dir);
    const std::string yaml = resolved_yaml(sc);
    const Scenario back = load_scenario_text(yaml, "<resolved>", base_dir);
    // The resolved scenario is stored in every output: it must describe the
    // same run (name included, since it names the default output file).
    if (resolved_yaml(back) != yaml || back.name != sc.name) return Verdict::RoundTripMismatch;
    return Verdict::Loaded;
  } catch (const InputError&) {
    return Verdict::Refused;
  }
}

}  // namespace cardsim::fuzz
