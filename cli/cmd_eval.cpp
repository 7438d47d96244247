// `herald eval PACK --customers F [--events F] [--at T] (--expr E | --segment S | --campaign C)`:
// one JSON line per customer with the value of the expression.

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "compiler/interp/interpreter.hpp"
#include "compiler/ir/lower.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/data/customer_table.hpp"
#include "runtime/data/table_row.hpp"
#include "runtime/history/event_log.hpp"

namespace herald::cli {
namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

/// The expression `eval` and `explain` evaluate: from --expr, --segment or --campaign.
const Expr* pickTarget(Compilation& c, const Options& o, const std::string& command, int& exitCode) {
  int picked = o.values.count("--expr") + o.values.count("--segment") + o.values.count("--campaign");
  if (picked != 1) {
    std::fprintf(stderr, "herald %s: give exactly one of --expr, --segment or --campaign\n", command.c_str());
    exitCode = 2;
    return nullptr;
  }
  if (o.values.count("--expr")) {
    const Expr* e = c.checkExpression("<expr>", o.get("--expr"));
    if (!e) {
      printErrors(c);
      exitCode = 1;
    }
    return e;
  }
  const Symbols& syms = c.sema().syms;
  if (o.values.count("--segment")) {
    std::string name = o.get("--segment");
    ValueDecl* v = syms.values.find(name);
    if (!v || v->kind == DeclKind::Const) {
      std::vector<std::string> names;
      for (auto* d : syms.values.list)
        if (d->kind != DeclKind::Const) names.push_back(d->name.name);
      std::fprintf(stderr, "herald %s: no segment or let '%s' in the pack%s\n", command.c_str(), name.c_str(),
                   didYouMean(name, names).c_str());
      exitCode = 1;
      return nullptr;
    }
    return v->value.get();
  }
  std::string name = o.get("--campaign");
  CampaignDecl* campaign = syms.campaigns.find(name);
  if (!campaign) {
    std::fprintf(stderr, "herald %s: no campaign '%s' in the pack%s\n", command.c_str(), name.c_str(),
                 didYouMean(name, syms.campaigns.names()).c_str());
    exitCode = 1;
    return nullptr;
  }
  return campaign->audience.get();
}

/// Reads `--at` (in the pack's zone unless it carries Z or an offset); default: the wall clock.
bool evaluationInstant(const Options& o, const TimeZone& zone, const std::string& command, int64_t& now) {
  if (!o.values.count("--at")) {
    now = static_cast<int64_t>(std::time(nullptr));
    return true;
  }
  std::string error;
  if (parseTimestamp(o.get("--at"), zone, now, error)) return true;
  std::fprintf(stderr, "herald %s: --at: %s\n", command.c_str(), error.c_str());
  return false;
}

/// Loads the customers file named by --customers; prints errors and sets exitCode on failure.
bool loadCustomerFile(const Compilation& c, const Options& o, const TimeZone& zone, const std::string& command,
                      LoadResult& out, int& exitCode) {
  std::string path = o.get("--customers");
  if (path.empty()) {
    std::fprintf(stderr, "herald %s: --customers FILE is required\n", command.c_str());
    exitCode = 2;
    return false;
  }
  LoadOptions options;
  options.skipBadRows = o.has("--skip-bad-rows");
  out = loadCustomers(path, *c.sema().syms.customer, zone, options);
  for (const DataError& e : out.errors) std::fprintf(stderr, "%s\n", e.text().c_str());
  if (out.ok) return true;
  exitCode = out.ioError ? 2 : 1;
  return false;
}

/// Loads --events (when given) into customers' histories; prints errors and sets exitCode on failure.
bool loadHistories(const Compilation& c, const Options& o, const TimeZone& zone, const std::string& command,
                   std::unordered_map<std::string, CustomerHistory>& out, int& exitCode) {
  if (!o.values.count("--events")) return true;
  EventLoadResult events = loadEvents(o.get("--events"), c.sema().syms, zone);
  for (const DataError& e : events.errors) std::fprintf(stderr, "%s\n", e.text().c_str());
  if (!events.ok) {
    exitCode = events.ioError ? 2 : 1;
    return false;
  }
  out = groupByCustomer(std::move(events.events));
  return true;
}

int runEval(const Args& args) {
  Options o;
  std::string error;
  if (!parseOptions(args,
                    {"--customers", "--events", "--at", "--expr", "--segment", "--campaign", "--engine", "--jit-cache"},
                    {"--where", "--count", "--stats", "--skip-bad-rows", "--rows", "--verbose"}, o, error)) {
    std::fprintf(stderr, "herald eval: %s\n%s", error.c_str(), helpText("eval").c_str());
    return 2;
  }
  if (o.positional.size() != 1) {
    std::fputs(helpText("eval").c_str(), stderr);
    return 2;
  }
  JitTier::Mode mode;
  if (!engineMode(o, "eval", mode)) return 2;
  auto t0 = std::chrono::steady_clock::now();
  int exitCode = 0;
  auto c = compileForRun("eval", o.positional[0], exitCode);
  if (!c) return exitCode;
  TimeZone zone;
  if (c->pack().timezone) TimeZone::parse(c->pack().timezone->name, zone);
  int64_t now = 0;
  if (!evaluationInstant(o, zone, "eval", now)) return 2;
  const Expr* target = pickTarget(*c, o, "eval", exitCode);
  if (!target) return exitCode;
  IrProgram program;
  Lowering lowering(c->sema(), zone, program);
  const IrNode* root = lowering.lower(*target);
  // The JIT compiles while the customers load (tiering: auto interprets blocks until it is ready).
  JitTier tier(mode, {root}, JitOptions{o.get("--jit-cache")});
  double compileSeconds = secondsSince(t0);

  auto t1 = std::chrono::steady_clock::now();
  LoadResult loaded;
  if (!loadCustomerFile(*c, o, zone, "eval", loaded, exitCode)) return exitCode;
  std::unordered_map<std::string, CustomerHistory> histories;
  if (!loadHistories(*c, o, zone, "eval", histories, exitCode)) return exitCode;
  double loadSeconds = secondsSince(t1);
  if (mode == JitTier::Mode::Jit && !tier.wait()) {
    std::fprintf(stderr, "herald eval: --engine jit: %s\n", tier.error().c_str());
    return 2;
  }
  if (o.has("--verbose"))
    for (const std::string& line : tier.report([](size_t) { return std::string("the expression"); }))
      std::fprintf(stderr, "%s\n", line.c_str());

  auto t2 = std::chrono::steady_clock::now();
  const CustomerTable& table = loaded.table;
  PoolDict dict(table.pool());
  BatchInput input = batchInput(table, dict);
  input.history = [&](size_t r) -> const CustomerHistory* {
    if (histories.empty()) return nullptr;
    auto h = histories.find(std::string(table.id(r)));
    return h == histories.end() ? nullptr : &h->second;
  };
  std::unique_ptr<JitBinding> jit;
  const JitPack* bound = nullptr;
  auto useJit = [&]() -> JitBinding* {  // the JIT's code once it is ready (or better code than before)
    const JitPack* pack = tier.get();
    if (pack && pack != bound) {
      jit = std::make_unique<JitBinding>(*pack, input, now, zone);
      bound = pack;
    }
    return jit.get();
  };
  bool where = o.has("--where"), count = o.has("--count");
  size_t selected = 0, unknown = 0, failed = 0, jitBlocks = 0, blocks = 0;
  std::string out;
  auto emit = [&](size_t r, const std::string& json) {
    out += fmt::format("{{\"id\":{},{}}}\n", jsonString(table.id(r)), json);
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  };
  if (root->type.kind == TypeKind::Bool && !o.has("--rows")) {
    BatchEvaluator batch(root, input, now, zone);
    uint8_t states[BatchEvaluator::kBlock];
    for (size_t begin = 0; begin < table.rows(); begin += BatchEvaluator::kBlock) {
      size_t end = std::min(table.rows(), begin + BatchEvaluator::kBlock);
      JitBinding* native = useJit();
      ++blocks;
      jitBlocks += native != nullptr;
      if (native) native->evaluate(0, begin, end, states);
      else batch.evaluate(begin, end, states);
      for (size_t r = begin; r < end; ++r) {
        uint8_t s = states[r - begin];
        selected += s == 1;
        unknown += s == 2;
        failed += s == 3;
        if (count || (where && s != 1)) continue;
        std::string message = s == 3 ? (native ? native->errorOf(0, r) : batch.errorOf(r)) : "";
        emit(r, s == 3 ? fmt::format("\"error\":{}", jsonString(message))
                       : fmt::format("\"value\":{}", s == 1 ? "true" : s == 0 ? "false" : "null"));
      }
    }
  } else {
    ColumnRow source(input);
    Interpreter interp;
    JitBinding* native = nullptr;
    for (size_t r = 0; r < table.rows(); ++r) {
      Value v;
      if ((r & 1023) == 0) {  // tiering, as for blocks
        native = useJit();
        ++blocks;
        jitBlocks += native != nullptr;
      }
      v = native ? native->value(0, r) : interp.eval(root, rowContext(input, source, r, now, zone));
      bool isTrue = v.known() && v.kind == TypeKind::Bool && v.boolean;
      selected += isTrue;
      unknown += v.unknown();
      failed += v.failed();
      if (count || (where && !isTrue)) continue;
      emit(r, v.failed() ? fmt::format("\"error\":{}", jsonString(v.text)) : fmt::format("\"value\":{}", valueJson(v)));
    }
  }
  if (count) out += fmt::format("{{\"count\":{},\"unknown\":{},\"errors\":{}}}\n", selected, unknown, failed);
  std::fwrite(out.data(), 1, out.size(), stdout);
  double evaluateSeconds = secondsSince(t2);
  if (o.has("--stats")) {
    const JitPack* pack = tier.get();
    bool native = pack && pack->compiled(0);
    std::string engine = !native || jitBlocks == 0 ? "interp" : jitBlocks == blocks ? "jit" : "interp+jit";
    std::fprintf(stderr, "{\"engine\":\"%s\",\"customers\":%zu,\"load_s\":%.3f,\"compile_s\":%.3f,\"evaluate_s\":%.3f}\n",
                 engine.c_str(), table.rows(), loadSeconds, compileSeconds + (pack ? pack->compileSeconds() : 0),
                 evaluateSeconds);
  }
  return 0;
}

}  // namespace herald::cli
