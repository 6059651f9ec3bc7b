#include "results/h5.h"

#include <hdf5_hl.h>

#include <omp.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <exception>

namespace cardsim::h5 {
namespace {

constexpr int kDeflateLevel = 1;  // zlib's fastest: files 3% larger than at level 4, written twice as fast
constexpr hsize_t kChunkElements = 65536;
constexpr hsize_t kSmallDataset = 4096;  // elements (32 kB of doubles)

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

Handle make_attr(hid_t obj, const std::string& name, hid_t type, hid_t space) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  return Handle(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
}

Handle utf8_string_type() {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

template <class T>
void write_scalar_attr(hid_t obj, const std::string& name, hid_t type, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = make_attr(obj, name, type, space);
  H5Awrite(attr, type, &value);
}

/// Chunks of at most ~64k elements, whole rows along the last axis.
std::vector<hsize_t> chunk_dims(const std::vector<hsize_t>& dims) {
  std::vector<hsize_t> chunk(dims);
  hsize_t elems = 1;
  for (std::size_t i = chunk.size(); i-- > 0;) {
    chunk[i] = std::min<hsize_t>(chunk[i], std::max<hsize_t>(1, kChunkElements / elems));
    elems *= chunk[i];
  }
  return chunk;
}

bool all_nonzero(const std::vector<hsize_t>& dims) {
  bool nonzero = !dims.empty();
  for (auto d : dims) nonzero = nonzero && d > 0;
  return nonzero;
}

Handle chunked_props(const std::vector<hsize_t>& dims, std::vector<hsize_t> chunk = {}) {
  Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (all_nonzero(dims)) {
    if (chunk.empty()) chunk = chunk_dims(dims);
    H5Pset_chunk(props, int(chunk.size()), chunk.data());
    H5Pset_shuffle(props);
    H5Pset_deflate(props, kDeflateLevel);
  }
  return props;
}

/// HDF5's shuffle filter: byte k of every element together, for k = 0..size-1.
void shuffle_bytes(const unsigned char* in, std::size_t elems, std::size_t size, unsigned char* out) {
  for (std::size_t k = 0; k < size; ++k)
    for (std::size_t i = 0; i < elems; ++i) out[k * elems + i] = in[i * size + k];
}

/// The shape of a rows dataset: its rows, then each row's own axes.
std::vector<hsize_t> rows_dims(const RowsToWrite& set) {
  std::vector<hsize_t> dims{hsize_t(set.rows.size())};
  if (set.row_shape.empty()) dims.push_back(set.cols);
  dims.insert(dims.end(), set.row_shape.begin(), set.row_shape.end());
  return dims;
}

/// The chunk shape of a rows dataset: whole rows, so that a chunk's bytes
/// are its rows one after the other whatever the row's own shape.
std::vector<hsize_t> rows_chunk(const RowsToWrite& set) {
  const std::vector<hsize_t> dims = rows_dims(set);
  std::vector<hsize_t> chunk = dims;
  if (set.chunk_rows > 0) {
    chunk[0] = std::min<hsize_t>(dims[0], set.chunk_rows);
  } else {
    const std::vector<hsize_t> flat = chunk_dims({dims[0], set.cols});
    if (flat[1] != set.cols) return flat;  // rows longer than a chunk: write_rows_parallel refuses them
    chunk[0] = flat[0];
  }
  return chunk;
}

}  // namespace

std::vector<unsigned char> encode_rows(const RowsToWrite& set, hsize_t first, hsize_t chunk_rows) {
  std::vector<double> raw(std::size_t(chunk_rows * set.cols), 0.0);
  for (hsize_t r = 0; r < chunk_rows && first + r < set.rows.size(); ++r)
    std::copy_n(set.rows[std::size_t(first + r)], set.cols, &raw[std::size_t(r * set.cols)]);
  std::vector<unsigned char> shuffled(raw.size() * sizeof(double));
  shuffle_bytes(reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), sizeof(double), shuffled.data());
  uLongf size = compressBound(uLong(shuffled.size()));
  std::vector<unsigned char> out(size);
  if (compress2(out.data(), &size, shuffled.data(), uLong(shuffled.size()), kDeflateLevel) != Z_OK)
    throw std::runtime_error("zlib: cannot compress dataset " + set.name);
  out.resize(size);
  return out;
}

namespace {

Handle write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, hid_t type,
                     const void* data) {
  Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle props = chunked_props(dims);
  Handle ds(H5Dcreate2(parent, name.c_str(), type, space, H5P_DEFAULT, props, H5P_DEFAULT), H5Dclose);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  if (n > 0 && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw std::runtime_error("HDF5: cannot write dataset " + name);
  return ds;
}

template <class T>
std::vector<T> read_dataset(hid_t parent, const std::string& name, std::vector<hsize_t>& dims, hid_t type) {
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space);
  dims.assign(std::size_t(std::max(rank, 0)), 0);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  std::vector<T> out(n);
  if (n > 0 && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw std::runtime_error("HDF5: cannot read dataset " + name);
  return out;
}

}  // namespace

namespace {

/// Compresses the chunks of `sets` on `threads` threads (taking those
/// compressed earlier from each set's `encoded`) and hands them to HDF5, one
/// dataset after the other, into `datasets` (one per set, made by
/// create_rows_dataset).
void write_chunks(const std::vector<hid_t>& datasets, const std::vector<RowsToWrite>& sets, int threads) {
  struct Chunk {
    std::size_t set;
    hsize_t first_row, rows;
  };
  std::vector<Chunk> chunks;
  for (std::size_t s = 0; s < sets.size(); ++s) {
    const std::vector<hsize_t> dims = rows_dims(sets[s]);
    if (!all_nonzero(dims)) continue;
    const std::vector<hsize_t> chunk = rows_chunk(sets[s]);
    if (chunk.size() != dims.size() || !std::equal(chunk.begin() + 1, chunk.end(), dims.begin() + 1))
      throw std::logic_error("write_rows_parallel: rows longer than a chunk");
    for (hsize_t r = 0; r < dims[0]; r += chunk[0]) chunks.push_back({s, r, chunk[0]});
  }
  // Chunks compressed earlier are used as they are; the rest are made here.
  std::vector<std::vector<unsigned char>> made(chunks.size());
  std::vector<const std::vector<unsigned char>*> encoded(chunks.size(), nullptr);
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const RowsToWrite& set = sets[chunks[c].set];
    const std::size_t index = std::size_t(chunks[c].first_row / chunks[c].rows);
    if (set.encoded && index < set.encoded->size() && !(*set.encoded)[index].empty())
      encoded[c] = &(*set.encoded)[index];
  }
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads > 0 ? threads : omp_get_max_threads())
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    if (encoded[c]) continue;
    try {
      made[c] = encode_rows(sets[chunks[c].set], chunks[c].first_row, chunks[c].rows);
      encoded[c] = &made[c];
    } catch (...) {
#pragma omp critical(cardsim_h5_encode)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const RowsToWrite& set = sets[chunks[c].set];
    std::vector<hsize_t> offset(rows_dims(set).size(), 0);
    offset[0] = chunks[c].first_row;
    if (H5Dwrite_chunk(datasets[chunks[c].set], H5P_DEFAULT, 0, offset.data(), encoded[c]->size(),
                       encoded[c]->data()) < 0)
      throw std::runtime_error("HDF5: cannot write dataset " + set.name);
  }
}

}  // namespace

