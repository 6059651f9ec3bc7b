// Validation of a world read back from a snapshot file. A snapshot is input
// like any other: a damaged or tampered file must be refused with a message
// (InputError), never crash a run (an index out of range) or run silently
// (a card in two places, money that does not add up).
#pragma once

#include <cstdint>
#include <string>

#include "core/world.h"

namespace cardsim {

/// Checks `restored` (read from a snapshot taken on day `day`) field by
/// field against `built`, a world freshly built from the same parameters,
/// seed and replicate: the structure fixed at build time must be equal,
/// every index, offset and count in range, every state known, and then the
/// conservation invariants must hold. Throws InputError naming `what` (file
/// and replicate), the field and the reason.
void check_restored_world(const World& restored, const World& built, int64_t day, const std::string& what);

}  // namespace cardsim
