// Conservation and sanity checks, run every day in --check mode and in tests.
#pragma once

#include <stdexcept>
#include <string>

#include "core/world.h"

namespace cardsim {

/// A broken invariant: a bug in the model, never bad input (exit code 1).
class InvariantError : public std::runtime_error {
 public:
  InvariantError(int64_t on_day, const std::string& name, const std::string& detail)
      : std::runtime_error("invariant '" + name + "' broken on day " + std::to_string(on_day) + ": " + detail),
        day(on_day), invariant(name) {}
  int64_t day;
  std::string invariant;
};

/// Every part's per-member arrays of one length, cards by state and by holder, honest cards, criminal cards per identity,
/// money (finite balances adding up to zero), prices finite and positive,
/// behavioural quantities in range, arrested agents inactive. Throws
/// InvariantError naming the day, the invariant and the agent.
void check_invariants(const World& w);

}  // namespace cardsim