Handle create_rows_dataset(hid_t parent, const RowsToWrite& set) {
  const std::vector<hsize_t> dims = rows_dims(set);
  Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle props = chunked_props(dims, all_nonzero(dims) ? rows_chunk(set) : std::vector<hsize_t>{});
  return Handle(H5Dcreate2(parent, set.name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, props, H5P_DEFAULT),
                H5Dclose);
}

std::vector<Handle> write_rows_parallel(hid_t parent, const std::vector<RowsToWrite>& sets, int threads) {
  std::vector<Handle> out;
  std::vector<hid_t> ids;
  for (const RowsToWrite& set : sets) {
    out.push_back(create_rows_dataset(parent, set));
    ids.push_back(out.back());
  }
  write_chunks(ids, sets, threads);
  return out;
}

void write_rows_into(hid_t parent, const std::vector<RowsToWrite>& sets, int threads) {
  std::vector<Handle> open;
  std::vector<hid_t> ids;
  for (const RowsToWrite& set : sets) {
    open.emplace_back(H5Dopen2(parent, set.name.c_str(), H5P_DEFAULT), H5Dclose);
    ids.push_back(open.back());
  }
  write_chunks(ids, sets, threads);
}

void write_rows_into(const std::vector<hid_t>& datasets, const std::vector<RowsToWrite>& sets, int threads) {
  if (datasets.size() != sets.size()) throw std::logic_error("write_rows_into: one open dataset per set");
  write_chunks(datasets, sets, threads);
}

