// Every input kept in tests/fuzz/regressions/ (crashes the scenario fuzzer
// found, and hand-made edge cases) goes through exactly the fuzzer's path:
// it must load or be refused with InputError, never throw anything else,
// crash (ASan/UBSan in `make test-asan`) or change in the resolved round trip.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz/fuzz_check.h"

using namespace cardsim;
namespace fs = std::filesystem;

namespace {

const fs::path kRegressions = fs::path(CARDSIM_SOURCE_DIR) / "tests/fuzz/regressions";
const std::string kBaseDir = std::string(CARDSIM_SOURCE_DIR) + "/scenarios/policies";

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

TEST_CASE("fuzzer regression inputs load or are refused with InputError", "[fuzz]") {
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(kRegressions)) {
    if (!entry.is_regular_file()) continue;
    ++count;
    INFO("input: " << entry.path().filename().string());
    fuzz::Verdict verdict = fuzz::Verdict::Refused;
    REQUIRE_NOTHROW(verdict = fuzz::check_scenario_text(read_bytes(entry.path()), kBaseDir));
    CHECK(verdict != fuzz::Verdict::RoundTripMismatch);
  }
  CHECK(count >= 10);
}
