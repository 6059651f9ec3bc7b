// The command line: parses arguments and calls into the engine.
#pragma once

#include <string>
#include <vector>

namespace cardsim {

/// Exit codes: 0 success, 2 bad input, 1 internal failure, 130 stopped by
/// SIGINT (the shell's 128 + signal number).
constexpr int kExitOk = 0, kExitFailure = 1, kExitBadInput = 2, kExitInterrupted = 130;

/// Runs `cardsim <args>`; returns the exit code. Messages go to stderr.
int run_cli(const std::vector<std::string>& args);

}  // namespace cardsim
