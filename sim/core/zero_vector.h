// A std::vector whose new elements are left as the zero bytes calloc gives.
// Large per-person arrays then cost nothing until a page is first touched:
// the kernel maps zero pages lazily, so building a world of 100 million
// identity holders does not write 100 million entries.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace cardsim {

template <class T>
struct ZeroAllocator {
  using value_type = T;
  ZeroAllocator() = default;
  template <class U>
  ZeroAllocator(const ZeroAllocator<U>&) noexcept {}

  // Arrays of 1 MB and more come straight from mmap, 2 MB aligned and marked
  // for transparent huge pages: random access by person id then misses the
  // TLB far less, and a 100-million-person world takes hundreds of page
  // faults instead of hundreds of thousands. Fresh mappings are also what
  // keeps an untouched array free: calloc hands back reused heap memory
  // once glibc has raised its mmap threshold, and must then clear it (an
  // 8 MB memset per replicate for the velocity windows of a 1M world).
  static constexpr std::size_t kHuge = std::size_t(2) << 20;
  static constexpr std::size_t kMapAbove = std::size_t(1) << 20;

  static std::size_t mapped_bytes(std::size_t n) { return (n * sizeof(T) + kHuge - 1) / kHuge * kHuge; }

  T* allocate(std::size_t n) {
    if (n * sizeof(T) < kMapAbove) {
      void* p = std::calloc(n, sizeof(T));
      if (!p && n > 0) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    const std::size_t bytes = mapped_bytes(n);
    void* raw = mmap(nullptr, bytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHuge - 1) / kHuge * kHuge;
    if (aligned > start) munmap(raw, aligned - start);  // trim to the 2 MB boundary
    const std::uintptr_t tail = start + bytes + kHuge - (aligned + bytes);
    if (tail > 0) munmap(reinterpret_cast<void*>(aligned + bytes), tail);
    madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
    return reinterpret_cast<T*>(aligned);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kMapAbove)
      std::free(p);
    else
      munmap(p, mapped_bytes(n));
  }

  // Value-initialisation is a no-op: calloc already zeroed the memory.
  template <class U>
  void construct(U*) noexcept {}
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const ZeroAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const ZeroAllocator<U>&) const noexcept { return false; }
};

/// Only for trivially copyable element types whose zero bytes mean zero.
template <class T>
using ZeroVector = std::vector<T, ZeroAllocator<T>>;

}  // namespace cardsim
