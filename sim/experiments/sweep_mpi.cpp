#include "experiments/sweep_mpi.h"

#include <cstdlib>
#include <iostream>

#ifdef CARDSIM_MPI
#include <mpi.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#endif

namespace cardsim {

#ifndef CARDSIM_MPI

MpiWorld mpi_start() {
  // Without MPI every rank of an mpirun would run the whole sweep and race on
  // the same journal and output: refuse instead.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* size = std::getenv(v);
    if (size && std::atoi(size) > 1)
      throw InputError("this cardsim was built without MPI, so it cannot share a sweep across mpirun ranks; "
                       "rebuild with MPI (libopenmpi-dev) or run it without mpirun");
  }
  return {};
}
void mpi_stop(const MpiWorld&) {}
void mpi_run_tasks(const MpiWorld&, const SweepSpec&, const SweepData&, const std::vector<int64_t>&, int,
                   const TaskDone&) {}
void mpi_abort(const MpiWorld&, const std::string& why, int exit_code) {
  std::cerr << "cardsim: error: " << why << "\n";
  std::exit(exit_code);
}

#else

namespace {

constexpr auto kMinPause = std::chrono::microseconds(50);
constexpr auto kMaxPause = std::chrono::microseconds(2000);
constexpr int kTagRequest = 1;  // worker -> rank 0: finished records and a request for more
constexpr int kTagWork = 2;     // rank 0 -> worker: task ids; none means stop

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

/// Request layout: [wanted, count, then count times (task, record...)].
std::vector<double> make_request(int64_t wanted, const std::vector<int64_t>& tasks,
                                 const std::vector<std::vector<double>>& records) {
  std::vector<double> msg{double(wanted), double(tasks.size())};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    msg.push_back(double(tasks[i]));  // exact: task counts stay far below 2^53
    msg.insert(msg.end(), records[i].begin(), records[i].end());
  }
  return msg;
}

/// Receives one request, reports its records, returns (source, wanted).
std::pair<int, int64_t> serve_request(const MPI_Status& probe, std::size_t record_size, const TaskDone& done) {
  int count = 0;
  MPI_Get_count(&probe, MPI_DOUBLE, &count);
  std::vector<double> msg(static_cast<std::size_t>(count));
  MPI_Recv(msg.data(), count, MPI_DOUBLE, probe.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  const auto n = std::size_t(msg[1]);
  std::size_t pos = 2;
  for (std::size_t i = 0; i < n; ++i, pos += 1 + record_size)
    done(int64_t(msg[pos]), std::vector<double>(msg.begin() + long(pos) + 1, msg.begin() + long(pos + 1 + record_size)));
  return {probe.MPI_SOURCE, int64_t(msg[0])};
}

/// The pending tasks, shared by rank 0's compute threads and the batches it
/// sends to workers.
class TaskQueue {
 public:
  explicit TaskQueue(const std::vector<int64_t>& pending) : pending_(pending) {}

  /// Up to `n` tasks, in order; none when the queue is empty.
  std::vector<int64_t> take(int64_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<int64_t> out;
    while (int64_t(out.size()) < n && next_ < pending_.size()) out.push_back(pending_[next_++]);
    return out;
  }
  int64_t remaining() {
    std::lock_guard<std::mutex> lock(mutex_);
    return int64_t(pending_.size() - next_);
  }
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    next_ = pending_.size();
  }

 private:
  const std::vector<int64_t>& pending_;
  std::size_t next_ = 0;
  std::mutex mutex_;
};

/// Rank 0's own share of the work: compute threads take one task at a time
/// from the queue and leave the records for the main thread, the only one
/// that calls MPI, which stays free to answer workers at once.
class LocalCompute {
 public:
  LocalCompute(const SweepSpec& spec, const SweepData& data, TaskQueue& queue, int threads)
      : queue_(queue), active_(threads) {
    try {
      for (int i = 0; i < threads; ++i) threads_.emplace_back([this, &spec, &data] { compute(spec, data); });
    } catch (...) {  // no more threads to be had: stop those that started
      active_ -= threads - int(threads_.size());
      stop();
      throw;
    }
  }
  ~LocalCompute() { stop(); }

