// Police: cases (victim reports, leads from carrier monitoring) wait in a
// queue worked at a fixed capacity, in the order controls.police.priority
// names, and are dropped unworked once older than controls.police.max_age_days;
// each trace follows card -> identity -> (farmer | outlet -> insider) -> broker.
#pragma once

#include "core/world.h"

namespace cardsim {

/// Queues a case about `card` from `source` for tracing, counted in its
/// source's metric. A victim's report also reports the number to its carrier
/// (controls.reported_shutdown, agents/carrier.cpp).
void report_case(World& w, uint32_t card, CaseSource source = CaseSource::VictimReport);

/// The day's police work: drops cases older than the maximum age, then
/// traces as many waiting cases as today's capacity allows, in priority order.
void trace_cases(World& w);

/// Mean age of the waiting cases at the end of today, days since each was
/// queued (0 when none wait): O(sources), from the queue's running day sums.
double mean_case_age_days(const World& w);

// Arrests remove the agent (its niche refills later), seize what it holds,
// fine it, and raise the perceived risk of its peers.
void arrest_farmer(World& w, Stream& s, uint32_t identity);
void arrest_insider(World& w, Stream& s, int32_t insider);
void arrest_broker(World& w, Stream& s, int32_t broker);
void arrest_ring(World& w, Stream& s, int32_t ring);

}  // namespace cardsim
