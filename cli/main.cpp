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
  if (command == "eval")
    return "usage: herald eval PACK --customers FILE [--at TIME] (--expr EXPR | --segment NAME | --campaign NAME)\n"
           "                  [--where] [--count] [--skip-bad-rows] [--stats] [--events FILE] [--rows]\n"
           "                  [--engine interp|jit|auto] [--jit-cache DIR] [--verbose]\n"
           "\n"
           "Evaluates an expression, a segment (or let), or a campaign's audience for every customer and\n"
           "prints one JSON line per customer: {\"id\":\"c1\",\"value\":true}; unknown is null, a failed\n"
           "evaluation prints {\"id\":\"c1\",\"error\":\"division by zero\"}.\n"
           "--where prints only customers where the value is true; --count prints one line\n"
           "{\"count\":N,\"unknown\":U,\"errors\":E}. --at sets `now` (ISO-8601, read in the pack's time\n"
           "zone unless it has Z or an offset; default: the current time).\n"
           "--stats prints phase timings as JSON to standard error.\n"
           "--engine picks the interpreter, the JIT (native code), or auto (default: interpret until the\n"
           "JIT is ready); --jit-cache DIR keeps compiled code for the next start; --verbose says what the\n"
           "JIT compiled and what it left to the interpreter.\n"
           "Customers: CSV with a header row or JSON Lines (.jsonl); see docs/guide.md.\n";
  if (command == "explain")
    return "usage: herald explain PACK --customers FILE --customer ID (--campaign NAME | --segment NAME |\n"
           "                     --expr EXPR) [--events FILE] [--at TIME] [--json]\n"
           "\n"
           "Shows why one customer is or is not in an audience: the condition as a tree, each part\n"
           "with its value (true, false, unknown or an error) and the values of the fields it reads,\n"
           "then a verdict naming the conditions that decided it. --json prints it as one JSON object.\n";
  if (command == "run")
    return "usage: herald run PACK --db STORE --activity NAME [--customers FILE] [--at TIME] [--dry-run] [--json]\n"
           "                 [--stats] [--engine interp|jit|auto] [--jit-cache DIR] [--verbose]\n"
           "\n"
           "Runs one activity at an instant (default: now): first decides deferred contacts that are due,\n"
           "then takes every customer in a campaign's audience, arbitrates by priority under dnd,\n"
           "exclusion lists, per_customer, policies, limits, budgets, quiet hours and hold-outs, and\n"
           "records every decision with its reason in the store, in one transaction. Running the same\n"
           "activity at the same instant again changes nothing and says so (\"already done\").\n"
           "--dry-run computes everything and writes nothing. --json prints the summary as JSON.\n"
           "--engine, --jit-cache and --verbose as for eval (audiences and priorities in native code).\n";
  if (command == "flush")
    return "usage: herald flush PACK --db STORE [--customers FILE] [--at TIME] [--json]\n"
           "\n"
           "Decides deferred and delayed contacts that are due by TIME (runs do this first).\n";
  if (command == "contacts")
    return "usage: herald contacts --db STORE [--run N] [--customer ID] [--campaign NAME] [--json]\n"
           "\n"
           "Shows what the store recorded and why: every decision (sent, control, suppressed or\n"
           "deferred) with its reason, in run order then decision order. --run, --customer and\n"
           "--campaign keep only the matching entries. --json prints one JSON object per entry.\n"
           "The store is only read; a missing store is an error. Its tables: docs/store.md.\n";
  if (command == "list")
    return "usage: herald list add|remove --db STORE NAME [--channel CHANNEL] (ID... | --file FILE)\n"
           "       herald list show --db STORE NAME [--channel CHANNEL] [--json]\n"
           "\n"
           "Manages the store's lists of customers. The list named dnd is the do-not-disturb list:\n"
           "without --channel its members get no contact on any channel, with --channel only not on\n"
           "that one. Other lists are used by the policies that exclude them.\n"
           "add and remove take customer ids, or --file FILE with one id per line (blank lines are\n"
           "skipped); all changes are made in one transaction. The store is created on first use.\n"
           "show prints the members (with --channel: those of that channel); --json prints\n"
           "{\"list\":\"dnd\",\"channel\":\"sms\"|null,\"customer\":\"c1\"} per member.\n";
  return "usage: herald COMMAND [ARGS]\n"
         "\n"
         "commands:\n"
         "  check PACK       compile a pack and print its diagnostics\n"
         "  eval PACK ...    evaluate an expression, segment or audience for each customer\n"
         "  explain PACK ... why one customer is or is not in an audience\n"
         "  run PACK ...     run an activity: decide, arbitrate and record contacts\n"
         "  flush PACK ...   decide deferred contacts that are due\n"
         "  contacts ...     what the store recorded and why\n"
         "  list ...         add, remove or show customers of a list (dnd: do not disturb)\n"
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
  if (command == "eval") return runEval(args);
  if (command == "explain") return runExplain(args);
  if (command == "contacts") return runContacts(args);
  if (command == "list") return runList(args);
  if (command == "run") return runRun(args);
  if (command == "flush") return runFlush(args);
  std::fprintf(stderr, "herald: unknown command '%s'\n\n%s", command.c_str(), helpText("").c_str());
  return 2;
}
