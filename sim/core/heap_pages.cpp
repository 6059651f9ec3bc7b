#include "core/heap_pages.h"

#include <cstdint>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

// Sanitizers bring their own allocator, which has no heap top to pad.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CARDSIM_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CARDSIM_OWN_ALLOCATOR 1
#endif
#endif

namespace cardsim {

HeapPages back_heap_with_huge_pages(std::size_t pad_bytes) {
  HeapPages done;
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE) && defined(M_TOP_PAD) && !defined(CARDSIM_OWN_ALLOCATOR)
  constexpr std::uintptr_t kHuge = std::uintptr_t(2) << 20;
  constexpr std::size_t kBlock = std::size_t(64) << 10;  // below the mmap threshold: served by the heap
  constexpr int kMaxBlocks = 64;
  if (pad_bytes < kHuge || pad_bytes > std::size_t(1) << 30) return done;
  // glibc extends its heap by the request plus M_TOP_PAD and keeps that much
  // free at the top when it trims: the heap's growth then happens here, once.
  if (mallopt(M_TOP_PAD, int(pad_bytes)) != 1) return done;
  const auto before = reinterpret_cast<std::uintptr_t>(sbrk(0));
  void* blocks[kMaxBlocks];
  int n = 0;
  while (n < kMaxBlocks && reinterpret_cast<std::uintptr_t>(sbrk(0)) == before) {
    blocks[n] = std::malloc(kBlock);
    if (!blocks[n]) break;
    ++n;
  }
  for (int i = 0; i < n; ++i) std::free(blocks[i]);
  // The heap's top after the frees: glibc may trim the blocks' bytes above
  // the pad, and a range past the new top is not mapped (madvise would
  // refuse it all, about one start in 30).
  const auto top = reinterpret_cast<std::uintptr_t>(sbrk(0));
  // Only whole huge pages of the new, untouched range: a 2 MB page whose
  // 4 kB pages were already faulted cannot become one.
  const std::uintptr_t start = (before + kHuge - 1) / kHuge * kHuge;
  const std::uintptr_t end = top / kHuge * kHuge;
  if (end > start && madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE) == 0)
    done = HeapPages{start, std::size_t(end - start)};
#else
  (void)pad_bytes;
#endif
  return done;
}

}  // namespace cardsim
