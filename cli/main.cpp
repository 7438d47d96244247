// `herald`: one program with subcommands (LANGUAGE.md section 9).

#include <cstdio>
#include <string>

#include "cli/commands.hpp"

namespace herald::cli {

std::string helpText(const std::string& command) {
  if (command == "check")
    return "usage: herald check PACK [--format text|json] [--dump-ast] [--color auto|always|never]\n"
           "\n"
           "Compiles PACK and prints every problem found: errors and warnings, sorted by place.\n"
           "A clean pack prints nothing. --format json prints one JSON object per diagnostic.\n"
           "--dump-ast prints the syntax tree (after diagnostics).\n"
           "Exit code: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error.\n";
  return "usage: herald COMMAND [ARGS]\n"
         "\n"
         "commands:\n"
         "  check PACK       compile a pack and print its diagnostics\n"
         "  help [COMMAND]   explain a command\n"
         "  version          print the version\n"
         "\n"
         "See docs/guide.md and docs/language.md.\n";
}

}  // namespace herald::cli

int main(int argc, char** argv) {
  using namespace herald::cli;
  Args args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(helpText("").c_str(), stderr);
    return 2;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(helpText(args.empty() ? "" : args[0]).c_str(), stdout);
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::puts("herald 0.1.0");
    return 0;
  }
  if (command == "check") return runCheck(args);
  std::fprintf(stderr, "herald: unknown command '%s'\n\n%s", command.c_str(), helpText("").c_str());
  return 2;
}
