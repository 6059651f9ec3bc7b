// cardsim: agent-based simulation of the SIM-card black market.
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return cardsim::run_cli(args);
}
