// Sweep specs: a base scenario, overrides for every point, replicates, and a
// design over registry parameters (grid, Latin hypercube, Saltelli/Sobol,
// Morris). The design is a pure function of the spec, so every rank, shard
// and resumed process computes the same points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace cardsim {

enum class DesignKind { Grid, Lhs, Sobol, Morris };

const char* design_kind_name(DesignKind kind);
DesignKind design_kind_from_name(const std::string& name);  // throws InputError

/// The design matrix and what is needed to interpret it.
struct Design {
  DesignKind kind = DesignKind::Grid;
  std::vector<std::string> parameters;  // column names (registry keys)
  std::vector<double> lower, upper;     // per column: range (lhs/sobol/morris), min/max of values (grid)
  int64_t samples = 0;                  // lhs: points; sobol: base samples N
  int64_t trajectories = 0;             // morris
  int64_t levels = 0;                   // morris
  int64_t points = 0;                   // rows
  std::vector<double> values;           // row-major [point, parameter]

  std::size_t columns() const { return parameters.size(); }
  double at(int64_t point, std::size_t column) const {
    return values[std::size_t(point) * columns() + column];
  }
};

struct SweepSpec {
  std::string path;     // the spec file
  std::string name;     // `name:`, else the file's stem: names the default output
  std::string text;     // its text, stored in every output
  Scenario base;        // base scenario with `set:` applied
  int64_t replicates = 1;
  uint64_t seed = 1;
  Design design;
  std::vector<int> series;  // metrics whose daily series are kept
  uint64_t largest_world_bytes = 0;  // the largest estimate_world_bytes of any design point
};

/// Loads, validates and expands a sweep spec file. Throws InputError naming
/// file, line and key.
SweepSpec load_sweep_spec(const std::string& path);

/// Same, from text; `origin` names it in messages and `base_dir` resolves `base:`.
SweepSpec load_sweep_spec_text(const std::string& text, const std::string& origin,
                               const std::string& base_dir);

/// Memory the sweep needs with `parallel` worlds at once: the largest
/// point's world each, every task's record and the design (saturating).
uint64_t estimate_sweep_bytes(const SweepSpec& spec, int parallel);

/// The scenario of one design point: the base with the row's values applied.
Scenario point_scenario(const SweepSpec& spec, int64_t point);

/// Stable hash of everything that determines a sweep's numbers (resolved
/// base, design matrix, seed, replicates, kept series). Shards and journals
/// of different specs never mix.
uint64_t sweep_hash(const SweepSpec& spec);

// ---- designs on the unit hypercube (exposed for tests and sensitivity) ----

/// Latin hypercube: n rows, k columns in (0, 1); each column hits every one
/// of the n strata once.
std::vector<double> lhs_unit(int64_t n, std::size_t k, uint64_t seed);

/// Saltelli's scheme: for each base sample i the rows A_i, B_i, then AB_i^j
/// (A_i with column j from B_i) for j = 0..k-1: N*(k+2) rows of k columns.
/// A and B are the first k and the last k coordinates of the first N points
/// of a 2k-dimensional digitally shifted Sobol' sequence (sobol_unit).
std::vector<double> saltelli_unit(int64_t n, std::size_t k, uint64_t seed);

// ---- sweep_design.cpp ----

/// Dimensions of Boost's Sobol' tables (boost/random/sobol.hpp).
constexpr std::size_t kSobolMaxDimensions = 3667;

/// The digital shift of a Sobol' design: one keyed random 64-bit word per
/// dimension, from the design seed. The same seed gives the same words.
std::vector<uint64_t> sobol_shift(std::size_t dims, uint64_t seed);

/// The first n points of the Sobol' sequence in `dims` dimensions: the
/// all-zero point, then Boost.Random's `sobol` generator (which skips that
/// point) from its start, each coordinate's
/// 64-bit integer XORed with its dimension's shift word and mapped to (0, 1)
/// by its top 53 bits plus half a step. Row-major [point, dimension].
/// The shift keeps every net property of the sequence (it permutes the
/// elementary intervals) while replicated designs with other seeds differ.
std::vector<double> sobol_unit(int64_t n, std::size_t dims, uint64_t seed);

/// Which of `values` equally likely values (whole numbers of a range, or
/// choices) the unit value u picks in a design of `strata` strata (the
/// samples of an lhs or sobol design). With values <= strata, stratum s =
/// floor(u * strata) takes value floor((s + 1/2) values / strata), so over a
/// stratified column each value appears strata/values times, plus or minus
/// one; with more values than strata, floor(u * values). strata = 0: the
/// latter always.
std::size_t stratified_choice(double u, std::size_t values, int64_t strata);

/// Morris trajectories: r trajectories of k+1 rows on a grid of `levels`
/// levels in [0, 1]; consecutive rows of a trajectory differ in exactly one
/// column by delta = levels / (2 (levels - 1)).
std::vector<double> morris_unit(int64_t r, std::size_t k, int64_t levels, uint64_t seed);

}  // namespace cardsim
