// Supply channels: the Channel enum, one spec per channel and the switches,
// generated from channels.def so that each channel is declared exactly once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "core/metrics.h"
#include "scenario/params.h"

namespace cardsim {

/// Supply channel that made a criminal card.
enum class Channel : uint8_t {
#define CHANNEL(id, ...) id,
#include "core/channels.def"
#undef CHANNEL
  Count
};
constexpr int kChannelCount = int(Channel::Count);

/// The kind of broker that makes a channel's cards.
enum class Maker : uint8_t { Merchant, Raiser };

/// One row of channels.def.
struct ChannelSpec {
  Channel channel;
  const char* key;        // channels.KEY.enabled switches it
  const char* label;      // plural noun for tables and figures
  bool Params::*enabled;  // that switch
  Maker maker;
  Metric activated;  // counts the channel's cards as they are made
  Metric share;      // the supply share its sales count in
};

inline constexpr ChannelSpec kChannels[] = {
#define SHARE(metric, description) Metric::metric
#define SHARE_COUNTED_IN(metric) Metric::metric
#define CHANNEL(id, key, label, enabled, maker, produce, activated, description, share) \
  {Channel::id, key, label, &Params::enabled, Maker::maker, Metric::activated, share},
#include "core/channels.def"
#undef CHANNEL
#undef SHARE
#undef SHARE_COUNTED_IN
};
static_assert(std::size(kChannels) == std::size_t(kChannelCount));

/// The share metrics of cards sold to rings, one per channel that has its own.
inline constexpr Metric kShareMetrics[] = {
#define SHARE(metric, description) Metric::metric,
#define SHARE_COUNTED_IN(metric)
#define CHANNEL(id, key, label, enabled, maker, produce, activated, description, share) share
#include "core/channels.def"
#undef CHANNEL
#undef SHARE
#undef SHARE_COUNTED_IN
};

constexpr bool share_is_declared(Metric m) {
  for (Metric s : kShareMetrics)
    if (s == m) return true;
  return false;
}

constexpr bool every_channel_has_a_declared_share() {
  for (const ChannelSpec& c : kChannels)
    if (!share_is_declared(c.share)) return false;
  return true;
}
static_assert(every_channel_has_a_declared_share(),
              "channels.def: SHARE_COUNTED_IN names a metric that no channel declares with SHARE");

constexpr int count_channels_made_by(Maker maker) {
  int n = 0;
  for (const ChannelSpec& c : kChannels) n += c.maker == maker;
  return n;
}

/// Merchants split their orders among these channels, in table order; a
/// merchant's weights and profit memories are indexed by position in it.
constexpr int kProductionChannels = count_channels_made_by(Maker::Merchant);

constexpr std::array<Channel, kProductionChannels> merchant_channels() {
  std::array<Channel, kProductionChannels> out{};
  std::size_t n = 0;
  for (const ChannelSpec& c : kChannels)
    if (c.maker == Maker::Merchant) out[n++] = c.channel;
  return out;
}
inline constexpr std::array<Channel, kProductionChannels> kMerchantChannels = merchant_channels();

constexpr const ChannelSpec& channel_spec(Channel c) { return kChannels[int(c)]; }

inline bool channel_enabled(const Params& p, Channel c) { return p.*channel_spec(c).enabled; }

}  // namespace cardsim
