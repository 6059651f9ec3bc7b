#include "results/results.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <utility>

#include "core/card_uses.h"
#include "core/channels.h"
#include "core/metrics.h"
#include "results/version.h"

namespace cardsim {
namespace fs = std::filesystem;

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

/// The supply channels of core/channels.def, in channel order, so that readers
/// of the file take the channel list from it: `channels` (scenario keys),
/// `channel_labels`, `channel_activation_metrics` and `channel_share_metrics`
/// (the share each channel's sales count in; two channels may share one).
void write_channel_attributes(hid_t file) {
  std::vector<std::string> keys, labels, activated, shares;
  for (const ChannelSpec& c : kChannels) {
    keys.push_back(c.key);
    labels.push_back(c.label);
    activated.push_back(metric_registry()[std::size_t(c.activated)].name);
    shares.push_back(metric_registry()[std::size_t(c.share)].name);
  }
  h5::write_attr(file, "channels", keys);
  h5::write_attr(file, "channel_labels", labels);
  h5::write_attr(file, "channel_activation_metrics", activated);
  h5::write_attr(file, "channel_share_metrics", shares);
}

/// The card uses of core/card_uses.def, in use order: `card_uses` (keys),
/// `card_use_labels`, `card_use_buyers` and each use's metrics:
/// `card_use_entered_metrics` (cards entering it), `card_use_held_metrics`
/// (cards in it) and `card_use_shutdown_metrics` (cards in it shut).
void write_card_use_attributes(hid_t file) {
  std::vector<std::string> keys, labels, buyers, entered, held, shut;
  auto name = [](Metric m) { return metric_registry()[std::size_t(m)].name; };
  for (const CardUseSpec& u : kCardUses) {
    keys.push_back(u.key);
    labels.push_back(u.label);
    buyers.push_back(u.buyers);
    entered.push_back(name(u.entered));
    held.push_back(name(u.held));
    shut.push_back(name(u.shut));
  }
  h5::write_attr(file, "card_uses", keys);
  h5::write_attr(file, "card_use_labels", labels);
  h5::write_attr(file, "card_use_buyers", buyers);
  h5::write_attr(file, "card_use_entered_metrics", entered);
  h5::write_attr(file, "card_use_held_metrics", held);
  h5::write_attr(file, "card_use_shutdown_metrics", shut);
}

}  // namespace

void write_provenance(hid_t file, const Scenario& scenario, uint64_t seed, int64_t replicates) {
  h5::write_attr(file, "cardsim_version", std::string(CARDSIM_VERSION));
  h5::write_attr(file, "git_commit", std::string(CARDSIM_GIT_COMMIT));
  h5::write_attr(file, "schema_version", int64_t(CARDSIM_SCHEMA_VERSION));
  h5::write_attr(file, "created_utc", utc_now());
  h5::write_attr(file, "seed", seed);
  h5::write_attr(file, "replicates", replicates);
  h5::write_attr(file, "scenario_name", scenario.name);
  h5::write_attr(file, "scenario_yaml", resolved_yaml(scenario));
  h5::write_attr(file, "scenario_hash", scenario_hash(scenario));
  write_channel_attributes(file);
  write_card_use_attributes(file);
  // Readers tabulate these first, in this order, and every other metric after.
  h5::write_attr(file, "table_metrics", headline_metrics());
}

