#include "core/interrupt.h"

#include <atomic>
#include <csignal>

namespace cardsim {
namespace {

// Lock-free, so setting it is async-signal-safe; atomic, so the OpenMP
// threads that read it see the store without a data race.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // the second Ctrl-C kills at once
  sigaction(SIGINT, &action, nullptr);
}

bool interrupt_requested() { return g_interrupted.load(std::memory_order_relaxed); }
void request_interrupt() { g_interrupted.store(true, std::memory_order_relaxed); }
void clear_interrupt() { g_interrupted.store(false, std::memory_order_relaxed); }

void stop_if_interrupted(int64_t day) {
  if (interrupt_requested()) throw Interrupted(day);
}

}  // namespace cardsim