  /// Reports finished tasks; rethrows the first error of a compute thread.
  void drain(const TaskDone& done) {
    std::vector<std::pair<int64_t, std::vector<double>>> ready;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error_) std::rethrow_exception(error_);
      ready.swap(finished_);
    }
    for (auto& [task, record] : ready) done(task, record);
  }
  bool running() {
    std::lock_guard<std::mutex> lock(mutex_);
    return active_ > 0 || !finished_.empty() || error_;
  }
  int64_t tasks_done() {
    std::lock_guard<std::mutex> lock(mutex_);
    return tasks_done_;
  }

 private:
  /// After an error: each thread finishes its task and stops.
  void stop() {
    queue_.close();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  void compute(const SweepSpec& spec, const SweepData& data) {
    try {
      for (std::vector<int64_t> t = queue_.take(1); !t.empty(); t = queue_.take(1)) {
        std::vector<double> record = run_task(spec, data, t[0]);
        std::lock_guard<std::mutex> lock(mutex_);
        finished_.emplace_back(t[0], std::move(record));
        ++tasks_done_;
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    --active_;
  }

  TaskQueue& queue_;
  int active_;  // compute threads still running
  std::mutex mutex_;
  std::vector<std::pair<int64_t, std::vector<double>>> finished_;
  std::exception_ptr error_;
  int64_t tasks_done_ = 0;
  std::vector<std::thread> threads_;
};

/// Rank 0: its compute threads work through the queue while the main thread
/// hands out batches on request (polling every 2 ms at most, so a worker
/// never waits for a task of rank 0's to end) and reports every finished
/// task. A request with wanted == 0 is a worker's last: it brings its final
/// records and gets no reply.
void coordinate(const MpiWorld& world, const SweepSpec& spec, const SweepData& data,
                const std::vector<int64_t>& pending, int threads, const TaskDone& done) {
  TaskQueue queue(pending);
  int workers = world.size - 1;
  std::vector<int64_t> runs_by_rank(std::size_t(world.size), 0);
  {
    LocalCompute local(spec, data, queue, threads);
    // Polling pause: short after a request (others tend to follow), doubling
    // while none comes, up to 2 ms. Each wake-up takes a core from a compute
    // thread for a moment; workers hold a batch in reserve, so 2 ms is no wait.
    auto pause = kMinPause;
    while (workers > 0 || local.running()) {
      local.drain(done);
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, &st);
      if (!flag) {
        std::this_thread::sleep_for(pause);
        pause = std::min(2 * pause, kMaxPause);
        continue;
      }
      pause = kMinPause;
      auto [source, wanted] = serve_request(st, data.record_size(), done);
      if (wanted == 0) {
        --workers;
        continue;
      }
      // Guided batches: an eighth of an even share of what remains (few
      // round trips while much work remains, down to what the worker asked
      // for near the end). Small, because a worker holds its batch and the
      // next one: a slow rank holding a large batch when the queue runs dry
      // leaves the others idle.
      const int64_t size = std::max<int64_t>(wanted, queue.remaining() / (8 * int64_t(world.size)));
      const std::vector<int64_t> batch = queue.take(size);
      runs_by_rank[std::size_t(source)] += int64_t(batch.size());
      MPI_Send(batch.data(), int(batch.size()), MPI_INT64_T, source, kTagWork, MPI_COMM_WORLD);
    }
    runs_by_rank[0] = local.tasks_done();
  }
  std::cerr << "cardsim: runs done per MPI rank:";
  for (int64_t n : runs_by_rank) std::cerr << " " << n;
  std::cerr << "\n";
}

std::vector<int64_t> receive_batch() {
  MPI_Status st;
  MPI_Probe(0, kTagWork, MPI_COMM_WORLD, &st);
  int count = 0;
  MPI_Get_count(&st, MPI_INT64_T, &count);
  std::vector<int64_t> tasks(std::size_t(count), 0);
  MPI_Recv(tasks.data(), count, MPI_INT64_T, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return tasks;
}

void send_request(int64_t wanted, const std::vector<int64_t>& tasks, const std::vector<std::vector<double>>& records) {
  std::vector<double> req = make_request(wanted, tasks, records);
  MPI_Send(req.data(), int(req.size()), MPI_DOUBLE, 0, kTagRequest, MPI_COMM_WORLD);
}

std::vector<std::vector<double>> run_batch(const SweepSpec& spec, const SweepData& data,
                                           const std::vector<int64_t>& tasks, int threads) {
  std::vector<std::vector<double>> records(tasks.size());
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    try {
      records[i] = run_task(spec, data, tasks[i]);
    } catch (...) {
#pragma omp critical(cardsim_mpi_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  return records;
}

/// A worker keeps one request in flight while it computes: the next batch is
/// asked for (with the previous batch's records) before the current one is
/// run, so a worker does not wait for the round trip.
void work(const SweepSpec& spec, const SweepData& data, int threads) {
  const int n = threads > 0 ? threads : omp_get_max_threads();
  const int wanted = n;  // one task per thread; near the end, ranks then finish within a task of each other
  std::vector<int64_t> done_tasks;
  std::vector<std::vector<double>> done_records;
  send_request(wanted, done_tasks, done_records);
  std::vector<int64_t> batch = receive_batch();
  while (!batch.empty()) {
    send_request(wanted, done_tasks, done_records);  // ask for the next batch now
    done_records = run_batch(spec, data, batch, n);
    done_tasks = batch;
    batch = receive_batch();
  }
  send_request(0, done_tasks, done_records);  // last records; no reply comes
}

}  // namespace

MpiWorld mpi_start() {
  MpiWorld w;
  if (!launched_by_mpirun()) return w;
  int provided = 0;
  // Only the main thread calls MPI; OpenMP threads just compute.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  w.active = w.size > 1;
  return w;
}

void mpi_stop(const MpiWorld&) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Finalize();
}

void mpi_run_tasks(const MpiWorld& world, const SweepSpec& spec, const SweepData& data,
                   const std::vector<int64_t>& pending, int threads, const TaskDone& done) {
  try {
    if (world.rank == 0)
      coordinate(world, spec, data, pending, threads > 0 ? threads : omp_get_max_threads(), done);
    else
      work(spec, data, threads);
  } catch (const std::exception& e) {
    mpi_abort(world, e.what(), 1);
  }
}

void mpi_abort(const MpiWorld& world, const std::string& why, int exit_code) {
  std::cerr << "cardsim: error (rank " << world.rank << "): " << why << "\n";
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized && world.active) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::exit(exit_code);
}

#endif

}  // namespace cardsim
