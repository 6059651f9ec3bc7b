// Police: reported cases wait in a queue worked at a fixed capacity; each
// trace follows card -> identity -> (farmer | outlet -> insider) -> broker.
#pragma once

#include "core/world.h"

namespace cardsim {

/// Queues a reported fraud case for tracing.
void report_case(World& w, uint32_t card);

/// The day's traces.
void trace_cases(World& w);

// Arrests remove the agent (its niche refills later), seize what it holds,
// fine it, and raise the perceived risk of its peers.
void arrest_farmer(World& w, Stream& s, uint32_t identity);
void arrest_insider(World& w, Stream& s, int32_t insider);
void arrest_broker(World& w, Stream& s, int32_t broker);
void arrest_ring(World& w, Stream& s, int32_t ring);

}  // namespace cardsim
