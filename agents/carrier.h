// Carrier: activation checks (the controls that refuse cards), commissions,
// number monitoring and shutdowns, and audits of dealer outlets.
#pragma once

#include "core/world.h"

namespace cardsim {

enum class Refusal : uint8_t { None = 0, IdCap, Remote, Liveness, Velocity, DealerCap };

struct ActivationAttempt {
  uint32_t identity = kNone;
  uint32_t outlet = kNone;
  bool person_present = true;  // the identity's owner is at the counter (honest or farmer)
  bool reused_photo = false;   // a harvested photo stands in for a live face
  bool insider_login = false;  // done inside the dealer system by an insider (no face check)
  bool location_edit = false;  // a shared login can rewrite the activation location
};

/// Runs every activation check in force today. Does not change state.
Refusal check_activation(World& w, Stream& s, const ActivationAttempt& a);

/// Counts an accepted activation against the outlet's and identity's windows.
void count_activation(World& w, uint32_t identity, uint32_t outlet);

/// Counts a white-card requisition against the outlet's dealer cap; false when capped.
bool requisition_white_card(World& w, uint32_t outlet);

/// Queues the dealer commission of an activation for payout after the delay.
void schedule_commission(World& w, uint32_t card);
void schedule_honest_commission(World& w, uint32_t outlet);

// Phases.
void pay_commissions(World& w);
void monitor_cards(World& w);
void audit_outlets(World& w);

/// Daily detection chance of a card in fraud use: controls.monitoring.hazard
/// (times strength) at the reference use, growing with the attempts a card
/// makes a day as if each reference day's worth of attempts were a separate
/// chance of being flagged (F10: the system scores call frequency).
double fraud_use_hazard(const Params& p);

/// Shuts a card in fraud use or being raised, with clawback; used by monitoring.
void shut_for_fraud(World& w, uint32_t card);

}  // namespace cardsim
