// Results of a run (all replicates) and the self-describing HDF5 file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/phase_times.h"
#include "results/h5.h"
#include "results/series.h"
#include "scenario/scenario.h"

namespace cardsim {

/// Replicates per chunk of a run file's daily series: small enough that most
/// chunks can be compressed while later replicates still run.
constexpr int64_t kReplicatesPerChunk = 8;

struct RunResult {
  Scenario scenario;
  uint64_t seed = 1;
  int64_t replicates = 0;
  int64_t days = 0;
  // daily[replicate][metric * days + day], totals[metric][replicate]
  std::vector<std::vector<double>> daily;
  std::vector<std::vector<double>> totals;
  // Honest refusals per activation check: names in rank order, and
  // refused_by_check[replicate][day * checks + check].
  std::vector<std::string> check_names;
  std::vector<std::vector<double>> refused_by_check;
  // Regions that trade (group /regions): by_region[replicate][(series * days +
  // day) * regions + region] (RegionSeries: each series' days one after the
  // other, as its dataset stores them) and
  // mailed_between[replicate][from * regions + to], cards over the run.
  int64_t regions = 0;
  std::vector<std::vector<double>> by_region;
  std::vector<std::vector<double>> mailed_between;
  // The daily series' file chunks, [metric][chunk], compressed as soon as
  // their replicates are stored (encode_series_chunk); empty entries are
  // compressed by write_run_file. The same for the refusals by check
  // ([chunk]) and the regions' series ([series][chunk]).
  std::vector<std::vector<std::vector<unsigned char>>> encoded;
  std::vector<std::vector<unsigned char>> encoded_by_check;
  std::vector<std::vector<std::vector<unsigned char>>> encoded_by_region;
  // phase_times[replicate]: wall seconds each of daily_phases() took in that
  // replicate, when the run was asked to time them (RunRequest::time_phases);
  // empty otherwise. Never written to the run file: timings differ between
  // runs, results do not.
  std::vector<PhaseTimes> phase_times;
};

/// Sizes the chunk slots that encode_series_chunk fills.
void prepare_encoded_series(RunResult& r);

/// Compresses chunk `chunk` (replicates chunk * kReplicatesPerChunk onwards)
/// of every metric's daily series into `r.encoded`, sized beforehand. Safe to
/// call from several threads for different chunks while other replicates
/// are being stored.
void encode_series_chunk(RunResult& r, int64_t chunk);

/// Root attributes every cardsim file carries: tool version, git commit,
/// schema version, creation time, seed, replicates, resolved scenario, the
/// supply channels (keys, labels, activation and share metrics) and the
/// headline metrics (`table_metrics`, from headline_metrics()).
void write_provenance(hid_t file, const Scenario& scenario, uint64_t seed, int64_t replicates);

/// What a run file's layout depends on, all known before any replicate runs.
struct RunFileShape {
  Scenario scenario;
  uint64_t seed = 1;
  int64_t replicates = 0;
  int64_t days = 0;
  int64_t regions = 0;
  std::vector<std::string> check_names;  // empty: no /timeseries/honest_refused_by_check
  bool region_series = false;            // whether the file has /regions
};

/// The shape of a finished run's file.
RunFileShape run_file_shape(const RunResult& result);

/// A run file made in two steps, so that most of its HDF5 work can overlap
/// the replicates: lay_out() makes every group, empty dataset, attribute and
/// dimension scale from the shape alone; finish() writes the numbers and
/// moves the file into place with write_run_file's guarantees. lay_out()
/// calls HDF5 inside the `cardsim_hdf5` OpenMP critical section, so it may
/// run on one thread while others compute, as long as their HDF5 calls take
/// the same section. Nothing reaches the disk before finish().
class RunFileWriter {
 public:
  RunFileWriter(std::string path, RunFileShape shape, SeriesMode mode);
  ~RunFileWriter();
  RunFileWriter(const RunFileWriter&) = delete;
  RunFileWriter& operator=(const RunFileWriter&) = delete;
  void lay_out();  // idempotent; throws std::runtime_error naming the path
  /// Lays the file out if not yet done, writes `result` (of the shape given;
  /// std::logic_error otherwise) and renames the file into place.
  void finish(const RunResult& result, int threads);

 private:
  std::string path_;
  RunFileShape shape_;
  SeriesMode mode_;
  struct LaidOut;
  std::unique_ptr<LaidOut> laid_out_;  // the in-memory file and its open datasets, once laid out
};

/// Writes a run to `path` atomically: a temporary file in the same folder,
/// renamed into place when complete. Throws std::runtime_error with the path
/// and the reason (unwritable folder, full disk). The daily series are
/// compressed on `threads` threads (0: OpenMP's default). `series` chooses
/// how /timeseries stores them (results/series.h); totals are unaffected.
void write_run_file(const std::string& path, const RunResult& result, int threads = 0,
                    SeriesMode series = SeriesMode::Daily);

/// Calls `write(file)` on an in-memory HDF5 file, writes its bytes to a
/// temporary file beside `path` (every write and the fsync checked) and
/// renames it into place only when everything is on disk. On any failure the
/// temporary file is removed and nothing exists at `path`.
void write_atomically(const std::string& path, const std::function<void(hid_t)>& write);

/// Writes `text` to `path` the same way: temporary file, checked writes and
/// fsync, rename; nothing at `path` and no temporary left on failure.
void write_text_atomically(const std::string& path, const std::string& text);

/// Fails early, before hours of work, when `path` cannot be written: creates
/// its folder and a temporary file there, then removes the file. Throws
/// std::runtime_error naming the path and the reason.
void check_output_writable(const std::string& path);

/// Current UTC time as ISO 8601.
std::string utc_now();

}  // namespace cardsim