Handle create_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims) {
  Handle space(H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose);
  hsize_t n = 1;
  for (auto d : dims) n *= d;
  // A few thousand values are stored as they are: compressing them saves
  // little and costs a compressor's set-up (and its 256 kB of state) each.
  Handle props = n <= kSmallDataset ? Handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose) : chunked_props(dims);
  return Handle(H5Dcreate2(parent, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, props, H5P_DEFAULT),
                H5Dclose);
}

void write_doubles_into(hid_t parent, const std::string& name, const double* data) {
  Handle ds(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  write_doubles_into(ds, data);
}

void write_doubles_into(hid_t ds, const double* data) {
  Handle space(H5Dget_space(ds), H5Sclose);
  if (H5Sget_simple_extent_npoints(space) > 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    char name[256] = "";
    H5Iget_name(ds, name, sizeof name);
    throw std::runtime_error(std::string("HDF5: cannot write dataset ") + name);
  }
}

void quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle create_file(const std::string& path) {
  return Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
}

Handle open_file(const std::string& path) {
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
}

Handle create_group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
}

Handle open_group(hid_t parent, const std::string& name) {
  return Handle(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose);
}

bool exists(hid_t parent, const std::string& path) {
  std::size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

void write_attr(hid_t obj, const std::string& name, const std::string& value) {
  // Variable-length UTF-8: h5py, h5netcdf and xarray give back a str, and the
  // text itself lives in the global heap, not in the attribute's header.
  Handle type = utf8_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr = make_attr(obj, name, type, space);
  const char* text = value.c_str();
  if (H5Awrite(attr, type, &text) < 0) throw std::runtime_error("HDF5: cannot write attribute " + name);
}

void write_attr(hid_t obj, const std::string& name, int64_t value) {
  write_scalar_attr(obj, name, H5T_NATIVE_INT64, value);
}
void write_attr(hid_t obj, const std::string& name, uint64_t value) {
  write_scalar_attr(obj, name, H5T_NATIVE_UINT64, value);
}
void write_attr(hid_t obj, const std::string& name, double value) {
  write_scalar_attr(obj, name, H5T_NATIVE_DOUBLE, value);
}

void write_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  Handle type = utf8_string_type();
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle attr = make_attr(obj, name, type, space);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  H5Awrite(attr, type, ptrs.data());
}

std::string read_attr_string(hid_t obj, const std::string& name) {
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr), H5Tclose);
  if (H5Tis_variable_str(type) > 0) {  // schema 2 and later
    char* s = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5Tget_cset(type));  // HDF5 does not convert ASCII <-> UTF-8
    if (H5Aread(attr, mem, &s) < 0) throw std::runtime_error("HDF5: cannot read attribute " + name);
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  std::string out(H5Tget_size(type), '\0');  // schema 1: fixed-length bytes
  H5Aread(attr, type, out.data());
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

