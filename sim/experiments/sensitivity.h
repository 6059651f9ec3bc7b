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
};

/// `y` holds the outputs of a Saltelli design in its row order (for each base
/// sample: A, B, then AB_j for j = 0..k-1). NaN indices when y is constant.
SobolIndices sobol_indices(const Eigen::VectorXd& y, int64_t samples, int k, int bootstrap, uint64_t seed);

struct MorrisIndices {
  Eigen::VectorXd mu_star, mu, sigma;  // per parameter
};

/// `unit_design` holds r trajectories of k+1 rows on [0, 1]^k (consecutive
/// rows differ in one column); `y` the output of each row.
MorrisIndices morris_indices(const Eigen::MatrixXd& unit_design, const Eigen::VectorXd& y, int64_t trajectories);

/// `cardsim sensitivity FILE`: computes the indices of every output metric
/// (mean over replicates), writes /sensitivity into the file (atomically) and
/// prints a table of the metrics in `show` (all when empty).
void sensitivity_command(const std::string& path, int bootstrap, const std::vector<std::string>& show,
                         std::ostream& out);

}  // namespace cardsim
