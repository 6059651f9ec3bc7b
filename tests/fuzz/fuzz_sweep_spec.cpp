// libFuzzer target: arbitrary bytes as a sweep spec. Loading, validation and
// the expansion of the design (grid, lhs, sobol, morris) may only refuse the
// input with InputError; any other exception, a crash, a sanitizer report,
// a hang or an allocation past the fuzzer's memory limit is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "experiments/sweep_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const cardsim::SweepSpec spec = cardsim::load_sweep_spec_text(text, "<fuzz>", CARDSIM_FUZZ_BASE_DIR);
    (void)cardsim::sweep_hash(spec);
    (void)cardsim::estimate_sweep_bytes(spec, 2);
  } catch (const cardsim::InputError&) {
  }
  return 0;
}
