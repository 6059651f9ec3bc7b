// A std::vector whose new elements are left as the zero bytes calloc gives.
// Large per-person arrays then cost nothing until a page is first touched:
// the kernel maps zero pages lazily, so building a world of 100 million
// identity holders does not write 100 million entries.
#pragma once

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

  T* allocate(std::size_t n) {
    void* p = std::calloc(n, sizeof(T));
    if (!p && n > 0) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

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