namespace {

/// An HDF5 file that lives only in memory (core driver, no backing store):
/// the library never touches the disk, so a full disk cannot leave it with a
/// half-closed file that it later crashes on while shutting down.
h5::Handle create_memory_file(const std::string& name) {
  h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (H5Pset_fapl_core(fapl, std::size_t(1) << 20, 0) < 0)
    throw std::runtime_error("cannot set up an in-memory HDF5 file");
  // The 1.8 file format moves an attribute too large for the object header
  // (64 KB: a long resolved scenario or sweep spec) into dense storage; the
  // 1.6 format (HDF5's default) fails the write after the whole run.
  if (H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0)
    throw std::runtime_error("cannot select the HDF5 1.8 file format");
  return h5::Handle(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
}

/// Bob Jenkins' lookup3 hash ("hashlittle"), which HDF5 uses for its
/// metadata checksums.
uint32_t lookup3(const unsigned char* k, std::size_t length) {
  auto rot = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto word = [&](std::size_t i, std::size_t n) {  // up to 4 little-endian bytes from k[i]
    uint32_t w = 0;
    for (std::size_t j = 0; j < n; ++j) w += uint32_t(k[i + j]) << (8 * j);
    return w;
  };
  uint32_t a = 0xdeadbeefu + uint32_t(length), b = a, c = a;
  for (; length > 12; length -= 12, k += 12) {
    a += word(0, 4), b += word(4, 4), c += word(8, 4);
    a -= c, a ^= rot(c, 4), c += b, b -= a, b ^= rot(a, 6), a += c, c -= b, c ^= rot(b, 8), b += a;
    a -= c, a ^= rot(c, 16), c += b, b -= a, b ^= rot(a, 19), a += c, c -= b, c ^= rot(b, 4), b += a;
  }
  if (length == 0) return c;
  a += word(0, std::min<std::size_t>(length, 4));
  if (length > 4) b += word(4, std::min<std::size_t>(length - 4, 4));
  if (length > 8) c += word(8, length - 8);
  c ^= b, c -= rot(b, 14), a ^= c, a -= rot(c, 11), b ^= a, b -= rot(a, 25), c ^= b, c -= rot(b, 16);
  a ^= c, a -= rot(c, 4), b ^= a, b -= rot(a, 14), c ^= b, c -= rot(b, 24);
  return c;
}

/// Bytes that are not zeroed when made: a file image is copied over at once,
/// and zeroing megabytes first only costs page faults.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitialisedAllocator<U>;
  };
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0)
      ::new (static_cast<void*>(p)) U;
    else
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using FileImage = std::vector<char, UninitialisedAllocator<char>>;

/// HDF5 1.10.8's H5Fget_file_image clears the status flags of a version 2 or
/// 3 superblock in the copy without updating its checksum, so the copy does
/// not open ("incorrect metadata checksum"). The checksum is recomputed here.
void repair_superblock_checksum(FileImage& image) {
  static const char kSignature[] = "\x89HDF\r\n\x1a\n";
  if (image.size() < 12 || std::memcmp(image.data(), kSignature, 8) != 0) return;
  const int version = image[8];
  if (version != 2 && version != 3) return;
  const std::size_t offsets = std::size_t(static_cast<unsigned char>(image[9]));
  const std::size_t checked = 12 + 4 * offsets;  // signature to root object header address
  if (image.size() < checked + 4) return;
  const uint32_t sum = lookup3(reinterpret_cast<const unsigned char*>(image.data()), checked);
  for (std::size_t i = 0; i < 4; ++i) image[checked + i] = char((sum >> (8 * i)) & 0xff);
}

/// The bytes of a finished in-memory file.
FileImage file_image(hid_t file) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw std::runtime_error("cannot flush the HDF5 file");
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) throw std::runtime_error("cannot get the HDF5 file image");
  FileImage image(static_cast<std::size_t>(size));  // left uninitialised: HDF5 fills every byte
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    throw std::runtime_error("cannot copy the HDF5 file image");
  repair_superblock_checksum(image);
  return image;
}

[[noreturn]] void fail_io(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(err));
}

/// Writes all of `bytes` to a new file `tmp` and forces them to disk; every
/// short write and fsync error is reported (ENOSPC names a full disk).
template <class Bytes>
void write_and_sync(const fs::path& tmp, const std::string& path, const Bytes& bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_io(path, "cannot create output file in '" + tmp.parent_path().string() + "'", errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;  // Ctrl-C while writing: finish the file
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      fail_io(path, "cannot write output (" + std::to_string(done) + " of " + std::to_string(bytes.size()) +
                        " bytes written)", err);
    }
    done += std::size_t(n);
  }
  if (::fsync(fd) < 0) {
    const int err = errno;
    ::close(fd);
    fail_io(path, "cannot flush output to disk", err);
  }
  if (::close(fd) < 0) fail_io(path, "cannot close output", errno);
}

/// The hidden temporary file beside `path`, its folder created if missing.
fs::path prepare_temporary(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(path + ": cannot create output folder '" + dir.string() + "': " + ec.message());
  return dir / ("." + target.filename().string() + ".partial-" + std::to_string(getpid()));
}

}  // namespace

