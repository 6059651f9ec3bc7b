// Carrier: activation checks (the controls that refuse cards), commissions,
// number monitoring and shutdowns, and audits of dealer outlets.
#pragma once

#include "core/activation_checks.h"
#include "core/world.h"

namespace cardsim {

// The checks themselves, in rank order (dealer cap, outlet velocity, per-ID
// cap, identity velocity, remote rule, face check), are the built-in entries
// of the activation-check registry: builtin_activation_checks(), defined in
// carrier.cpp. check_activation() (core/activation_checks.h) runs them.

/// Counts an accepted activation against the outlet's and identity's windows.
void count_activation(World& w, uint32_t identity, uint32_t outlet);

/// Whether the checks in force read nothing of an outlet but its region: the
/// dealer cap and the velocity check read and count outlets' windows, and a
/// check registered at run time may touch any state. Then activations of
/// blocks of holders can be checked at once even at outlets that other
/// blocks use, each outlet counted afterwards (production's activations on
/// records, honest customers asking in another region).
bool checks_read_no_outlet_counts(const Params& p);

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
/// That hazard for a card of `channel`: raised cards, which look normally
/// used, times controls.monitoring.raised_factor.
double fraud_card_hazard(const Params& p, Channel channel);

/// Shuts a card in fraud use or being raised, with clawback; used by monitoring.
/// With controls.police.lead_prob the card becomes a police lead.
void shut_for_fraud(World& w, uint32_t card);
/// Shuts one honest card of a random holder who has one (monitoring's false
/// positives, holders who miss a re-verification); false when the bounded
/// search of kHolderSearchDraws holders finds none.
bool shut_one_honest_card(World& w, Stream& s);

/// A number reported by a victim or the police (report: the case's arrival
/// number, which keys the draw): with controls.reported_shutdown.share its
/// carrier shuts it controls.reported_shutdown.delay_days later (ShutReported).
void number_reported(World& w, uint32_t card, uint64_t report);

}  // namespace cardsim
