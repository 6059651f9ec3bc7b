// Quasi-random and stratified pieces of sweep designs: the digitally shifted
// Sobol' sequence behind `kind: sobol`, and the mapping of unit values onto
// whole-number and choice parameters so that each value is equally likely.
#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "experiments/sweep_spec.h"

namespace cardsim {
namespace {

// The shift words come from their own stream family, apart from the designs'
// Latin hypercubes and Morris trajectories and from every replicate's.
constexpr uint64_t kSobolShiftStream = 0x534f424f4cull;  // "SOBOL"

/// Boost's generator yields 64-bit integers; the top 53 bits plus half an ulp
/// give a double strictly inside (0, 1), as Stream::uniform does.
double unit_from_bits(uint64_t bits) { return (double(bits >> 11) + 0.5) * 0x1.0p-53; }

}  // namespace

std::vector<uint64_t> sobol_shift(std::size_t dims, uint64_t seed) {
  Stream rng(seed, kSobolShiftStream, 0, Phase::Init, 0);
  std::vector<uint64_t> words(dims);
  for (auto& w : words) w = rng.next_u64();
  return words;
}

std::vector<double> sobol_unit(int64_t n, std::size_t dims, uint64_t seed) {
  if (dims == 0 || dims > kSobolMaxDimensions)
    throw InputError("a Sobol' sequence has 1 to " + std::to_string(kSobolMaxDimensions) + " dimensions, not " +
                     std::to_string(dims));
  // Boost's generator starts at the sequence's second point (it skips the
  // all-zero one); the first 2^m points are balanced only with that point,
  // so it comes first here. Shifted, it is no longer on the cube's corner.
  boost::random::sobol gen(dims);
  const std::vector<uint64_t> shift = sobol_shift(dims, seed);
  std::vector<double> out(std::size_t(n) * dims);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const uint64_t point = i < dims ? 0 : uint64_t(gen());
    out[i] = unit_from_bits(point ^ shift[i % dims]);
  }
  return out;
}

std::size_t stratified_choice(double u, std::size_t values, int64_t strata) {
  const auto k = uint128_t(values);
  if (strata <= 0 || k > uint128_t(strata)) {
    // More values than strata: the unit value itself picks one, uniformly.
    return std::min(std::size_t(std::floor(u * double(values))), values - 1);
  }
  // Fewer values than strata: stratum s takes value floor((s + 1/2) K / n),
  // so every value gets n/K strata, give or take one, whatever the jitter.
  const auto s = uint128_t(std::clamp<int64_t>(int64_t(std::floor(u * double(strata))), 0, strata - 1));
  return std::size_t(((2 * s + 1) * k) / (2 * uint128_t(strata)));
}

}  // namespace cardsim