void check_output_writable(const std::string& path) {
  const fs::path tmp = prepare_temporary(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail_io(path, "cannot create output file in '" + tmp.parent_path().string() + "'", errno);
  ::close(fd);
  ::unlink(tmp.c_str());
}

namespace {

/// Runs `produce` and renames its temporary into place; on any failure the
/// temporary is removed and the message names `path`.
void finish_atomically(const std::string& path, const std::function<void(const fs::path& tmp)>& produce) {
  const fs::path tmp = prepare_temporary(path);
  std::error_code ec;
  try {
    produce(tmp);
    fs::rename(tmp, path, ec);
    if (ec) throw std::runtime_error(path + ": cannot move finished output into place: " + ec.message());
  } catch (const std::runtime_error& e) {
    fs::remove(tmp, ec);
    const std::string what = e.what();
    if (what.rfind(path, 0) == 0) throw;
    throw std::runtime_error(path + ": writing failed: " + what);
  }
}

}  // namespace

void write_atomically(const std::string& path, const std::function<void(hid_t)>& write) {
  finish_atomically(path, [&](const fs::path& tmp) {
    FileImage image;
    {
      h5::Handle file = create_memory_file(tmp.string());
      write(file);
      h5::attach_dimension_scales(file);
      image = file_image(file);
    }
    write_and_sync(tmp, path, image);
  });
}

void write_text_atomically(const std::string& path, const std::string& text) {
  finish_atomically(path, [&](const fs::path& tmp) {
    write_and_sync(tmp, path, std::vector<char>(text.begin(), text.end()));
  });
}

namespace {

/// Metric m's daily series as the rows of its (replicate x day) dataset.
h5::RowsToWrite series_rows(const RunResult& r, int m) {
  h5::RowsToWrite set;
  set.name = metric_registry()[std::size_t(m)].name;
  set.cols = hsize_t(r.days);
  set.chunk_rows = hsize_t(kReplicatesPerChunk);
  // A replicate still running has no series yet (null): only chunks whose
  // replicates are all stored are read.
  for (int64_t rep = 0; rep < r.replicates; ++rep) {
    const std::vector<double>& daily = r.daily[std::size_t(rep)];
    set.rows.push_back(daily.empty() ? nullptr : daily.data() + std::size_t(m) * std::size_t(r.days));
  }
  if (std::size_t(m) < r.encoded.size()) set.encoded = &r.encoded[std::size_t(m)];
  return set;
}

/// Every metric's series aggregated into periods, [metric][replicate * periods + period].
std::vector<std::vector<double>> aggregate_run(const RunResult& r, SeriesMode mode) {
  const int64_t periods = period_count(r.days, mode);
  std::vector<std::vector<double>> out(kMetricCount, std::vector<double>(std::size_t(r.replicates * periods)));
  for (int m = 0; m < kMetricCount; ++m)
    for (int64_t rep = 0; rep < r.replicates; ++rep)
      aggregate_series(&r.daily[std::size_t(rep)][std::size_t(m) * std::size_t(r.days)], r.days,
                       metric_registry()[std::size_t(m)].kind, mode, &out[std::size_t(m)][std::size_t(rep * periods)]);
  return out;
}

/// The rows of metric m's (replicate x period) dataset in `aggregated`.
h5::RowsToWrite aggregated_rows(const RunResult& r, const std::vector<double>& aggregated, int m, int64_t periods) {
  h5::RowsToWrite set;
  set.name = metric_registry()[std::size_t(m)].name;
  set.cols = hsize_t(periods);
  set.chunk_rows = hsize_t(kReplicatesPerChunk);
  for (int64_t rep = 0; rep < r.replicates; ++rep) set.rows.push_back(&aggregated[std::size_t(rep * periods)]);
  return set;
}

/// Replicates' rows of `per_replicate` (each `cols` doubles, laid out as
/// `row_shape`) as a rows dataset chunked like the daily series, taking
/// chunks compressed during the run from `encoded` when given.
h5::RowsToWrite replicate_rows(const std::string& name, const std::vector<const double*>& per_replicate,
                               std::vector<hsize_t> row_shape,
                               const std::vector<std::vector<unsigned char>>* encoded) {
  h5::RowsToWrite set;
  set.name = name;
  set.cols = 1;
  for (hsize_t d : row_shape) set.cols *= d;
  set.row_shape = std::move(row_shape);
  set.rows = per_replicate;
  set.chunk_rows = hsize_t(kReplicatesPerChunk);
  if (encoded && !encoded->empty()) set.encoded = encoded;
  return set;
}

/// Sums a replicate's (day x width) block into (period x width) as `mode` stores it.
void sum_into_periods(const double* by_day, int64_t days, std::size_t width, SeriesMode mode, double* out) {
  for (int64_t day = 0; day < days; ++day)
    for (std::size_t c = 0; c < width; ++c)
      out[std::size_t(day / period_days(mode)) * width + c] += by_day[std::size_t(day) * width + c];
}

/// The rows of a [replicate, day, width] dataset: the daily blocks
/// themselves, or their sums by period (in `summed`) for weekly files.
std::vector<const double*> period_rows(const std::vector<const double*>& daily, int64_t days, std::size_t width,
                                       SeriesMode mode, std::vector<double>& summed) {
  if (mode != SeriesMode::Weekly) return daily;
  const auto periods = std::size_t(period_count(days, mode));
  summed.assign(daily.size() * periods * width, 0.0);
  std::vector<const double*> rows;
  for (std::size_t rep = 0; rep < daily.size(); ++rep) {
    sum_into_periods(daily[rep], days, width, mode, &summed[rep * periods * width]);
    rows.push_back(&summed[rep * periods * width]);
  }
  return rows;
}

/// A rows dataset's shape with its rows still to come (create_rows_dataset
/// reads only how many there are).
h5::RowsToWrite empty_rows(const std::string& name, int64_t replicates, std::vector<hsize_t> row_shape) {
  return replicate_rows(name, std::vector<const double*>(std::size_t(replicates), nullptr), std::move(row_shape),
                        nullptr);
}

// ---- regions that trade ----
/// Whether every replicate holds each region series for every day.
bool has_region_series(const RunResult& r) {
  if (r.regions == 0 || r.by_region.size() != std::size_t(r.replicates)) return false;
  for (const auto& rep : r.by_region)
    if (rep.size() != std::size_t(r.days) * std::size_t(kRegionSeriesCount) * std::size_t(r.regions)) return false;
  if (r.mailed_between.size() != std::size_t(r.replicates)) return false;
  for (const auto& rep : r.mailed_between)
    if (rep.size() != std::size_t(r.regions) * std::size_t(r.regions)) return false;
  return true;
}

/// The first day of series k of replicate rep in RunResult::by_region.
const double* region_series_start(const RunResult& r, std::size_t rep, std::size_t k) {
  return &r.by_region[rep][k * std::size_t(r.days) * std::size_t(r.regions)];
}

/// The days of /regions' series: weekly files sum them by week, others keep days.
SeriesMode region_series_mode(SeriesMode mode) {
  return mode == SeriesMode::Weekly ? SeriesMode::Weekly : SeriesMode::Daily;
}

/// /regions: each RegionSeries as [replicate, day or week, region] (weeks hold
/// sums), and /regions/cards_mailed_between [replicate, from_region, to_region],
/// cards over the run. Laid out whatever the series mode: they are small.
void lay_out_regions(hid_t file, const RunFileShape& s, SeriesMode mode, h5::DimensionScales& scales,
                     std::vector<h5::Handle>& open) {
  if (!s.region_series) return;
  const auto regions = hsize_t(s.regions);
  h5::Handle group = h5::create_group(file, "regions");
  const SeriesMode stored = region_series_mode(mode);
  const int64_t periods = period_count(s.days, stored);
  for (int k = 0; k < kRegionSeriesCount; ++k) {
    const RegionSeriesSpec& spec = region_series_spec(RegionSeries(k));
    h5::Handle d = h5::create_rows_dataset(group, empty_rows(spec.name, s.replicates, {hsize_t(periods), regions}));
    const std::string units = spec.units;
    h5::write_attr(d, "units", stored == SeriesMode::Weekly ? units.substr(0, units.find(" per ")) + " per week" : units);
    h5::write_attr(d, "description", std::string(spec.description));
    scales.name_axes(d, "replicate, " + period_axis(stored) + ", region");
    open.push_back(std::move(d));
  }
  h5::Handle d = h5::create_doubles(group, "cards_mailed_between", {hsize_t(s.replicates), regions, regions});
  h5::write_attr(d, "units", std::string("cards per run"));
  h5::write_attr(d, "description",
                 std::string("cards bought by a buyer of one region (to_region) from a seller of another (from_region) "
                             "and mailed to it, over the run"));
  scales.name_axes(d, "replicate, from_region, to_region");
  open.push_back(std::move(d));
}

/// Fills /regions' datasets, open from lay_out_regions in its order.
void fill_regions(const std::vector<h5::Handle>& open, const RunResult& r, const RunFileShape& s, int threads,
                  SeriesMode mode) {
  if (!s.region_series) return;
  if (!has_region_series(r)) throw std::logic_error("run file: the run has no region series for /regions");
  const auto regions = std::size_t(r.regions);
  const SeriesMode stored = region_series_mode(mode);
  const int64_t periods = period_count(r.days, stored);
  const auto series = static_cast<std::size_t>(kRegionSeriesCount);
  std::vector<std::vector<double>> summed(series);
  std::vector<h5::RowsToWrite> sets;
  for (std::size_t k = 0; k < std::size_t(kRegionSeriesCount); ++k) {
    std::vector<const double*> daily;
    for (std::size_t rep = 0; rep < r.by_region.size(); ++rep) daily.push_back(region_series_start(r, rep, k));
    const bool precompressed = stored == SeriesMode::Daily && k < r.encoded_by_region.size();
    sets.push_back(replicate_rows(region_series_spec(RegionSeries(k)).name,
                                  period_rows(daily, r.days, regions, stored, summed[k]),
                                  {hsize_t(periods), hsize_t(regions)},
                                  precompressed ? &r.encoded_by_region[k] : nullptr));
  }
  if (open.size() != sets.size() + 1) throw std::logic_error("run file: /regions is not laid out as filled");
  h5::write_rows_into(std::vector<hid_t>(open.begin(), open.end() - 1), sets, threads);
  std::vector<double> mailed;
  for (const auto& rep : r.mailed_between) mailed.insert(mailed.end(), rep.begin(), rep.end());
  h5::write_doubles_into(open.back(), mailed.data());
}
// ---- end regions that trade ----

/// /timeseries: every metric's series as `mode` stores them (nothing for
/// none), and honest_refused_by_check [replicate, day or week, check], the
/// checks named in rank order by its `checks` attribute; weeks hold sums.
void lay_out_series(hid_t file, const RunFileShape& s, SeriesMode mode, h5::DimensionScales& scales,
                    std::vector<h5::Handle>& open) {
  if (mode == SeriesMode::None) return;
  h5::Handle ts = h5::create_group(file, "timeseries");
  const auto& reg = metric_registry();
  const auto periods = hsize_t(period_count(s.days, mode));
  for (int m = 0; m < kMetricCount; ++m) {
    const MetricSpec& spec = reg[std::size_t(m)];
    h5::Handle d = h5::create_rows_dataset(ts, empty_rows(spec.name, s.replicates, {periods}));
    h5::write_attr(d, "units", period_units(spec, mode));
    h5::write_attr(d, "description", spec.description);
    scales.name_axes(d, "replicate, " + period_axis(mode));
    if (!spec.parts.empty()) h5::write_attr(d, "parts", spec.parts);
    if (mode == SeriesMode::Weekly) h5::write_attr(d, "period_rule", std::string(period_rule(spec.kind)));
    open.push_back(std::move(d));
  }
  if (s.check_names.empty()) return;
  h5::Handle d = h5::create_rows_dataset(
      ts, empty_rows("honest_refused_by_check", s.replicates, {periods, hsize_t(s.check_names.size())}));
  h5::write_attr(d, "units", std::string(mode == SeriesMode::Weekly ? "customers per week" : "customers per day"));
  h5::write_attr(d, "description", std::string("honest customers refused a card, by the activation check that refused them"));
  scales.name_axes(d, "replicate, " + period_axis(mode) + ", check");
  h5::write_attr(d, "checks", s.check_names);
  open.push_back(std::move(d));
}

/// Each replicate's refusals by check, (day x check) each; empty when the run lacks them.
std::vector<const double*> refusals_by_check(const RunResult& r) {
  const auto checks = std::size_t(r.check_names.size());
  std::vector<const double*> daily;
  if (checks == 0 || r.refused_by_check.size() != std::size_t(r.replicates)) return {};
  for (const auto& rep : r.refused_by_check) {
    if (rep.size() != std::size_t(r.days) * checks) return {};
    daily.push_back(rep.data());
  }
  return daily;
}

/// Fills /timeseries' datasets, open from lay_out_series in its order.
void fill_series(const std::vector<h5::Handle>& open, const RunResult& r, const RunFileShape& s, int threads,
                 SeriesMode mode) {
  if (mode == SeriesMode::None) return;
  const int64_t periods = period_count(r.days, mode);
  std::vector<std::vector<double>> aggregated;
  if (mode != SeriesMode::Daily) aggregated = aggregate_run(r, mode);
  std::vector<h5::RowsToWrite> sets;
  for (int m = 0; m < kMetricCount; ++m)
    sets.push_back(mode == SeriesMode::Daily ? series_rows(r, m)
                                             : aggregated_rows(r, aggregated[std::size_t(m)], m, periods));
  std::vector<double> summed;
  if (!s.check_names.empty()) {
    const std::vector<const double*> daily = refusals_by_check(r);
    if (daily.empty() || r.check_names != s.check_names)
      throw std::logic_error("run file: the run's refusals by check do not match the file's checks");
    const auto checks = std::size_t(s.check_names.size());
    sets.push_back(replicate_rows("honest_refused_by_check", period_rows(daily, r.days, checks, mode, summed),
                                  {hsize_t(periods), hsize_t(checks)},
                                  mode == SeriesMode::Daily ? &r.encoded_by_check : nullptr));
  }
  h5::write_rows_into(std::vector<hid_t>(open.begin(), open.end()), sets, threads);
}

/// /totals: each metric over the run, one value per replicate.
void lay_out_totals(hid_t file, const RunFileShape& s, h5::DimensionScales& scales, std::vector<h5::Handle>& open) {
  h5::Handle tot = h5::create_group(file, "totals");
  for (const MetricSpec& spec : metric_registry()) {
    const bool flow = spec.kind == MetricKind::Flow;
    h5::Handle t = h5::create_doubles(tot, spec.name, {hsize_t(s.replicates)});
    h5::write_attr(t, "units", spec.units + (flow ? " per run" : ""));
    h5::write_attr(t, "description", spec.description);
    h5::write_attr(t, "total_rule", spec.total_rule);
    scales.name_axes(t, "replicate");
    // A composite (metrics.def, M_SUM) names the metrics it is the sum of.
    if (!spec.parts.empty()) h5::write_attr(t, "parts", spec.parts);
    open.push_back(std::move(t));
  }
}

/// Fills /totals' datasets, open from lay_out_totals in metric order.
void fill_totals(const std::vector<h5::Handle>& open, const RunResult& r) {
  if (open.size() != std::size_t(kMetricCount)) throw std::logic_error("run file: /totals is not laid out as filled");
  for (int m = 0; m < kMetricCount; ++m) h5::write_doubles_into(open[std::size_t(m)], r.totals[std::size_t(m)].data());
}

}  // namespace

void prepare_encoded_series(RunResult& r) {
  const auto chunks = std::size_t((r.replicates + kReplicatesPerChunk - 1) / kReplicatesPerChunk);
  r.encoded.assign(kMetricCount, std::vector<std::vector<unsigned char>>(chunks));
  r.encoded_by_check.assign(chunks, {});
  r.encoded_by_region.assign(std::size_t(kRegionSeriesCount), std::vector<std::vector<unsigned char>>(chunks));
}

void encode_series_chunk(RunResult& r, int64_t chunk) {
  // A run of fewer replicates than a chunk holds has chunks of its size (as
  // HDF5 shapes them), not a chunk mostly of zero padding.
  const auto first = hsize_t(chunk * kReplicatesPerChunk);
  const auto rows = hsize_t(std::min(kReplicatesPerChunk, r.replicates));
  const auto slot = std::size_t(chunk);
  for (int m = 0; m < kMetricCount; ++m)
    r.encoded[std::size_t(m)][slot] = h5::encode_rows(series_rows(r, m), first, rows);
  // Only replicates of this chunk are read: the others may still be running.
  const auto in_chunk = [&](std::size_t rep) { return rep >= first && rep < first + rows; };
  const auto checks = hsize_t(r.check_names.size());
  bool whole = r.refused_by_check.size() == std::size_t(r.replicates);
  for (std::size_t rep = 0; whole && rep < r.refused_by_check.size(); ++rep)
    whole = !in_chunk(rep) || r.refused_by_check[rep].size() == std::size_t(r.days) * checks;
  if (slot < r.encoded_by_check.size() && checks > 0 && whole) {
    std::vector<const double*> by_check(std::size_t(r.replicates), nullptr);
    for (std::size_t rep = 0; rep < by_check.size(); ++rep)
      if (in_chunk(rep)) by_check[rep] = r.refused_by_check[rep].data();
    r.encoded_by_check[slot] = h5::encode_rows(
        replicate_rows("honest_refused_by_check", by_check, {hsize_t(r.days), checks}, nullptr), first, rows);
  }
  const std::size_t region_values = std::size_t(r.days) * std::size_t(kRegionSeriesCount) * std::size_t(r.regions);
  whole = r.by_region.size() == std::size_t(r.replicates);
  for (std::size_t rep = 0; whole && rep < r.by_region.size(); ++rep)
    whole = !in_chunk(rep) || r.by_region[rep].size() == region_values;
  for (std::size_t k = 0; k < r.encoded_by_region.size() && r.regions > 0 && whole; ++k) {
    std::vector<const double*> daily(std::size_t(r.replicates), nullptr);
    for (std::size_t rep = 0; rep < daily.size(); ++rep)
      if (in_chunk(rep)) daily[rep] = region_series_start(r, rep, k);
    r.encoded_by_region[k][slot] = h5::encode_rows(
        replicate_rows("regions", daily, {hsize_t(r.days), hsize_t(r.regions)}, nullptr), first, rows);
  }
}

RunFileShape run_file_shape(const RunResult& r) {
  RunFileShape s;
  s.scenario = r.scenario;
  s.seed = r.seed;
  s.replicates = r.replicates;
  s.days = r.days;
  s.regions = r.regions;
  if (!refusals_by_check(r).empty()) s.check_names = r.check_names;
  s.region_series = has_region_series(r);
  return s;
}

/// The in-memory file once laid out, with the datasets finish() fills kept
/// open: finding some 300 datasets again by path cost more than filling them.
/// Members close in reverse order, the file last.
struct RunFileWriter::LaidOut {
  h5::Handle file;
  std::vector<h5::Handle> series;   // /timeseries: each metric, then honest_refused_by_check if any
  std::vector<h5::Handle> regions;  // /regions: each region series, then cards_mailed_between
  std::vector<h5::Handle> totals;   // /totals: each metric

  void close_datasets() {
    totals.clear();
    regions.clear();
    series.clear();
  }
};

RunFileWriter::RunFileWriter(std::string path, RunFileShape shape, SeriesMode mode)
    : path_(std::move(path)), shape_(std::move(shape)), mode_(mode) {}

RunFileWriter::~RunFileWriter() = default;

void RunFileWriter::lay_out() {
  std::exception_ptr failed;  // rethrown outside: an exception may not leave a critical section
#pragma omp critical(cardsim_hdf5)
  try {
    if (!laid_out_) {
      auto out = std::make_unique<LaidOut>();
      out->file = create_memory_file(prepare_temporary(path_).string());
      const hid_t file = out->file;
      write_provenance(file, shape_.scenario, shape_.seed, shape_.replicates);
      h5::write_attr(file, "days", shape_.days);
      h5::DimensionScales scales(file);
      write_series_layout(file, shape_.days, mode_, &scales);
      lay_out_series(file, shape_, mode_, scales, out->series);
      lay_out_regions(file, shape_, mode_, scales, out->regions);  // regions that trade
      lay_out_totals(file, shape_, scales, out->totals);
      scales.finish();
      laid_out_ = std::move(out);
    }
  } catch (...) {
    failed = std::current_exception();
  }
  if (!failed) return;
  try {
    std::rethrow_exception(failed);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path_ + ": writing failed: " + e.what());
  }
}

void RunFileWriter::finish(const RunResult& r, int threads) {
  // A run that came out otherwise than planned is laid out again rather than lost.
  const RunFileShape actual = run_file_shape(r);
  if (actual.replicates != shape_.replicates || actual.days != shape_.days || actual.regions != shape_.regions ||
      actual.check_names != shape_.check_names || actual.region_series != shape_.region_series) {
    laid_out_.reset();
    shape_ = actual;
  }
  lay_out();
  finish_atomically(path_, [&](const fs::path& tmp) {
    FileImage image;
    {
      const std::unique_ptr<LaidOut> open = std::move(laid_out_);
      fill_series(open->series, r, shape_, threads, mode_);
      fill_regions(open->regions, r, shape_, threads, mode_);
      fill_totals(open->totals, r);
      open->close_datasets();
      image = file_image(open->file);
    }
    write_and_sync(tmp, path_, image);
  });
}

void write_run_file(const std::string& path, const RunResult& r, int threads, SeriesMode mode) {
  RunFileWriter writer(path, run_file_shape(r), mode);
  writer.finish(r, threads);
}

}  // namespace cardsim
