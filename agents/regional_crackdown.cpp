#include "agents/regional_crackdown.h"

#include "agents/police.h"

namespace cardsim {

void crack_down_in_region(World& w) {
  const int64_t region = w.p.crackdown_region;
  if (region < 0 || w.p.crackdown_arrest_rate <= 0) return;
  for (BrokerKind kind : {BrokerKind::Merchant, BrokerKind::Raiser})
    for (int32_t b : w.brokers.all(kind)) {
      if (w.brokers.region[std::size_t(b)] != region || !w.broker_present(b)) continue;
      Stream s = w.stream(Phase::Police, kCrackdownEntity + uint64_t(b));
      if (s.bernoulli(w.p.crackdown_arrest_rate)) arrest_broker(w, s, b);
    }
}

}  // namespace cardsim
