// MPI sharing of sweep tasks. Built only when CMake found MPI (CARDSIM_MPI);
// otherwise every function here reports a world of one process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiments/sweep.h"

namespace cardsim {

struct MpiWorld {
  bool active = false;  // started by mpirun with more than one rank
  int rank = 0;
  int size = 1;
};

/// Initialises MPI when this process was started by mpirun (or srun with
/// PMIx) and MPI is built in; a plain run never touches MPI.
MpiWorld mpi_start();
void mpi_stop(const MpiWorld& world);

/// Called on rank 0 for every finished task, in arrival order.
using TaskDone = std::function<void(int64_t task, const std::vector<double>& record)>;

/// Rank 0 hands out `pending` tasks in small batches to whichever rank asks
/// (a fast rank asks more often, so it takes more) and also works itself
/// between requests. Other ranks pass an empty `pending` and only work.
void mpi_run_tasks(const MpiWorld& world, const SweepSpec& spec, const SweepData& data,
                   const std::vector<int64_t>& pending, int threads, const TaskDone& done);

/// Stops every rank after an error on one (a worker waiting for work would
/// otherwise wait forever). Prints `why` first.
[[noreturn]] void mpi_abort(const MpiWorld& world, const std::string& why, int exit_code);

}  // namespace cardsim
