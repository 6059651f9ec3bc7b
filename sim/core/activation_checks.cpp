#include "core/activation_checks.h"

#include <algorithm>
#include <stdexcept>

namespace cardsim {
namespace {

std::vector<ActivationCheck>& registry() {
  static std::vector<ActivationCheck> checks = [] {
    std::vector<ActivationCheck> sorted = builtin_activation_checks();
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const ActivationCheck& a, const ActivationCheck& b) { return a.rank < b.rank; });
    return sorted;
  }();
  return checks;
}

/// Whether the registry holds the built-in checks and nothing else, in their
/// order (no check registered or removed at run time). check_activation then
/// takes the direct path. Changed only by register/unregister, which run
/// before worlds are built, never while a run reads it.
bool only_builtin = true;

void note_registry_changed() {
  const auto& checks = registry();
  const auto& builtin = builtin_activation_checks();
  only_builtin = std::equal(checks.begin(), checks.end(), builtin.begin(), builtin.end(),
                            [](const ActivationCheck& a, const ActivationCheck& b) {
                              return a.refuses == b.refuses && a.kind == b.kind;
                            });
}

}  // namespace

const std::vector<ActivationCheck>& activation_checks() { return registry(); }

void register_activation_check(const ActivationCheck& check) {
  auto& checks = registry();
  for (const auto& c : checks) {
    if (c.name == check.name) throw std::invalid_argument("activation check '" + check.name + "' is already registered");
    if (c.rank == check.rank)
      throw std::invalid_argument("activation check '" + check.name + "': rank " + std::to_string(check.rank) +
                                  " is taken by '" + c.name + "'");
  }
  const auto at = std::find_if(checks.begin(), checks.end(), [&](const ActivationCheck& c) { return c.rank > check.rank; });
  checks.insert(at, check);
  note_registry_changed();
}

bool unregister_activation_check(const std::string& name) {
  auto& checks = registry();
  const auto it = std::find_if(checks.begin(), checks.end(), [&](const ActivationCheck& c) { return c.name == name; });
  if (it == checks.end()) return false;
  checks.erase(it);
  note_registry_changed();
  return true;
}

bool only_builtin_activation_checks() { return only_builtin; }

Verdict check_activation(World& w, Stream& s, const ActivationAttempt& a) {
  if (only_builtin) return run_builtin_activation_checks(w, s, a);
  const auto& checks = registry();
  for (std::size_t i = 0; i < checks.size(); ++i)
    if (checks[i].refuses(w, s, a)) return {checks[i].kind, int(i)};
  return {};
}

}  // namespace cardsim
