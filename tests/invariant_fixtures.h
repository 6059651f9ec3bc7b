// Shared by the tests that break a world on purpose and expect the invariant
// checks (`cardsim run --check`) to stop it with the day, the invariant and
// the agent or party named.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/invariants.h"
#include "core/world.h"

namespace cardsim::testing {

/// Runs the checks on a world the test has corrupted and expects an
/// InvariantError for `invariant` on the world's current day, its message
/// holding every fragment.
inline void expect_broken(const World& w, const std::string& invariant, const std::vector<std::string>& fragments) {
  try {
    check_invariants(w);
    FAIL("corruption not detected");
  } catch (const InvariantError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(e.invariant == invariant);
    CHECK(e.day == w.day);
    CHECK(what.find("invariant '" + invariant + "' broken on day " + std::to_string(w.day)) != std::string::npos);
    for (const auto& f : fragments) CHECK(what.find(f) != std::string::npos);
  }
}

}  // namespace cardsim::testing
