// How a file stores the daily series: every day, 7-day periods, or not at all
// (`--series daily|weekly|none`). The choice is the root attribute `series`
// of every run, compare and sweep file; totals never depend on it.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "results/h5.h"

namespace cardsim {

enum class SeriesMode { Daily, Weekly, None };

constexpr int64_t kDaysPerWeek = 7;

/// "daily", "weekly" or "none"; throws InputError naming the option otherwise.
SeriesMode parse_series_mode(const std::string& text);
const char* series_mode_name(SeriesMode mode);

/// Help text of the --series option (units, what each choice stores).
const char* series_option_help();

/// Days per stored value: 1 (daily), 7 (weekly); 0 for none.
int64_t period_days(SeriesMode mode);

/// Stored values per series for a run of `days` days: days, ceil(days / 7)
/// (the last week may be shorter) or 0.
int64_t period_count(int64_t days, SeriesMode mode);

/// Name of the series' time axis: "day" or "week".
std::string period_axis(SeriesMode mode);

/// The first day (0-based) of each stored period: 0, 7, 14, ... for weekly.
std::vector<int64_t> period_start_days(int64_t days, SeriesMode mode);

/// How a period's value is made from its days, by the metric's declared kind
/// (core/metrics.def): flows (counts, amounts) are summed; levels and prices
/// are averaged over the period's days, so the day-weighted mean of the
/// periods is the run total; ratios are the mean of the daily ratios (the
/// daily numerators are not kept; /totals holds the exact run ratio).
const char* period_rule(MetricKind kind);

/// One metric's series of `days` daily values as period_count(days, mode)
/// values written to `out`, by period_rule(kind). Daily mode copies.
void aggregate_series(const double* daily, int64_t days, MetricKind kind, SeriesMode mode, double* out);

/// Units of a stored series value: flows "<units> per day" or "<units> per
/// week"; other kinds keep their units.
std::string period_units(const MetricSpec& spec, SeriesMode mode);

/// Root attributes `series` (the mode) and `series_period_days`, and for
/// weekly files the /week dimension scale holding each week's first day plus
/// /week_days, the days each week covers (7, the last possibly fewer).
/// With `scales`, /week_days' axis is named there; without, by a later
/// h5::attach_dimension_scales.
void write_series_layout(hid_t file, int64_t days, SeriesMode mode, h5::DimensionScales* scales = nullptr);

/// The mode recorded in a file (files from before the attribute: daily).
SeriesMode read_series_mode(hid_t file);

}  // namespace cardsim
