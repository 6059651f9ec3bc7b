#include "core/ledger.h"

#include <cmath>
#include <iterator>
#include <utility>

namespace cardsim {

void Ledger::layout(int carriers, int insiders, int brokers, int rings, int sim_banks) {
  carrier0_ = uint32_t(Pool::Count);
  insider0_ = carrier0_ + uint32_t(carriers);
  broker0_ = insider0_ + uint32_t(insiders);
  ring0_ = broker0_ + uint32_t(brokers);
  sim_bank0_ = ring0_ + uint32_t(rings);
  balance_.assign(sim_bank0_ + uint32_t(sim_banks), 0.0);
  party_.assign(balance_.size(), uint8_t(Party::Merchants));
  for (uint32_t a = 0; a < carrier0_; ++a) party_[a] = uint8_t(a);  // pools and parties share their first ids
  static_assert(int(Pool::Count) == int(Party::Carriers), "each pool is the party of the same number");
  const std::pair<uint32_t, Party> firsts[] = {{carrier0_, Party::Carriers}, {insider0_, Party::Insiders},
                                               {ring0_, Party::Rings}, {sim_bank0_, Party::SimBanks}};
  const uint32_t ends[] = {insider0_, broker0_, sim_bank0_, uint32_t(balance_.size())};
  for (std::size_t k = 0; k < std::size(firsts); ++k)
    for (uint32_t a = firsts[k].first; a < ends[k]; ++a) party_[a] = uint8_t(firsts[k].second);
}

const char* party_name(Party p) {
  static const char* kNames[] = {"victims",  "farmers",  "State",     "platforms",      "suppliers",
                                 "dealers",  "code clients", "account sellers", "kit collectors", "banks", "carriers", "insiders", "merchants",
                                 "record sellers", "raisers", "organisers", "rings", "SIM banks"};
  static_assert(std::size(kNames) == std::size_t(kPartyCount));
  return kNames[int(p)];
}

double Ledger::net_today(Party p) const {
  double in = 0, out = 0;
  for (int q = 0; q < kPartyCount; ++q) {
    in += flow_[q][int(p)];
    out += flow_[int(p)][q];
  }
  return in - out;
}

double Ledger::party_balance(Party p) const {
  double s = 0;
  for (std::size_t a = 0; a < balance_.size(); ++a)
    if (party_[a] == uint8_t(p)) s += balance_[a];
  return s;
}

void Ledger::open_day() {
  for (int p = 0; p < kPartyCount; ++p) at_open_[p] = 0;
  for (std::size_t a = 0; a < balance_.size(); ++a) at_open_[party_[a]] += balance_[a];
  for (auto& row : flow_)
    for (double& f : row) f = 0;
  day_opened_ = true;
}

Role Ledger::role_of(uint32_t a) const {
  if (a >= sim_bank0_) return Role::SimBank;
  if (a >= ring0_) return Role::Ring;
  if (a >= broker0_) return Role::Broker;
  if (a >= insider0_) return Role::Insider;
  if (a >= carrier0_) return Role::Carrier;
  return Role::Pool;
}

std::string Ledger::name_of(uint32_t a) const {
  static const char* kRoles[] = {"pool", "carrier", "insider", "broker", "ring", "SIM bank"};
  const uint32_t first[] = {0, carrier0_, insider0_, broker0_, ring0_, sim_bank0_};
  static_assert(std::size(kRoles) == std::size_t(Role::Count));
  const int role = int(role_of(a));
  return std::string(kRoles[role]) + " " + std::to_string(a - first[role]);
}

double Ledger::transfer(uint32_t from, uint32_t to, double amount) {
  balance_[from] -= amount;
  balance_[to] += amount;
  receipts_[int(role_of(to))] += amount;
  flow_[party_[from]][party_[to]] += amount;
  moved_ += std::fabs(amount);
  return amount;
}

double Ledger::sum() const {
  double s = 0;
  for (double b : balance_) s += b;
  return s;
}

double Ledger::take_receipts(Role role) {
  const double r = receipts_[int(role)];
  receipts_[int(role)] = 0;
  return r;
}

}  // namespace cardsim
