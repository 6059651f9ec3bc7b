// Thin RAII helpers over the HDF5 C API, shared by every file cardsim writes.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cardsim::h5 {

/// Owns one HDF5 identifier and closes it with the right function.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {
    if (id < 0) throw std::runtime_error("HDF5 call failed");
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
    return *this;
  }
  ~Handle() { reset(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

Handle create_file(const std::string& path);
Handle open_file(const std::string& path);
Handle create_group(hid_t parent, const std::string& name);
Handle open_group(hid_t parent, const std::string& name);
bool exists(hid_t parent, const std::string& path);

void write_attr(hid_t obj, const std::string& name, const std::string& value);
void write_attr(hid_t obj, const std::string& name, int64_t value);
void write_attr(hid_t obj, const std::string& name, uint64_t value);
void write_attr(hid_t obj, const std::string& name, double value);
void write_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values);
std::string read_attr_string(hid_t obj, const std::string& name);
int64_t read_attr_int(hid_t obj, const std::string& name);
std::vector<std::string> read_attr_strings(hid_t obj, const std::string& name);

/// Writes a chunked, deflate-compressed dataset of doubles with `dims`.
Handle write_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                     const double* data);
Handle write_int64s(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                    const int64_t* data);
/// A (rows x cols) dataset of doubles whose rows lie anywhere in memory, or
/// one of (rows x row_shape...) whose rows are each `cols` doubles in C order.
struct RowsToWrite {
  std::string name;
  hsize_t cols = 0;
  std::vector<const double*> rows;  // each points at `cols` doubles
  hsize_t chunk_rows = 0;           // rows per chunk; 0: write_doubles' rule (~64k elements)
  // Chunks already compressed by encode_rows (one per chunk_rows rows, in
  // order); an empty entry, or no vector at all, is compressed here.
  const std::vector<std::vector<unsigned char>>* encoded = nullptr;
  std::vector<hsize_t> row_shape;  // the axes after the first; empty: {cols}
};

/// Rows [first, first + chunk_rows) of a dataset as HDF5 stores its chunk:
/// zero-padded to the full chunk, shuffled, deflated. Thread-safe.
std::vector<unsigned char> encode_rows(const RowsToWrite& set, hsize_t first, hsize_t chunk_rows);

/// Writes the datasets with shuffle and deflate as write_doubles would (a
/// reader sees no difference), but compresses their chunks on `threads`
/// threads first, or takes them from `encoded`, and hands HDF5 the finished
/// chunks. HDF5 itself is not thread-safe, and compressing is most of the
/// cost of writing.
std::vector<Handle> write_rows_parallel(hid_t parent, const std::vector<RowsToWrite>& sets, int threads);

/// The two halves of write_rows_parallel, for a file laid out before its
/// numbers exist: the empty dataset of `set` (only its name, shape and
/// chunking are read, never its rows), and later the rows of each set into
/// the dataset of that name under `parent`.
Handle create_rows_dataset(hid_t parent, const RowsToWrite& set);
void write_rows_into(hid_t parent, const std::vector<RowsToWrite>& sets, int threads);
/// The same into datasets still open from create_rows_dataset, one per set.
void write_rows_into(const std::vector<hid_t>& datasets, const std::vector<RowsToWrite>& sets, int threads);

/// The two halves of write_doubles: an empty dataset, and later its values.
Handle create_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims);
void write_doubles_into(hid_t parent, const std::string& name, const double* data);
/// The same into a dataset still open from create_doubles.
void write_doubles_into(hid_t ds, const double* data);

/// Reads a dataset of doubles; fills dims.
std::vector<double> read_doubles(hid_t parent, const std::string& name, std::vector<hsize_t>& dims);
std::vector<int64_t> read_int64s(hid_t parent, const std::string& name, std::vector<hsize_t>& dims);

/// A root dataset /DIM of labels (policy names, parameter names...) marked as
/// the dimension scale of axis DIM; attach_dimension_scales uses it.
void write_scale(hid_t file, const std::string& dim, const std::vector<std::string>& labels);
/// The same with numeric coordinates (e.g. the first day of each week).
void write_int64_scale(hid_t file, const std::string& dim, const std::vector<int64_t>& values,
                       const std::string& description);

/// Makes every dataset's "dimensions" attribute ("replicate, day") real HDF5
/// dimension scales, so h5netcdf and xarray name the axes. Scales live at the
/// root (/replicate, /day, /run, ...: 0..n-1 unless write_scale labelled
/// them), which keeps each group's members the metrics and nothing else.
void attach_dimension_scales(hid_t file);

class ScaleAttacher;

/// The same as attach_dimension_scales, for datasets as they are made: a
/// writer that knows each dataset's axes names them while the dataset is
/// open, instead of every dataset being found again by its path afterwards
/// (a fifth of a one-replicate run's instructions went there).
class DimensionScales {
 public:
  explicit DimensionScales(hid_t file);
  ~DimensionScales();
  DimensionScales(const DimensionScales&) = delete;
  DimensionScales& operator=(const DimensionScales&) = delete;
  /// Writes the open dataset's "dimensions" attribute ("replicate, day")
  /// and names its axes by the root scales of those names.
  void name_axes(hid_t ds, const std::string& dimensions);
  /// Names the axes of an open dataset whose attribute is written already.
  void attach(hid_t ds, const std::string& dimensions);
  /// Writes each scale's list of the datasets it names; call once, last.
  void finish();

 private:
  std::unique_ptr<ScaleAttacher> attacher_;
};

/// Names of the links directly under a group, sorted.
std::vector<std::string> list(hid_t group);

/// Silences HDF5's own error printing; cardsim reports errors itself.
void quiet();

}  // namespace cardsim::h5
