#include "results.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "metrics.h"
#include "version.h"

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
}

void write_atomically(const std::string& path, const std::function<void(hid_t)>& write) {
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(path + ": cannot create output folder '" + dir.string() + "': " + ec.message());
  const fs::path tmp = dir / ("." + target.filename().string() + ".partial-" + std::to_string(getpid()));
  try {
    {
      errno = 0;
      hid_t raw = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      if (raw < 0) {
        const int err = errno;
        throw std::runtime_error(path + ": cannot create output file in '" + dir.string() + "'" +
                                 (err ? std::string(": ") + std::strerror(err) : std::string()));
      }
      h5::Handle file(raw, H5Fclose);
      write(file);
      if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw std::runtime_error(path + ": cannot flush output (disk full?)");
      file.reset();
    }
    fs::rename(tmp, target, ec);
    if (ec) throw std::runtime_error(path + ": cannot move finished output into place: " + ec.message());
  } catch (const std::runtime_error& e) {
    fs::remove(tmp, ec);
    const std::string what = e.what();
    if (what.rfind(path, 0) == 0) throw;
    throw std::runtime_error(path + ": writing failed (disk full or unwritable?): " + what);
  }
}

void write_run_file(const std::string& path, const RunResult& r) {
  write_atomically(path, [&](hid_t file) {
    write_provenance(file, r.scenario, r.seed, r.replicates);
    h5::write_attr(file, "days", r.days);
    h5::Handle ts = h5::create_group(file, "timeseries");
    h5::Handle tot = h5::create_group(file, "totals");
    const auto& reg = metric_registry();
    std::vector<double> buf(std::size_t(r.replicates * r.days));
    for (int m = 0; m < kMetricCount; ++m) {
      for (int64_t rep = 0; rep < r.replicates; ++rep)
        std::copy_n(&r.daily[std::size_t(rep)][std::size_t(m) * std::size_t(r.days)], r.days,
                    &buf[std::size_t(rep * r.days)]);
      h5::Handle d = h5::write_doubles(ts, reg[std::size_t(m)].name,
                                       {hsize_t(r.replicates), hsize_t(r.days)}, buf.data());
      const bool flow = reg[std::size_t(m)].kind == MetricKind::Flow;
      h5::write_attr(d, "units", reg[std::size_t(m)].units + (flow ? " per day" : ""));
      h5::write_attr(d, "description", reg[std::size_t(m)].description);
      h5::write_attr(d, "dimensions", std::string("replicate, day"));
      h5::Handle t = h5::write_doubles(tot, reg[std::size_t(m)].name, {hsize_t(r.replicates)},
                                       r.totals[std::size_t(m)].data());
      h5::write_attr(t, "units", reg[std::size_t(m)].units + (flow ? " per run" : ""));
      h5::write_attr(t, "description", reg[std::size_t(m)].description);
      h5::write_attr(t, "total_rule", reg[std::size_t(m)].total_rule);
      h5::write_attr(t, "dimensions", std::string("replicate"));
    }
  });
}

}  // namespace cardsim
