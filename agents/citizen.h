// Identity holders: honest customers who want cards (and are sometimes
// refused), card farmers who sell cards opened in their own name, and victims
// whose susceptibility depends on their group and on awareness.
#pragma once

#include "core/world.h"

namespace cardsim {

enum class VictimGroup : uint8_t { Elderly = 0, Student, Other, Count };

/// Honest activations, refused customers' retries and honest cards given up
/// (phase HonestDemand).
void honest_demand(World& w);

/// A refused honest customer waiting to try again, packed in 64 bits for the
/// event list World::honest_retry_due: identity, the day of their first
/// refusal (below 2^24: params.def caps a run at 36,500 days), tries since.
struct Retry {
  uint32_t identity;
  int64_t first_refused;
  int tries;
};
inline uint64_t pack_retry(const Retry& r) {
  return uint64_t(r.identity) | (uint64_t(r.first_refused) << 32) | (uint64_t(r.tries) << 56);
}
inline Retry unpack_retry(uint64_t v) { return {uint32_t(v), int64_t((v >> 32) & 0xffffff), int(v >> 56)}; }

/// An honest customer was refused (first refused on `first_refused`, `tries`
/// retries made so far): they try again citizens.retry_delay_days later with
/// chance citizens.retry_share, up to citizens.retry_max retries, or give up.
void honest_refused_wait(World& w, Stream& choices, uint32_t identity, int64_t first_refused, int tries);

/// What a person reached by a recruiter's ad asks for a card, in yuan, with
/// the pool off: a reservation price of their own (one normal draw), raised
/// by awareness and by arrests they hear of (farmer_ask_yuan).
double fresh_farmer_ask_yuan(World& w, Stream& s);

/// What a holder with this reservation price asks for a card today, in yuan:
/// the reservation raised by awareness and by the farmers' perceived risk.
double farmer_ask_yuan(const World& w, double reservation_yuan);

/// The farmer opens one card in their own name; kNone when refused.
uint32_t open_farmer_card(World& w, Stream& s, uint32_t person, int32_t broker);

/// Records in the holder's own record that a card was registered to their
/// identity without them; true the first time (the caller counts it in
/// identities_misused: this touches nothing but the record, so that blocks
/// of holders can mark theirs at once).
bool mark_misused(World& w, uint32_t identity);

/// Chance that one fraud attempt on a person of this group becomes a case.
double deception_probability(const World& w, VictimGroup g);

}  // namespace cardsim
