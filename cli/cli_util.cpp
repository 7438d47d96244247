#include <cstdlib>
#include "cli/cli_util.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>

#include "stdlib/time.hpp"

namespace herald::cli {

bool Options::has(const std::string& flag) const {
  return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

std::string Options::get(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

bool parseOptions(const Args& args, const std::vector<std::string>& withValue, const std::vector<std::string>& flags,
                  Options& out, std::string& error) {
  auto member = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string inlineValue;
    bool hasInline = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      inlineValue = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      hasInline = true;
    }
    if (member(withValue, a)) {
      if (hasInline) {
        out.values[a] = inlineValue;
      } else if (i + 1 < args.size()) {
        out.values[a] = args[++i];
      } else {
        error = fmt::format("option {} needs a value", a);
        return false;
      }
    } else if (member(flags, a) && !hasInline) {
      out.flags.push_back(a);
    } else if (a.size() > 1 && a[0] == '-') {
      error = fmt::format("unknown option '{}'", a);
      return false;
    } else {
      out.positional.push_back(a);
    }
  }
  return true;
}

void printErrors(const Compilation& c) {
  bool colour = isatty(STDERR_FILENO) && std::getenv("NO_COLOR") == nullptr;
  for (const Diagnostic& d : c.diags().all())
    if (d.severity == Severity::Error) std::fputs(formatDiagnostic(c.sources(), d, colour).c_str(), stderr);
}

std::unique_ptr<Compilation> compileForRun(const std::string& command, const std::string& path, int& exitCode) {
  std::string error;
  auto c = Compilation::fromFile(path, error);
  if (!c) {
    std::fprintf(stderr, "herald %s: %s\n", command.c_str(), error.c_str());
    exitCode = 2;
    return nullptr;
  }
  if (!c->ok()) {
    printErrors(*c);
    std::fprintf(stderr, "herald %s: %s has errors; run `herald check %s`\n", command.c_str(), path.c_str(),
                 path.c_str());
    exitCode = 1;
    return nullptr;
  }
  return c;
}

std::string valueJson(const Value& v) {
  if (!v.known()) return "null";
  switch (v.kind) {
    case TypeKind::Bool: return v.boolean ? "true" : "false";
    case TypeKind::Int:
    case TypeKind::Duration: return std::to_string(v.integer);
    case TypeKind::Float: {
      std::string s = fmt::format("{}", v.real);
      if (s.find_first_of(".en") == std::string::npos) s += ".0";
      return s;
    }
    case TypeKind::Timestamp: return "\"" + formatInstantUtc(v.integer) + "\"";
    case TypeKind::String:
    case TypeKind::Enum: return jsonString(v.text);
    case TypeKind::Set: {
      std::string s = "[";
      for (size_t i = 0; i < v.set.size(); ++i) s += (i ? "," : "") + jsonString(v.set[i]);
      return s + "]";
    }
    default: return "null";
  }
}

bool engineMode(const Options& o, const std::string& command, JitTier::Mode& mode) {
  const char* fromEnvironment = std::getenv("HERALD_ENGINE");  // tests run whole suites on one engine
  std::string text = o.get("--engine", fromEnvironment && *fromEnvironment ? fromEnvironment : "auto");
  if (JitTier::parseMode(text, mode)) return true;
  std::fprintf(stderr, "herald %s: --engine must be interp, jit or auto, not '%s'\n", command.c_str(), text.c_str());
  return false;
}

}  // namespace herald::cli
