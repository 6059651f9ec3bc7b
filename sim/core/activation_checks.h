// The activation checks: the controls that can refuse a card at the counter,
// as one ordered registry (like the phase table, daily_phases()). Each entry
// names its check, its refusal kind and its rank; a card is refused by the
// first check, in rank order, that says no. Refusals of honest customers are
// counted per check (/timeseries/honest_refused_by_check), so a new check
// needs no metric of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/world.h"

namespace cardsim {

/// Why a card was refused; each kind has its own honest_refused_* metric,
/// except Other (checks added without one, counted per check only).
enum class Refusal : uint8_t { None = 0, IdCap, Remote, Liveness, Velocity, DealerCap, Other };

struct ActivationAttempt {
  uint32_t identity = kNone;
  uint32_t outlet = kNone;
  bool person_present = true;  // the identity's owner is at the counter (honest or farmer)
  bool reused_photo = false;   // a harvested photo stands in for a live face
  bool insider_login = false;  // done inside the dealer system by an insider (no face check)
  bool location_edit = false;  // a shared login can rewrite the activation location
  int home_region = -1;        // the identity's region when the caller knows it (saves a search); -1: from the id
};

/// The region of the attempt's identity (ActivationAttempt::home_region, else World::region_of).
inline int home_region_of(const World& w, const ActivationAttempt& a) {
  return a.home_region >= 0 ? a.home_region : w.region_of(a.identity);
}

/// One check: true when it refuses the attempt. A check that is off today
/// returns false at once; it may draw from `s` and update its own windows,
/// but must not count the activation (count_activation does, once accepted).
using CheckFunction = bool (*)(World& w, Stream& s, const ActivationAttempt& a);

struct ActivationCheck {
  std::string name;   // label in /timeseries/honest_refused_by_check
  int rank;           // position in the order: lower runs first; unique
  Refusal kind;       // which honest_refused_* metric counts it (Other: none)
  CheckFunction refuses;
};

/// Every check in force, sorted by rank. The built-in checks come from
/// builtin_activation_checks() (agents/carrier.cpp).
const std::vector<ActivationCheck>& activation_checks();
const std::vector<ActivationCheck>& builtin_activation_checks();

/// Adds a check at run time (tests, extensions). Throws std::invalid_argument
/// when its name or rank is taken. Call it before worlds are built: a World
/// counts refusals for the checks registered when it was made.
void register_activation_check(const ActivationCheck& check);
/// Removes a check added by register_activation_check; false when none has that name.
bool unregister_activation_check(const std::string& name);

struct Verdict {
  Refusal kind = Refusal::None;
  int check = -1;  // index in activation_checks() of the refusing check, -1 when accepted
  bool refused() const { return check >= 0; }
};

/// Runs the checks in rank order until one refuses. Does not count the activation.
Verdict check_activation(World& w, Stream& s, const ActivationAttempt& a);

/// Whether only the built-in checks are registered: they touch the
/// identity's and the outlet's state only, so that blocks of holders with
/// their region's outlets can be checked on several threads at once.
bool only_builtin_activation_checks();

/// check_activation while the registry holds exactly the built-in checks:
/// the same checks in the same order, called directly (agents/carrier.cpp).
Verdict run_builtin_activation_checks(World& w, Stream& s, const ActivationAttempt& a);

}  // namespace cardsim
