// `herald run PACK --db S --activity A [--customers F] [--at T] [--dry-run] [--json]`: one batch run.
// `herald flush PACK --db S [--customers F] [--at T]`: decide deferred contacts that are due.

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "runtime/engine/batch_run.hpp"

namespace herald::cli {

bool evaluationInstant(const Options& o, const TimeZone& zone, const std::string& command, int64_t& now);

namespace {

std::string number(double d) {
  d = std::round(d * 1e9) / 1e9;  // sums of costs like 0.1 + 0.1 + 0.1 print as 0.3
  std::string s = fmt::format("{}", d);
  return s.find_first_of(".en") == std::string::npos ? s + ".0" : s;
}

std::string summaryJson(const RunSummary& s) {
  std::string out = fmt::format("{{\"run\":{},\"activity\":{},\"at\":\"{}\",\"outcome\":\"{}\",\"campaigns\":[",
                                s.run ? std::to_string(*s.run) : "null", jsonString(s.activity), formatInstantUtc(s.at),
                                s.outcome);
  for (size_t i = 0; i < s.campaigns.size(); ++i) {
    const CampaignSummary& c = s.campaigns[i];
    out += fmt::format("{}{{\"campaign\":{},\"channel\":{},\"planned\":{},\"sent\":{},\"control\":{},\"deferred\":{},"
                       "\"suppressed\":{{",
                       i ? "," : "", jsonString(c.campaign), jsonString(c.channel), c.planned, c.sent, c.control,
                       c.deferred);
    for (size_t k = 0; k < c.suppressed.size(); ++k)
      out += fmt::format("{}{}:{}", k ? "," : "", jsonString(c.suppressed[k].first), c.suppressed[k].second);
    out += fmt::format("}},\"cost\":{},\"errors\":{}}}", number(c.cost), c.errors);
  }
  out += fmt::format("],\"due_decided\":{},\"errors\":{}}}\n", s.dueDecided, s.evaluationErrorCount);
  return out;
}

std::string summaryTable(const RunSummary& s) {
  std::string out = fmt::format("{} {} at {}: {}\n", s.run ? fmt::format("run {}:", *s.run) : std::string("dry run:"),
                                s.activity, formatInstantUtc(s.at), s.outcome);
  if (s.dueDecided) out += fmt::format("decided first: {} deferred contacts that were due\n", s.dueDecided);
  size_t width = 8;
  for (auto& c : s.campaigns) width = std::max(width, c.campaign.size());
  out += fmt::format("\n{:<{}}  {:<8} {:>8} {:>8} {:>8} {:>9} {:>11} {:>10}\n", "campaign", width, "channel", "planned",
                     "sent", "control", "deferred", "suppressed", "cost");
  for (auto& c : s.campaigns) {
    int64_t suppressed = 0;
    for (auto& [r, n] : c.suppressed) suppressed += n;
    out += fmt::format("{:<{}}  {:<8} {:>8} {:>8} {:>8} {:>9} {:>11} {:>10.2f}\n", c.campaign, width, c.channel,
                       c.planned, c.sent, c.control, c.deferred, suppressed, c.cost);
    for (auto& [reason, n] : c.suppressed)
      if (n) out += fmt::format("{:<{}}    suppressed {:>6}  {}\n", "", width, n, reason);
  }
  if (s.evaluationErrorCount) {
    out += fmt::format("\n{} evaluations failed (those customers were not selected):\n", s.evaluationErrorCount);
    for (auto& e : s.evaluationErrors) out += "  " + e + "\n";
  }
  return out;
}

/// Opens the store named by --db; prints why not and sets exitCode on failure.
std::unique_ptr<Store> openStore(const Options& o, const std::string& command, bool readOnly, int& exitCode) {
  std::string path = o.get("--db");
  if (path.empty()) {
    std::fprintf(stderr, "herald %s: --db FILE is required (the state database)\n", command.c_str());
    exitCode = 2;
    return nullptr;
  }
  StoreError err;
  StoreOptions options;
  options.readOnly = readOnly;
  auto store = openSqliteStore(path, options, err);
  if (!store || err) {
    std::fprintf(stderr, "herald %s: %s\n", command.c_str(), err.message.c_str());
    exitCode = 2;
    return nullptr;
  }
  return store;
}

/// Customers from --customers, or an empty table when the option is absent.
bool customersOrEmpty(const Compilation& c, const Options& o, const TimeZone& zone, const std::string& command,
                      LoadResult& out, int& exitCode) {
  if (o.values.count("--customers")) {
    LoadOptions options;
    options.skipBadRows = o.has("--skip-bad-rows");
    out = loadCustomers(o.get("--customers"), *c.sema().syms.customer, zone, options);
    for (const DataError& e : out.errors) std::fprintf(stderr, "%s\n", e.text().c_str());
    if (!out.ok) exitCode = out.ioError ? 2 : 1;
    return out.ok;
  }
  std::string header;
  for (auto& f : c.sema().syms.customer->fields) header += (header.empty() ? "" : ",") + f.name.name;
  out = loadCustomersFromText("<none>", header + "\n", false, *c.sema().syms.customer, zone);
  return out.ok;
}

}  // namespace

int runRun(const Args& args) {
  Options o;
  std::string error;
  if (!parseOptions(args, {"--db", "--activity", "--customers", "--at", "--engine", "--jit-cache"},
                    {"--dry-run", "--json", "--stats", "--skip-bad-rows", "--verbose"}, o, error) ||
      o.positional.size() != 1 || !o.values.count("--activity")) {
    if (!error.empty()) std::fprintf(stderr, "herald run: %s\n", error.c_str());
    std::fputs(helpText("run").c_str(), stderr);
    return 2;
  }
  JitTier::Mode mode;
  if (!engineMode(o, "run", mode)) return 2;
  int exitCode = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto c = compileForRun("run", o.positional[0], exitCode);
  if (!c) return exitCode;
  CompiledPack pack(std::move(c));
  // The JIT compiles the activity's audiences and priorities while customers and history load.
  std::vector<const IrNode*> roots = jitRoots(pack, o.get("--activity"));
  JitTier tier(mode, roots, JitOptions{o.get("--jit-cache")});
  double compileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int64_t at = 0;
  if (!evaluationInstant(o, pack.zone(), "run", at)) return 2;
  auto t1 = std::chrono::steady_clock::now();
  LoadResult loaded;
  if (!customersOrEmpty(pack.compilation(), o, pack.zone(), "run", loaded, exitCode)) return exitCode;
  double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  if (!o.values.count("--customers") && !o.has("--dry-run"))
    std::fprintf(stderr, "herald run: no --customers, so no candidates: only due work is decided; the run is "
                         "recorded, so the same activity at the same --at will not run again\n");
  auto store = openStore(o, "run", false, exitCode);
  if (!store) return exitCode;
  RunError runError;
  if (mode == JitTier::Mode::Jit && !tier.wait()) {
    std::fprintf(stderr, "herald run: --engine jit: %s\n", tier.error().c_str());
    return 2;
  }
  if (o.has("--verbose")) {
    auto describe = [&](size_t i) {
      for (const CampaignInfo& campaign : pack.campaigns()) {
        if (campaign.audience == roots[i] || campaign.priority == roots[i])
          return fmt::format("the {} of campaign {}", campaign.audience == roots[i] ? "audience" : "priority",
                             campaign.name);
        for (const MessagePart& part : campaign.message)
          if (part.expr == roots[i]) return fmt::format("a placeholder in the message of campaign {}", campaign.name);
      }
      return std::string("an expression");
    };
    for (const std::string& line : tier.report(describe)) std::fprintf(stderr, "%s\n", line.c_str());
  }
  RunRequest request;
  request.activity = o.get("--activity");
  request.at = at;
  request.dryRun = o.has("--dry-run");
  request.jit = &tier;
  bool bar = isatty(STDERR_FILENO) && loaded.table.rows() >= 100000;
  if (bar)  // a progress bar for long runs, on a terminal only
    request.progress = [](const char* phase, size_t done, size_t total) {
      int width = 30, filled = total ? static_cast<int>(width * done / total) : width;
      std::fprintf(stderr, "\r%-12s [%s%s] %3d%%", phase, std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), total ? static_cast<int>(100 * done / total) : 100);
      std::fflush(stderr);
    };
  RunSummary summary = runActivity(pack, loaded.table, *store, request, runError);
  if (bar) std::fprintf(stderr, "\r%60s\r", "");
  if (runError) {
    std::fprintf(stderr, "herald run: %s\n", runError.message.c_str());
    return runError.kind == RunError::Kind::Input ? 1 : 2;
  }
  std::string out = o.has("--json") ? summaryJson(summary) : summaryTable(summary);
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (o.has("--stats")) {
    const JitPack* compiled = tier.get();
    std::string engine = summary.jitBlocks == 0 ? "interp" : summary.jitBlocks == summary.blocks ? "jit" : "interp+jit";
    std::fprintf(stderr,
                 "{\"engine\":\"%s\",\"customers\":%zu,\"load_s\":%.3f,\"compile_s\":%.3f,"
                 "\"history_s\":%.3f,\"evaluate_s\":%.3f,\"arbitrate_s\":%.3f,\"write_s\":%.3f}\n",
                 engine.c_str(), loaded.table.rows(), loadSeconds,
                 compileSeconds + (compiled ? compiled->compileSeconds() : 0), summary.historySeconds,
                 summary.evaluateSeconds, summary.arbitrateSeconds, summary.writeSeconds);
  }
  return 0;
}