int64_t read_attr_int(hid_t obj, const std::string& name) {
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  int64_t v = 0;
  H5Aread(attr, H5T_NATIVE_INT64, &v);
  return v;
}

std::vector<std::string> read_attr_strings(hid_t obj, const std::string& name) {
  Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem, H5T_VARIABLE);
  // The character set must match the file's: HDF5 does not convert ASCII <-> UTF-8.
  Handle file_type(H5Aget_type(attr), H5Tclose);
  H5Tset_cset(mem, H5Tget_cset(file_type));
  std::vector<char*> ptrs(n, nullptr);
  if (n > 0 && H5Aread(attr, mem, ptrs.data()) < 0) throw std::runtime_error("HDF5: cannot read attribute " + name);
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

Handle write_doubles(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, const double* data) {
  return write_dataset(parent, name, dims, H5T_NATIVE_DOUBLE, data);
}

Handle write_int64s(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims, const int64_t* data) {
  return write_dataset(parent, name, dims, H5T_NATIVE_INT64, data);
}

std::vector<double> read_doubles(hid_t parent, const std::string& name, std::vector<hsize_t>& dims) {
  return read_dataset<double>(parent, name, dims, H5T_NATIVE_DOUBLE);
}

std::vector<int64_t> read_int64s(hid_t parent, const std::string& name, std::vector<hsize_t>& dims) {
  return read_dataset<int64_t>(parent, name, dims, H5T_NATIVE_INT64);
}

std::vector<std::string> list(hid_t group) {
  std::vector<std::string> names;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names);
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

/// "replicate, day" -> {"replicate", "day"}.
std::vector<std::string> split_dimensions(const std::string& text) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!name.empty()) names.push_back(name);
    start = end + 1;
  }
  return names;
}

