// The process heap on transparent huge pages, so that a short run does not
// spend a third of its time in page faults.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cardsim {

/// What back_heap_with_huge_pages did: the heap range marked for huge pages
/// (empty when nothing was done: another C library, or a kernel that refused).
struct HeapPages {
  std::uintptr_t start = 0;  // 2 MB aligned
  std::size_t marked_bytes = 0;  // whole 2 MB pages
};

/// Makes the main heap grow in steps of `pad_bytes` and marks the range it
/// has just grown by for transparent huge pages (`madvise(MADV_HUGEPAGE)`),
/// so that the heap is faulted in 2 MB at a time instead of 4 kB. A
/// one-replicate run of a million holders took about 4,100 page faults,
/// most of them HDF5 and the scenario's allocations on the heap, at several
/// microseconds each on a virtual machine: a third of the run (bench/README.md).
/// Only memory that is touched is backed, so the resident size grows by at
/// most a few huge pages. Call once, first thing in main, before threads.
/// glibc only; elsewhere it does nothing.
HeapPages back_heap_with_huge_pages(std::size_t pad_bytes = std::size_t(64) << 20);

}  // namespace cardsim