int runFlush(const Args& args) {
  Options o;
  std::string error;
  if (!parseOptions(args, {"--db", "--customers", "--at"}, {"--json", "--skip-bad-rows"}, o, error) ||
      o.positional.size() != 1) {
    if (!error.empty()) std::fprintf(stderr, "herald flush: %s\n", error.c_str());
    std::fputs(helpText("flush").c_str(), stderr);
    return 2;
  }
  int exitCode = 0;
  auto c = compileForRun("flush", o.positional[0], exitCode);
  if (!c) return exitCode;
  CompiledPack pack(std::move(c));
  int64_t at = 0;
  if (!evaluationInstant(o, pack.zone(), "flush", at)) return 2;
  LoadResult loaded;
  if (!customersOrEmpty(pack.compilation(), o, pack.zone(), "flush", loaded, exitCode)) return exitCode;
  auto store = openStore(o, "flush", false, exitCode);
  if (!store) return exitCode;
  RunError runError;
  int64_t n = flushDue(pack, &loaded.table, *store, at, false, runError);
  if (runError) {
    std::fprintf(stderr, "herald flush: %s\n", runError.message.c_str());
    return 2;
  }
  if (o.has("--json")) std::printf("{\"at\":\"%s\",\"decided\":%lld}\n", formatInstantUtc(at).c_str(), static_cast<long long>(n));
  else std::printf("decided %lld deferred contacts due by %s\n", static_cast<long long>(n), formatInstantUtc(at).c_str());
  return 0;
}

}  // namespace herald::cli
