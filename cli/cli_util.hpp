#pragma once
// Helpers shared by the subcommands: option parsing, printing diagnostics, JSON values.

#include <map>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "compiler/driver/compilation.hpp"
#include "compiler/ir/value.hpp"
#include "compiler/jit/jit.hpp"

namespace herald::cli {

/// Parsed command-line options: `--name value` pairs, `--flag`s and positional arguments.
struct Options {
  std::map<std::string, std::string> values;
  std::vector<std::string> flags;
  std::vector<std::string> positional;
  bool has(const std::string& flag) const;
  std::string get(const std::string& name, const std::string& fallback = "") const;
};

/// Parses `args`; options in `withValue` take the next argument. Unknown options are an error
/// (message in `error`).
bool parseOptions(const Args& args, const std::vector<std::string>& withValue, const std::vector<std::string>& flags,
                  Options& out, std::string& error);

/// Compiles a pack for a command that runs it: prints errors (not warnings) to stderr.
/// Returns null and sets `exitCode` (1 pack errors, 2 unreadable) when it cannot be used.
std::unique_ptr<Compilation> compileForRun(const std::string& command, const std::string& path, int& exitCode);

/// Reads --engine interp|jit|auto (default auto); prints the error and returns false when bad.
bool engineMode(const Options& o, const std::string& command, JitTier::Mode& mode);

/// Prints the errors among the diagnostics to stderr, with their places.
void printErrors(const Compilation& c);

/// A value as JSON: null for unknown, seconds for a duration, ISO-8601 UTC for a timestamp.
std::string valueJson(const Value& v);

}  // namespace herald::cli
