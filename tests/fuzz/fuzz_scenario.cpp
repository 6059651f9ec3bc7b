// libFuzzer target: arbitrary bytes as a scenario file. Loading, validation
// and the resolved-YAML round trip may only ever refuse the input with
// InputError; any other exception, a crash, a sanitizer report, a hang or a
// round trip that changes the scenario is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // An uncaught exception terminates the process, which libFuzzer reports as
  // a crash; a round-trip mismatch aborts explicitly.
  if (cardsim::fuzz::check_scenario_text(text, CARDSIM_FUZZ_BASE_DIR) == cardsim::fuzz::Verdict::RoundTripMismatch)
    std::abort();
  return 0;
}
