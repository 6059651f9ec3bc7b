// cardsim: agent-based simulation of the SIM-card black market.
#include <string>
#include <vector>

#include "cli/cli.h"
#include "core/heap_pages.h"

int main(int argc, char** argv) {
  cardsim::back_heap_with_huge_pages();
  std::vector<std::string> args(argv + 1, argv + argc);
  return cardsim::run_cli(args);
}
