#pragma once
// The subcommands of `herald`. Each returns the process exit code:
// 0 success, 1 errors in the user's input, 2 usage or I/O errors.

#include <string>
#include <vector>

namespace herald::cli {

using Args = std::vector<std::string>;

int runCheck(const Args& args);
int runEval(const Args& args);
int runExplain(const Args& args);
int runContacts(const Args& args);
int runList(const Args& args);
int runRun(const Args& args);
int runFlush(const Args& args);

/// Help text of one command, or of all.
std::string helpText(const std::string& command);

}  // namespace herald::cli
