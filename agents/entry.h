// Entry and exit by profit (docs/model.md 7.3): the one rule shared by every
// kind whose places are filled by profit (rings, merchants, insiders, raisers,
// record suppliers, organisers). A kind declares a
// number of places (its density); each place is worked or empty. A working
// holder keeps a moving average of its daily profit and leaves after a run of
// losing days; candidates for an empty place take it when they expect enough
// profit, and start work after a delay.
#pragma once

#include <cstdint>
#include <vector>

#include "core/world.h"
#include "scenario/params.h"

namespace cardsim {

/// One kind's rule, read from its parameters (scammers.entry.*, brokers.entry.*).
struct EntryRule {
  bool enabled = false;
  double entry_threshold_yuan = 0;  // per day: expected profit at which candidates enter
  double exit_threshold_yuan = 0;   // per day: recent profit below which a day counts as losing
  int64_t delay_days = 0;           // from the decision to enter to the first day of work
  int64_t exit_days = 1;            // losing days in a row after which the holder leaves
  int64_t window_days = 1;          // memory of the moving average (weight 1 / this per day)
};

EntryRule ring_entry_rule(const Params& p);
EntryRule merchant_entry_rule(const Params& p);
EntryRule insider_entry_rule(const Params& p);
/// The rule of a broker kind: brokers.entry.* for merchants, raising.entry.*
/// for raisers, records.entry.* for labour agencies and data sellers,
/// organisers.entry.* for organisers.
EntryRule broker_entry_rule(const Params& p, BrokerKind kind);

/// Today's profit of a holder whose profit is the change of its ledger
/// balance: the balance now less `seen`, which becomes the balance now.
double balance_change_since(const World& w, uint32_t account, double& seen);

/// One place's memory of its profit: references into its kind's arrays.
struct PlaceProfit {
  double& recent_yuan;   // moving average of daily profit, yuan per day
  int32_t& losing_days;  // consecutive days with the average below the exit threshold
};

/// Today's profit enters the place's moving average; with the rule on, a day
/// with the average below the exit threshold counts as losing (any other day
/// resets the count). Returns true when the holder leaves today: on the
/// exit_days-th losing day in a row (never with the rule off).
bool leaves_by_profit(const EntryRule& rule, PlaceProfit place, double profit_today_yuan);

/// Whether candidates who expect `expected_yuan` a day take an empty place.
inline bool enters_by_profit(const EntryRule& rule, double expected_yuan) {
  return expected_yuan >= rule.entry_threshold_yuan;
}

/// Candidates decided today to take an empty place: it is no longer empty, they
/// start work `delay_days` later, their expectation is their first view of
/// their recent profit and no day has been losing yet.
void take_place(const EntryRule& rule, int64_t today, double expected_yuan, PlaceProfit place, int32_t& absent_until,
                uint8_t& vacant);

/// The holder leaves its place: the cards it held (a ring's fleet, a merchant's
/// stock) are abandoned (Expired, their per-ID cap slots freed), the place is
/// empty, waiting for candidates (the same people, record kept), and the exit
/// is counted in `exits`.
void leave_place(World& w, std::vector<uint32_t>& cards, PlaceProfit place, uint8_t& vacant, Metric exits);

/// A kind's day in phase Entry: holders at work and their profit.
struct PlaceTally {
  double working = 0, profit_yuan = 0;
};

/// One holder at work today: counts its start in `entries` (its first day of
/// work is today, after day 0), adds its profit to `tally`, and, when
/// leaves_by_profit says so, calls `leave()`; otherwise counts it working.
template <class Leave>
void holder_works_a_day(World& w, const EntryRule& rule, PlaceProfit place, int32_t first_day, double profit_yuan,
                        Metric entries, PlaceTally& tally, Leave&& leave) {
  if (first_day == w.day && w.day > 0) w.recorder.add(entries, 1);
  tally.profit_yuan += profit_yuan;
  if (leaves_by_profit(rule, place, profit_yuan))
    leave();
  else
    tally.working += 1;
}

/// Records a kind's day: its profit (a flow) and the holders at work (a level).
inline void record_places(World& w, const PlaceTally& tally, Metric profit, Metric working) {
  w.recorder.add(profit, tally.profit_yuan);
  w.recorder.set(working, tally.working);
}

}  // namespace cardsim