hsize_t length_of(hid_t ds) {
  Handle space(H5Dget_space(ds), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  return n;
}

void mark_scale(hid_t ds, const std::string& dim) {
  if (H5DSset_scale(ds, dim.c_str()) < 0) throw std::runtime_error("HDF5: cannot make /" + dim + " a dimension scale");
  write_attr(ds, "description", "coordinate of the " + dim + " axis");
}

/// The root dataset /DIM of length n that names an axis, made as 0..n-1
/// when missing; an invalid handle when /DIM exists with another length or
/// is not a scale (the axis then stays unnamed rather than mislabelled).
Handle scale_for(hid_t file, const std::string& dim, hsize_t n) {
  if (H5Lexists(file, dim.c_str(), H5P_DEFAULT) > 0) {
    Handle ds(H5Dopen2(file, dim.c_str(), H5P_DEFAULT), H5Dclose);
    if (H5DSis_scale(ds) > 0 && length_of(ds) == n) return ds;
    return Handle();
  }
  std::vector<int64_t> index(n);
  for (hsize_t i = 0; i < n; ++i) index[i] = int64_t(i);
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle ds(H5Dcreate2(file, dim.c_str(), H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (n > 0 && H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index.data()) < 0)
    throw std::runtime_error("HDF5: cannot write dimension scale /" + dim);
  mark_scale(ds, dim);
  return ds;
}

/// Whether `scale` is attached to axis `axis` of `ds`. H5DSis_attached
/// dereferences every dataset the scale already serves, so asking it for each
/// new dataset made attaching quadratic in the number of datasets (more than
/// half the instructions of a baseline run went there). A dataset with no
/// scale on the axis, the usual case, needs only a look at its own list.
bool scale_attached(hid_t ds, hid_t scale, unsigned axis) {
  return H5DSget_num_scales(ds, axis) > 0 && H5DSis_attached(ds, scale, axis) > 0;
}

/// One entry of a scale's REFERENCE_LIST, laid out as HDF5's dimension-scale
/// library lays it out (ds_list_t in H5DSprivate.h): the dataset, and which
/// of its axes the scale names.
struct ScaleUser {
  hobj_ref_t dataset;
  unsigned int dimension;
};

/// A root scale as the datasets that use it are found: H5DSattach_scale
/// rewrites the scale's whole REFERENCE_LIST at each attachment, quadratic in
/// the datasets of a file (hundreds share /replicate); a scale first seen
/// without a list gets it written once, whole, at the end.
struct Scale {
  Handle ds;
  hsize_t length = 0;
  bool in_bulk = false;  // no REFERENCE_LIST yet: users are gathered, then written at once
  hobj_ref_t ref{};
  std::vector<ScaleUser> users;
};

hobj_ref_t reference_to(hid_t file, const std::string& path) {
  hobj_ref_t ref{};
  if (H5Rcreate(&ref, file, path.c_str(), H5R_OBJECT, -1) < 0)
    throw std::runtime_error("HDF5: cannot make a reference to " + path);
  return ref;
}

/// A reference to the open object `obj` itself, without finding it by path.
hobj_ref_t reference_to(hid_t obj) { return reference_to(obj, "."); }

}  // namespace

class ScaleAttacher {
 public:
  explicit ScaleAttacher(hid_t file) : file_(file) {}

  /// Names the axes of the open dataset `ds` by the root scales `dims`.
  void attach(hid_t ds, const std::vector<std::string>& dims) {
    Handle space(H5Dget_space(ds), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank != int(dims.size())) return;  // a dimensions attribute that does not fit: leave the axes unnamed
    std::vector<hsize_t> shape(std::size_t(rank), 0);
    H5Sget_simple_extent_dims(space, shape.data(), nullptr);
    std::vector<Scale*> scales;
    for (unsigned axis = 0; axis < unsigned(rank); ++axis) scales.push_back(scale_for_axis(dims[axis], shape[axis]));
    // A dataset named before, itself a scale, or using a scale that already
    // has users goes through the library, one axis at a time.
    bool in_bulk = H5Aexists(ds, "DIMENSION_LIST") == 0 && H5DSis_scale(ds) <= 0;
    for (const Scale* scale : scales) in_bulk = in_bulk && (!scale || scale->in_bulk);
    std::vector<hvl_t> list(std::size_t(rank), hvl_t{0, nullptr});
    std::vector<hobj_ref_t> refs(shape.size());
    bool any = false;
    for (unsigned axis = 0; axis < unsigned(rank); ++axis) {
      Scale* scale = scales[axis];
      if (!scale) continue;
      if (!in_bulk) {
        if (scale_attached(ds, scale->ds, axis)) continue;
        if (H5DSattach_scale(ds, scale->ds, axis) < 0)
          throw std::runtime_error("HDF5: cannot attach dimension scale /" + dims[axis]);
        continue;
      }
      refs[axis] = scale->ref;
      list[axis] = hvl_t{1, &refs[axis]};
      scale->users.push_back({reference_to(ds), axis});
      any = true;
    }
    if (any) write_dimension_list(ds, list);
  }

  /// Writes each gathered scale's REFERENCE_LIST.
  void finish() {
    for (auto& [name, scale] : scales_) {
      if (!scale.in_bulk || scale.users.empty()) continue;
      Handle type(H5Tcreate(H5T_COMPOUND, sizeof(ScaleUser)), H5Tclose);
      H5Tinsert(type, "dataset", HOFFSET(ScaleUser, dataset), H5T_STD_REF_OBJ);
      H5Tinsert(type, "dimension", HOFFSET(ScaleUser, dimension), H5T_NATIVE_INT);
      // Users the library attached meanwhile (datasets it named one by one) are kept.
      if (H5Aexists(scale.ds, "REFERENCE_LIST") > 0) {
        std::vector<ScaleUser> earlier;
        {
          Handle old(H5Aopen(scale.ds, "REFERENCE_LIST", H5P_DEFAULT), H5Aclose);
          Handle old_space(H5Aget_space(old), H5Sclose);
          earlier.resize(std::size_t(H5Sget_simple_extent_npoints(old_space)));
          if (!earlier.empty() && H5Aread(old, type, earlier.data()) < 0)
            throw std::runtime_error("HDF5: cannot read the users of dimension scale /" + name);
        }
        H5Adelete(scale.ds, "REFERENCE_LIST");
        scale.users.insert(scale.users.begin(), earlier.begin(), earlier.end());
      }
      const hsize_t n = scale.users.size();
      Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
      Handle attr(H5Acreate2(scale.ds, "REFERENCE_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
      if (H5Awrite(attr, type, scale.users.data()) < 0)
        throw std::runtime_error("HDF5: cannot write the users of dimension scale /" + name);
    }
  }

 private:
  Scale* scale_for_axis(const std::string& dim, hsize_t n) {
    auto it = scales_.find(dim);
    if (it == scales_.end()) {
      Scale scale;
      scale.ds = scale_for(file_, dim, n);
      if (scale.ds.get() >= 0) {
        scale.length = n;
        scale.in_bulk = H5Aexists(scale.ds, "REFERENCE_LIST") == 0;
        scale.ref = reference_to(file_, "/" + dim);
      }
      it = scales_.emplace(dim, std::move(scale)).first;
    }
    Scale& scale = it->second;
    return scale.ds.get() >= 0 && scale.length == n ? &scale : nullptr;
  }

  void write_dimension_list(hid_t ds, const std::vector<hvl_t>& list) {
    Handle type(H5Tvlen_create(H5T_STD_REF_OBJ), H5Tclose);
    const hsize_t n = list.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Handle attr(H5Acreate2(ds, "DIMENSION_LIST", type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (H5Awrite(attr, type, list.data()) < 0) throw std::runtime_error("HDF5: cannot write a dimension list");
  }

  hid_t file_;
  std::map<std::string, Scale> scales_;
};

DimensionScales::DimensionScales(hid_t file) : attacher_(std::make_unique<ScaleAttacher>(file)) {}
DimensionScales::~DimensionScales() = default;

void DimensionScales::name_axes(hid_t ds, const std::string& dimensions) {
  write_attr(ds, "dimensions", dimensions);
  attach(ds, dimensions);
}

void DimensionScales::attach(hid_t ds, const std::string& dimensions) {
  attacher_->attach(ds, split_dimensions(dimensions));
}

void DimensionScales::finish() { attacher_->finish(); }

void write_scale(hid_t file, const std::string& dim, const std::vector<std::string>& labels) {
  Handle type = utf8_string_type();
  hsize_t n = labels.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle ds(H5Dcreate2(file, dim.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  std::vector<const char*> ptrs;
  for (const auto& l : labels) ptrs.push_back(l.c_str());
  if (n > 0 && H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    throw std::runtime_error("HDF5: cannot write dimension scale /" + dim);
  mark_scale(ds, dim);
}

void write_int64_scale(hid_t file, const std::string& dim, const std::vector<int64_t>& values,
                       const std::string& description) {
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle ds(H5Dcreate2(file, dim.c_str(), H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (n > 0 && H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw std::runtime_error("HDF5: cannot write dimension scale /" + dim);
  mark_scale(ds, dim);
  write_attr(ds, "description", description);
}

void attach_dimension_scales(hid_t file) {
  std::vector<std::string> paths;
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect_name, &paths);
  DimensionScales scales(file);
  for (const auto& path : paths) {
    Handle obj(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
    if (H5Iget_type(obj) != H5I_DATASET || H5Aexists(obj, "dimensions") <= 0) continue;
    scales.attach(obj, read_attr_string(obj, "dimensions"));
  }
  scales.finish();
}

}  // namespace cardsim::h5
