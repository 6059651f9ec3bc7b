// The heap on transparent huge pages (sim/core/heap_pages.h): the range it
// marks is whole 2 MB pages of the heap, and the kernel records the advice.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "core/heap_pages.h"

namespace {

/// The VmFlags line of the mapping of /proc/self/smaps that contains `address`.
[[maybe_unused]] std::string vm_flags_at(std::uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> from >> dash >> to && dash == '-') inside = from <= address && address < to;
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

[[maybe_unused]] bool kernel_offers_huge_pages() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  std::getline(mode, text);
  return !text.empty() && text.find("[never]") == std::string::npos;
}

}  // namespace

TEST_CASE("heap pages: the heap's new range is marked for huge pages, in whole 2 MB pages", "[heap_pages]") {
  const cardsim::HeapPages done = cardsim::back_heap_with_huge_pages(std::size_t(16) << 20);
  constexpr std::uintptr_t kHuge = std::uintptr_t(2) << 20;
  CHECK(done.start % kHuge == 0);
  CHECK(done.marked_bytes % kHuge == 0);
  CHECK(done.marked_bytes <= (std::size_t(16) << 20));
#if defined(__GLIBC__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  if (!kernel_offers_huge_pages()) return;  // nothing to mark on a kernel without them
  REQUIRE(done.marked_bytes > 0);
  CHECK(vm_flags_at(done.start).find(" hg") != std::string::npos);
  CHECK(vm_flags_at(done.start + done.marked_bytes - 1).find(" hg") != std::string::npos);
#endif
}
