#include "results/series.h"

#include <algorithm>

#include "results/h5.h"
#include "scenario/scenario.h"

namespace cardsim {

SeriesMode parse_series_mode(const std::string& text) {
  if (text == "daily") return SeriesMode::Daily;
  if (text == "weekly") return SeriesMode::Weekly;
  if (text == "none") return SeriesMode::None;
  throw InputError("--series '" + text + "': expected daily, weekly or none");
}

const char* series_mode_name(SeriesMode mode) {
  switch (mode) {
    case SeriesMode::Weekly: return "weekly";
    case SeriesMode::None: return "none";
    default: return "daily";
  }
}

const char* series_option_help() {
  return "how series are stored: daily (one value per day, [..., day]), weekly (one value per 7-day week, "
         "[..., week], /week holds each week's first day: counts and amounts are the week's sum, levels and "
         "prices the mean over its days, ratios the mean daily ratio), none (no /timeseries: totals only, the "
         "smallest file). Totals are the same in all three";
}

int64_t period_days(SeriesMode mode) {
  switch (mode) {
    case SeriesMode::Weekly: return kDaysPerWeek;
    case SeriesMode::None: return 0;
    default: return 1;
  }
}

int64_t period_count(int64_t days, SeriesMode mode) {
  const int64_t span = period_days(mode);
  return span == 0 ? 0 : (days + span - 1) / span;
}

std::string period_axis(SeriesMode mode) { return mode == SeriesMode::Weekly ? "week" : "day"; }

std::vector<int64_t> period_start_days(int64_t days, SeriesMode mode) {
  std::vector<int64_t> starts(std::size_t(period_count(days, mode)));
  for (std::size_t p = 0; p < starts.size(); ++p) starts[p] = int64_t(p) * period_days(mode);
  return starts;
}

const char* period_rule(MetricKind kind) {
  switch (kind) {
    case MetricKind::Flow: return "sum over the period's days";
    case MetricKind::Ratio: return "mean of the period's daily ratios";
    default: return "mean over the period's days";
  }
}

void aggregate_series(const double* daily, int64_t days, MetricKind kind, SeriesMode mode, double* out) {
  const int64_t span = period_days(mode);
  if (span == 0) return;
  if (span == 1) {
    std::copy_n(daily, days, out);
    return;
  }
  for (int64_t start = 0, p = 0; start < days; start += span, ++p) {
    const int64_t end = std::min(days, start + span);
    double sum = 0;
    for (int64_t d = start; d < end; ++d) sum += daily[d];
    out[p] = kind == MetricKind::Flow ? sum : sum / double(end - start);
  }
}

std::string period_units(const MetricSpec& spec, SeriesMode mode) {
  if (spec.kind != MetricKind::Flow) return spec.units;
  return spec.units + (mode == SeriesMode::Weekly ? " per week" : " per day");
}

void write_series_layout(hid_t file, int64_t days, SeriesMode mode, h5::DimensionScales* scales) {
  h5::write_attr(file, "series", std::string(series_mode_name(mode)));
  h5::write_attr(file, "series_period_days", period_days(mode));
  if (mode != SeriesMode::Weekly) return;
  const std::vector<int64_t> starts = period_start_days(days, mode);
  std::vector<int64_t> lengths(starts.size());
  for (std::size_t p = 0; p < starts.size(); ++p) lengths[p] = std::min(kDaysPerWeek, days - starts[p]);
  h5::write_int64_scale(file, "week", starts, "first day (0-based) of each 7-day week");
  h5::Handle len = h5::write_int64s(file, "week_days", {hsize_t(lengths.size())}, lengths.data());
  h5::write_attr(len, "units", std::string("days"));
  h5::write_attr(len, "description", std::string("days each week covers (7; the last week of a run may be shorter)"));
  if (scales)
    scales->name_axes(len, "week");
  else
    h5::write_attr(len, "dimensions", std::string("week"));
}

SeriesMode read_series_mode(hid_t file) {
  if (H5Aexists(file, "series") <= 0) return SeriesMode::Daily;
  const std::string text = h5::read_attr_string(file, "series");
  if (text == "weekly") return SeriesMode::Weekly;
  if (text == "none") return SeriesMode::None;
  if (text == "daily") return SeriesMode::Daily;
  throw std::runtime_error("unknown series attribute '" + text + "'");
}

}  // namespace cardsim
