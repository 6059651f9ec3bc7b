#include "agents/sim_bank.h"

#include "agents/card_market.h"

#include <algorithm>
#include <cassert>

namespace cardsim {

double sim_bank_hazard(const Params& p, Channel) {
  return std::min(1.0, p.sim_banks_detection_hazard * p.monitoring_strength);
}

double sim_bank_card_life_days(const Params& p) {
  return expected_life_days(sim_bank_hazard(p, Channel::Farmer), double(p.sim_banks_horizon_days));
}

double sim_bank_card_value_yuan(const Params& p) {
  return p.sim_banks_codes_per_card_day * p.sim_banks_fee_per_code_yuan * sim_bank_card_life_days(p);
}

double sim_bank_demand(const World& w, int32_t bank) { return sim_bank_demand_at(w, bank, w.market.price_scammer); }

double sim_bank_demand_at(const World& w, int32_t bank, double price_yuan) {
  const auto b = std::size_t(bank);
  if (!w.sim_bank_present(bank)) return 0;
  // An operator back from a sentence runs a smaller rack (World::restraint).
  // Cards in the post to it count as held (regions that trade).
  return demand_from_margin(sim_bank_card_value_yuan(w.p), price_yuan,
                            w.p.sim_banks_cards_per_margin * w.restraint(w.sim_banks.convictions[b]),
                            w.sim_banks.fleet[b].size() + w.cards_coming(CardUse::SimBank, bank));
}

void replace_sim_bank(World& w, int32_t bank) {
  const auto b = std::size_t(bank);
  assert(w.sim_banks.fleet[b].empty());  // the raid seized the rack
  w.sim_banks.absent_until[b] = int32_t(w.day + w.p.sim_banks_replacement_days);
  w.sim_banks.convictions[b] = 0;  // a newcomer, with no record
}

void sim_bank_serves_sentence(World& w, int32_t bank, int64_t sentence_days) {
  const auto b = std::size_t(bank);
  const int32_t record = w.sim_banks.convictions[b];
  replace_sim_bank(w, bank);
  return_after_sentence(w.day, sentence_days, record, w.sim_banks.absent_until[b], w.sim_banks.convictions[b]);
}

void sim_bank_takes_card(World& w, int32_t bank, int32_t seller, uint32_t) {
  w.ledger.transfer(w.ledger.sim_bank(bank), w.ledger.broker(seller), w.market.price_scammer);
}

void sim_banks_receive_codes(World& w) {
  for (std::size_t b = 0; b < w.sim_banks.fleet.size(); ++b) {
    const auto cards = double(w.sim_banks.fleet[b].size());
    if (cards == 0) continue;
    Stream s = w.stream(Phase::SimBanks, b);
    const auto codes = double(s.poisson(cards * w.p.sim_banks_codes_per_card_day));
    w.recorder.add(Metric::sim_bank_codes_received, codes);
    w.ledger.transfer(w.ledger.pool(Pool::CodeClients), w.ledger.sim_bank(int(b)), codes * w.p.sim_banks_fee_per_code_yuan);
  }
}

}  // namespace cardsim
