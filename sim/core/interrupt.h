// Ctrl-C (SIGINT) during long work: the handler only sets a flag, and the
// simulation looks at it at each day boundary, so a run stops between days
// with every structure consistent and no output written.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace cardsim {

/// Thrown at a day boundary once SIGINT has arrived. Maps to exit code 130.
class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int64_t on_day)
      : std::runtime_error("interrupted (SIGINT) on day " + std::to_string(on_day)), day(on_day) {}
  int64_t day;
};

/// Installs the SIGINT handler. A second SIGINT gets the default action
/// (immediate termination), so an impatient user is never stuck.
void install_interrupt_handler();

/// True once SIGINT has arrived (or request_interrupt was called).
bool interrupt_requested();

/// Sets or clears the flag by hand (tests; a caller that wants to stop work).
void request_interrupt();
void clear_interrupt();

/// Throws Interrupted when the flag is set; called at day boundaries.
void stop_if_interrupted(int64_t day);

}  // namespace cardsim
