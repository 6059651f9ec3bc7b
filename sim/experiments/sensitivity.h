// Sensitivity indices from sobol and morris sweeps: Sobol first-order
// (Saltelli 2010) and total (Jansen 1999) indices with bootstrap intervals,
// and Morris elementary-effect statistics mu*, mu and sigma.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace cardsim {

struct SobolIndices {
  // One entry per parameter; *_lo/*_hi bound the 90% bootstrap interval.
  Eigen::VectorXd first, first_lo, first_hi;
  Eigen::VectorXd total, total_lo, total_hi;
  double first_sum = 0, first_sum_lo = 0, first_sum_hi = 0;  // sum of S1 over parameters, 90% interval
};

/// `y` holds the outputs of a Saltelli design in its row order (for each base
/// sample: A, B, then AB_j for j = 0..k-1). First order: Saltelli et al.
/// (2010, table 2 b) on outputs centred by the mean of the A and B outputs,
/// so that the indices do not change when a constant is added to the output
/// or it is multiplied by one; total: Jansen (1999). Both divide by the
/// variance of the A and B outputs together. NaN indices when y is constant.
SobolIndices sobol_indices(const Eigen::VectorXd& y, int64_t samples, int k, int bootstrap, uint64_t seed);

/// How far a metric's Sobol' indices can be trusted.
struct SobolCheck {
  bool insensitive = false;             // no indices: the output hardly varies beyond replicate noise
  std::vector<std::string> warnings;    // each a sentence
  int64_t samples_needed = 0;           // base samples for 90% intervals within the threshold; 0 when met
};

/// Reliability of indices from `samples` base samples: warns when a 90%
/// interval is wider than `max_width`, when S1 lies below -h or above ST + h
/// (h: half the width of S1's interval) for a parameter, or when the sum of
/// S1 exceeds 1 beyond its interval. `noise_share` (NaN when unknown) is the
/// share of the variance of the outputs that replicate noise explains; from
/// kNoiseShareInsensitive on the output counts as insensitive.
SobolCheck check_sobol(const SobolIndices& s, const std::vector<std::string>& parameters, int64_t samples,
                       double noise_share, double max_width);

/// Outputs whose variance is at least this share replicate noise have no
/// parameter-driven variance worth decomposing.
constexpr double kNoiseShareInsensitive = 0.5;

/// Share of the variance of per-point means that replicate noise explains:
/// the mean within-point variance over replicates divided by the number of
/// replicates, over the variance of the point means (capped at 1). `totals`
/// is [point * replicates + replicate]. NaN with one replicate.
double replicate_noise_share(const std::vector<double>& totals, int64_t points, int64_t replicates);

struct MorrisIndices {
  Eigen::VectorXd mu_star, mu, sigma;  // per parameter
};

/// `unit_design` holds r trajectories of k+1 rows on [0, 1]^k (consecutive
/// rows differ in one column); `y` the output of each row.
MorrisIndices morris_indices(const Eigen::MatrixXd& unit_design, const Eigen::VectorXd& y, int64_t trajectories);

struct SensitivityOptions {
  int bootstrap = 500;          // resamples for the 90% intervals
  double max_width = 0.1;       // widest acceptable 90% interval of a Sobol' index
  std::vector<std::string> show;  // metrics whose tables are printed (all when empty)
};

/// `cardsim sensitivity FILE`: computes the indices of every output metric
/// (mean over replicates), checks them (SobolCheck), writes /sensitivity into
/// the file (atomically) and prints the tables of the metrics in `show`, the
/// replicate noise, and a line for every metric with a warning.
void sensitivity_command(const std::string& path, const SensitivityOptions& options, std::ostream& out);

}  // namespace cardsim
