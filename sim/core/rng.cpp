#include "core/rng.h"

#include <algorithm>

namespace cardsim {

int64_t Stream::poisson(double lambda) {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    // Knuth's multiplication method; fine for small means.
    const double limit = std::exp(-lambda);
    int64_t k = 0;
    double prod = uniform();
    while (prod > limit) {
      ++k;
      prod *= uniform();
    }
    return k;
  }
  // Hormann's PTRS transformed rejection for large means.
  const double slam = std::sqrt(lambda);
  const double loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return int64_t(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - std::lgamma(k + 1))
      return int64_t(k);
  }
}

int64_t Stream::binomial(int64_t n, double p) {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p);
  const double mean = double(n) * p;
  if (n < 64) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; ++i) k += uniform() < p;
    return k;
  }
  if (mean < 30) {
    // Inversion by sequential search: cost grows with the mean, not with n.
    const double q = 1 - p;
    const double s = p / q;
    double f = std::pow(q, double(n));
    double u = uniform();
    int64_t k = 0;
    while (u > f && k < n) {
      u -= f;
      f *= s * double(n - k) / double(k + 1);
      ++k;
    }
    return k;
  }
  // Large mean: normal approximation, clamped to the support.
  const double sd = std::sqrt(mean * (1 - p));
  const double x = std::floor(mean + sd * normal() + 0.5);
  return std::clamp<int64_t>(int64_t(x), 0, n);
}

}  // namespace cardsim
