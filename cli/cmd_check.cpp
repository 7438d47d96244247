// `herald check PACK`: compile and print diagnostics.

#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "compiler/ast/ast_printer.hpp"
#include "compiler/driver/compilation.hpp"

namespace herald::cli {

int runCheck(const Args& args) {
  std::string path, format = "text", colour = "auto";
  bool dumpAst = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dump-ast") {
      dumpAst = true;
    } else if ((a == "--format" || a == "--color") && i + 1 < args.size()) {
      (a == "--format" ? format : colour) = args[++i];
    } else if (a.rfind("--format=", 0) == 0) {
      format = a.substr(9);
    } else if (a == "--json") {
      format = "json";
    } else if (a == "--help" || a == "-h") {
      std::fputs(helpText("check").c_str(), stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "herald check: unknown option '%s'\n%s", a.c_str(), helpText("check").c_str());
      return 2;
    } else if (path.empty()) {
      path = a;
    } else {
      std::fprintf(stderr, "herald check: one pack at a time ('%s' and '%s')\n", path.c_str(), a.c_str());
      return 2;
    }
  }
  if (path.empty()) {
    std::fputs(helpText("check").c_str(), stderr);
    return 2;
  }
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "herald check: --format takes text or json, not '%s'\n", format.c_str());
    return 2;
  }
  if (colour != "auto" && colour != "always" && colour != "never") {
    std::fprintf(stderr, "herald check: --color takes auto, always or never, not '%s'\n", colour.c_str());
    return 2;
  }
  std::string error;
  auto compilation = Compilation::fromFile(path, error);
  if (!compilation) {
    std::fprintf(stderr, "herald check: %s\n", error.c_str());
    return 2;
  }
  bool useColour = colour == "always" || (colour == "auto" && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr);
  const DiagnosticEngine& diags = compilation->diags();
  std::string out;
  for (const Diagnostic& d : diags.all()) {
    if (format == "json") out += formatDiagnosticJson(compilation->sources(), d) + "\n";
    else out += formatDiagnostic(compilation->sources(), d, useColour);
  }
  if (format == "text" && !diags.all().empty()) {
    size_t e = diags.errorCount(), w = diags.warningCount();
    out += fmt::format("{}: {} error{}, {} warning{}\n", path, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
  }
  if (dumpAst) out += printAst(compilation->pack(), &compilation->sources());
  std::fwrite(out.data(), 1, out.size(), stdout);
  return diags.hasErrors() ? 1 : 0;
}

}  // namespace herald::cli
