// Hands a results file to the Python analysis package (cardsim-analysis),
// which the .deb recommends but does not require.
#pragma once

#include <ostream>
#include <string>

namespace cardsim {

/// Runs `cardsim-analysis report RESULTS --out HTML` when the package is
/// installed (beside this binary, in the source tree it was built from, or
/// on PATH) and returns true; otherwise tells `out` the command to run once
/// it is installed and returns false.
bool write_html_report(const std::string& results, const std::string& html, std::ostream& out);

}  // namespace cardsim
