#include "core/simulation.h"

#include "core/block_pool.h"

#include <algorithm>
#include <chrono>

#include "agents/bank.h"
#include "agents/broker.h"
#include "agents/card_market.h"
#include "agents/carrier.h"
#include "agents/citizen.h"
#include "agents/farmer_pool.h"
#include "agents/insider.h"
#include "agents/police.h"
#include "agents/regional_crackdown.h"
#include "agents/reverification.h"
#include "agents/scammer.h"
#include "agents/sim_bank.h"
#include "core/interrupt.h"
#include "core/invariants.h"
#include "core/market.h"
#include "core/memory.h"

#include <utility>

namespace cardsim {
namespace {

void adapt(World& w) {
  update_prices(w);
  update_bank_prices(w);  // two cards: off, it does nothing
  adapt_merchants(w);
  const double keep = 1.0 - w.p.risk_decay;
  w.risk.farmer *= keep;
  w.risk.insider *= keep;
  w.risk.merchant *= keep;
}

// ---- income by role: each party's net flow today, from the ledger ----
void record_income_by_role(World& w) {
  static constexpr std::pair<Metric, Party> kIncomes[] = {
      {Metric::net_income_farmers_yuan, Party::Farmers},     {Metric::net_income_insiders_yuan, Party::Insiders},
      {Metric::net_income_merchants_yuan, Party::Merchants}, {Metric::net_income_record_sellers_yuan, Party::RecordSellers},
      {Metric::net_income_raisers_yuan, Party::Raisers},     {Metric::net_income_organisers_yuan, Party::Organisers},
      {Metric::net_income_sim_banks_yuan, Party::SimBanks},  {Metric::net_income_rings_yuan, Party::Rings},
      // two cards (agents/bank.cpp): zero with the module off
      {Metric::bank_income_account_sellers_yuan, Party::AccountSellers},
      {Metric::bank_income_collectors_yuan, Party::Collectors}};
  for (const auto& [metric, party] : kIncomes) w.recorder.add(metric, w.ledger.net_today(party));
  double to_farmers = 0;
  for (int payer = 0; payer < kPartyCount; ++payer) to_farmers += w.ledger.flow_today(Party(payer), Party::Farmers);
  w.recorder.add(Metric::pay_to_farmers_yuan, to_farmers);
}
// ---- end income by role ----

void record_day(World& w) {
  Recorder& r = w.recorder;
  r.set(Metric::price_farmer_yuan, w.market.price_farmer);
  r.set(Metric::price_white_yuan, w.market.price_white);
  r.set(Metric::price_record_yuan, w.market.price_record);
  r.set(Metric::price_face_record_yuan, w.p.records_by_profit ? w.market.price_face_record : w.market.price_record);
  r.set(Metric::price_scammer_yuan, w.market.price_scammer);
  r.set(Metric::merchant_risk_cost_yuan, std::min(1e9, merchant_risk_cost_yuan(w)));
  r.set(Metric::merchant_farmer_ceiling_yuan, merchant_farmer_ceiling_yuan(w));
  for (const CardUseSpec& u : kCardUses) r.set(u.held, double(w.cards_by_use[std::size_t(u.use)]));
  double willing = 0;
  for (int64_t n : w.farmer_pool.willing) willing += double(n);
  r.set(Metric::farmer_pool, willing);
  r.set(Metric::farmer_pool_median_reservation_yuan, pool_median_reservation_yuan(w));
  r.set(Metric::police_queue, double(w.police_cases.waiting()));
  r.set(Metric::police_queue_age_days, mean_case_age_days(w));
  r.set(Metric::cards_dormant, double(dormant_cards(w)));
  r.set(Metric::cards_in_transit, double(w.cards_by_state[std::size_t(CardState::InTransit)]));
  double active = 0;
  for (std::size_t i = 0; i < w.insiders.outlet.size(); ++i)
    active += insider_active(w, int32_t(i));
  r.set(Metric::insiders_active, active);
  r.add(Metric::income_insider_yuan, w.ledger.take_receipts(Role::Insider));
  r.add(Metric::income_broker_yuan, w.ledger.take_receipts(Role::Broker));
  w.ledger.take_receipts(Role::Pool);
  w.ledger.take_receipts(Role::Carrier);
  w.ledger.take_receipts(Role::Ring);
  w.ledger.take_receipts(Role::SimBank);
  record_income_by_role(w);
  record_bank_day(w);
  r.end_day(w.day);
}

}  // namespace

const std::vector<PhaseEntry>& daily_phases() {
  static const std::vector<PhaseEntry> phases = {
      {Phase::Commissions, "commissions", pay_commissions},
      {Phase::Records, "records", harvest_records},
      {Phase::Insiders, "insiders", insiders_act},
      {Phase::HonestDemand, "honest_demand", honest_demand},
      {Phase::Production, "production", produce_cards},
      {Phase::Market, "market", buyers_buy_cards},
      {Phase::Bank, "bank_market", bank_market},  // two cards: rings buy kits, collectors buy accounts
      {Phase::Fraud, "fraud", rings_commit_fraud},
      {Phase::Bank, "bank_monitoring", banks_monitor_accounts},  // two cards: freezes, then cash-out
      {Phase::SimBanks, "sim_banks", sim_banks_receive_codes},
      {Phase::Monitoring, "monitoring", monitor_cards},
      {Phase::Actions, "actions", take_actions_of_the_day},
      {Phase::Police, "police", trace_cases},
      {Phase::Police, "regional_crackdown", crack_down_in_region},  // regions that trade: a provincial campaign
      {Phase::Audits, "audits", audit_outlets},
      {Phase::Entry, "entry", rings_enter_and_exit},
      {Phase::Entry, "merchant_entry", merchants_enter_and_exit},  // the rings' rule for merchants (agents/entry.h)
      {Phase::Entry, "insider_entry", insiders_enter_and_exit},    // and for insiders
      {Phase::Entry, "broker_entry", brokers_enter_and_exit},      // and for raisers, record suppliers, organisers
      {Phase::Adaptation, "adaptation", adapt},
  };
  return phases;
}

std::unique_ptr<World> build_world(const Scenario& scenario, uint64_t seed, uint64_t replicate) {
  auto w = std::make_unique<World>(scenario.params, seed, replicate);
  init_broker_expectations(*w);
  init_ring_expectations(*w);
  init_insider_expectations(*w);
  return w;
}

namespace {

/// The day's phases with the wall time of each added to `times`.
void run_phases_timed(World& w, PhaseTimes& times) {
  using Clock = std::chrono::steady_clock;
  const auto& phases = daily_phases();
  times.seconds.resize(phases.size(), 0.0);
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const auto start = Clock::now();
    phases[i].run(w);
    times.seconds[i] += std::chrono::duration<double>(Clock::now() - start).count();
  }
  times.days++;
}

/// Sizes the card arrays for the rest of the run once its first days show
/// how fast the market makes cards. Each card is a push onto every card
/// array, and each doubling of an array copied it whole into fresh pages:
/// a few percent of a national year, on one thread whatever the threads. On
/// day kAt the rate is read from the cards made since day kFrom (the first
/// week, when merchants stock up, is left out; cards lie in the arrays in
/// the order they were made), and the arrays are reserved for it
/// over the days left, with kSpare room to spare, never beyond the memory
/// estimate's bound on cards (estimate_card_count). Capacity only: results
/// do not change, and reserved pages never written take no memory.
void plan_card_arrays(World& w) {
  constexpr int64_t kFrom = 8, kAt = 16;
  constexpr double kSpare = 1.25;
  if (w.day != kAt) return;
  const auto& made_on = w.cards.activation_day;
  const auto since = std::partition_point(made_on.begin(), made_on.end(), [](int32_t d) { return d < kFrom; });
  const double per_day = double(made_on.end() - since) / double(kAt - kFrom);
  const double days_left = double(int64_t(w.horizon()) - kAt);
  const double wanted = double(w.cards.size()) + kSpare * per_day * days_left;
  const uint64_t bound = std::min<uint64_t>(estimate_card_count(w.p), UINT32_MAX);
  const auto cards = std::size_t(std::min(wanted, double(bound)));
  if (cards > w.cards.state.capacity()) w.reserve_cards(cards);
}

}  // namespace

void run_days(World& w, const Scenario& scenario, int64_t until, const RunOptions& options) {
  BlockPool pool(std::max(1, options.threads_inside));
  w.block_pool = pool.threads() > 1 ? &pool : nullptr;
  struct Release {  // the world must not keep the pool's address past this call, even on an exception
    World& w;
    ~Release() { w.block_pool = nullptr; }
  } release{w};
  for (; w.day < until; ++w.day) {
    stop_if_interrupted(w.day);  // between days every structure is consistent
    w.p = params_on_day(scenario, w.day);  // scheduled changes take effect at day start
    plan_card_arrays(w);
    w.actions = &scenario.actions;
    w.market.clear_tallies();
    w.ledger.open_day();
    if (options.phase_times)
      run_phases_timed(w, *options.phase_times);
    else
      for (const auto& phase : daily_phases()) phase.run(w);
    if (options.check_invariants) check_invariants(w);
    record_day(w);
  }
}

std::unique_ptr<World> run_replicate(const Scenario& scenario, uint64_t seed, uint64_t replicate,
                                     const RunOptions& options) {
  auto w = build_world(scenario, seed, replicate);
  run_days(*w, scenario, scenario.params.days, options);
  return w;
}

}  // namespace cardsim
