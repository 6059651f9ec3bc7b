// Where a command writes, decided and checked before it computes anything:
// default names come from the scenario's or spec's `name:` and stay under
// results/; an output never replaces one of the command's inputs or a
// folder; a file at a default path is never replaced silently.
#pragma once

#include <string>
#include <vector>

namespace cardsim {

/// results/<name><suffix>. Throws InputError when `name` cannot name a file
/// there: empty, a path separator, "..", a leading '.', a control character,
/// or longer than 200 bytes.
std::string default_output_path(const std::string& name, const std::string& suffix, const std::string& folder = "results");

/// The output a command will write, checked before the work starts:
/// `path` must not be a folder nor the same file as any of `inputs`; at a
/// default path (`explicit_out` false) an existing file is refused unless
/// `force`; then the folder is created and a test file written there.
/// InputError (exit 2) for a bad choice of path, std::runtime_error (exit 1)
/// when the file system refuses.
void check_output_path(const std::string& path, const std::vector<std::string>& inputs, bool explicit_out, bool force);

}  // namespace cardsim
