// bench/eval: customer-evaluations per second of the interpreters (columnar batch and
// row-at-a-time) and of the JIT (batch kernels and per-customer functions) against SQLite
// counting the same condition over the same data in memory, all in one process. Each engine
// counts the true rows of its own output: the interpreter's states (a byte a row), the kernels'
// bitmaps (true and unknown, a bit a row), SQLite's count(*).
// The audiences are the performance bar's (ARCHITECTURE.md): P1 `city_tier <= 2`, P3 the
// example's spring_5g audience without its aggregate, P5 a 20-clause mix; then 100 generated
// audiences of mixed shape; then JIT compile times (the example pack cold and from the cache,
// 1,000 generated rules).
// Usage: bench_eval [CUSTOMERS]   (default 1,000,000)

#include <sqlite3.h>

#include <bit>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "compiler/driver/compilation.hpp"
#include "compiler/driver/compiled_pack.hpp"
#include "compiler/interp/batch.hpp"
#include "compiler/ir/lower.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/data/table_row.hpp"

#include "bench/common/example_schema.hpp"

using namespace herald;

namespace {

const char* const kPack = bench::kExampleSchemaPack;

struct Audience {
  const char* name;
  const char* herald;
  const char* sql;
};

// The same conditions in both languages. SQL's NULL logic is Kleene logic, like Herald's.
const Audience kAudiences[] = {
    {"P1", "city_tier <= 2", "city_tier <= 2"},
    {"P3", "age between 18 and 30 and city_tier <= 2 and not (\"5g\" in tags) and lifecycle == \"customer\"",
     "age BETWEEN 18 AND 30 AND city_tier <= 2 AND NOT (('|' || tags || '|') LIKE '%|5g|%') AND "
     "lifecycle = 'customer'"},
    {"P5",
     "tier in [\"A\", \"B\"] and lifecycle != \"churned\" and (age ?? 0) >= 21 and arpu between 10.0 and 400.0 "
     "and city_tier in [1, 2, 3] and not (\"senior\" in tags) and days_since(signed_up) > 90 and "
     "not (name starts_with \"L\") and (age ?? 99) < 70 and arpu > 12.5 and tier != \"C\" and "
     "(\"video\" in tags or \"family\" in tags or arpu > 60.0) and city_tier != 4 and lifecycle in "
     "[\"customer\", \"opportunity\", \"lead\"] and days_since(signed_up) < 3000 and (age ?? 30) != 44 and "
     "arpu < 500.0 and not (\"enterprise\" in tags) and tier in [\"A\", \"B\", \"C\"] and city_tier >= 1",
     "tier IN ('A','B') AND lifecycle <> 'churned' AND COALESCE(age,0) >= 21 AND arpu BETWEEN 10.0 AND 400.0 "
     "AND city_tier IN (1,2,3) AND NOT (('|' || tags || '|') LIKE '%|senior|%') AND "
     "(:now - signed_up) / 86400 > 90 AND NOT (substr(name,1,1) = 'L') AND COALESCE(age,99) < 70 AND "
     "arpu > 12.5 AND tier <> 'C' AND ((('|' || tags || '|') LIKE '%|video|%') OR "
     "(('|' || tags || '|') LIKE '%|family|%') OR arpu > 60.0) AND city_tier <> 4 AND lifecycle IN "
     "('customer','opportunity','lead') AND (:now - signed_up) / 86400 < 3000 AND COALESCE(age,30) <> 44 AND "
     "arpu < 500.0 AND NOT (('|' || tags || '|') LIKE '%|enterprise|%') AND tier IN ('A','B','C') AND "
     "city_tier >= 1"},
};

struct Row {
  std::string id, name;
  int age;  // -1: missing
  int cityTier;
  std::string tier, lifecycle, tags;
  double arpu;
  int64_t signedUp;
};

std::vector<Row> generate(size_t n) {
  std::mt19937_64 rng(42);
  const char* tiers[] = {"A", "B", "C"};
  const char* stages[] = {"prospect", "lead", "opportunity", "customer", "customer", "churned"};
  const char* tagNames[] = {"5g", "family", "student", "video", "senior", "enterprise"};
  const char* names[] = {"Li", "Wang", "Zhang", "Liu", "Chen", "Lam"};
  std::vector<Row> rows(n);
  for (size_t i = 0; i < n; ++i) {
    Row& r = rows[i];
    r.id = fmt::format("c{:07}", i);
    r.name = fmt::format("{} {}", names[rng() % 6], i % 97);
    r.age = rng() % 12 == 0 ? -1 : static_cast<int>(16 + rng() % 60);
    r.cityTier = static_cast<int>(1 + rng() % 4);
    r.tier = tiers[rng() % 3];
    r.lifecycle = stages[rng() % 6];
    for (int t = 0; t < 6; ++t)
      if (rng() % 4 == 0) r.tags += (r.tags.empty() ? "" : "|") + std::string(tagNames[t]);
    r.arpu = static_cast<double>(rng() % 50000) / 100.0;
    r.signedUp = 1420070400 + static_cast<int64_t>(rng() % (11ull * 365 * 86400));
  }
  return rows;
}

/// Random audiences of 2-8 clauses (some in `or` groups), in Herald and in SQL.
std::vector<Audience> mixedAudiences(size_t count, std::vector<std::string>& text) {
  std::mt19937_64 rng(7);
  const char* tags[] = {"5g", "family", "student", "video", "senior", "enterprise"};
  const char* stages[] = {"prospect", "lead", "opportunity", "customer", "churned"};
  const char* tiers[] = {"A", "B", "C"};
  auto clause = [&](std::string& h, std::string& q) {
    int k = static_cast<int>(rng() % 10);
    int a = static_cast<int>(rng() % 60), b = static_cast<int>(rng() % 4 + 1);
    const char* tag = tags[rng() % 6];
    const char* tier = tiers[rng() % 3];
    const char* stage = stages[rng() % 5];
    switch (k) {
      case 0: h = fmt::format("city_tier <= {}", b), q = fmt::format("city_tier <= {}", b); break;
      case 1:
        h = fmt::format("age between {} and {}", 16 + a / 2, 30 + a), q = fmt::format("age BETWEEN {} AND {}", 16 + a / 2, 30 + a);
        break;
      case 2: h = fmt::format("(age ?? {}) >= {}", a, 20 + a / 3), q = fmt::format("COALESCE(age,{}) >= {}", a, 20 + a / 3); break;
      case 3: h = fmt::format("arpu > {}.5", a * 5), q = fmt::format("arpu > {}.5", a * 5); break;
      case 4: h = fmt::format("tier == \"{}\"", tier), q = fmt::format("tier = '{}'", tier); break;
      case 5:
        h = fmt::format("lifecycle in [\"{}\", \"customer\"]", stage), q = fmt::format("lifecycle IN ('{}','customer')", stage);
        break;
      case 6: h = fmt::format("\"{}\" in tags", tag), q = fmt::format("(('|' || tags || '|') LIKE '%|{}|%')", tag); break;
      case 7:
        h = fmt::format("not (\"{}\" in tags)", tag), q = fmt::format("NOT (('|' || tags || '|') LIKE '%|{}|%')", tag);
        break;
      case 8:
        h = fmt::format("days_since(signed_up) > {}", a * 30), q = fmt::format("(:now - signed_up) / 86400 > {}", a * 30);
        break;
      default: h = fmt::format("tier != \"{}\"", tier), q = fmt::format("tier <> '{}'", tier);
    }
  };
  std::vector<Audience> out;
  text.clear();
  text.reserve(2 * count);
  for (size_t i = 0; i < count; ++i) {
    std::string h, q;
    size_t clauses = 2 + rng() % 7;
    for (size_t c = 0; c < clauses; ++c) {
      std::string ch, cq;
      clause(ch, cq);
      if (rng() % 4 == 0) {  // an `or` group
        std::string oh, oq;
        clause(oh, oq);
        ch = fmt::format("({} or {})", ch, oh);
        cq = fmt::format("({} OR {})", cq, oq);
      }
      h += (c ? " and " : "") + ch;
      q += (c ? " AND " : "") + cq;
    }
    text.push_back(std::move(h));
    text.push_back(std::move(q));
  }
  for (size_t i = 0; i < count; ++i) out.push_back({"mixed", text[2 * i].c_str(), text[2 * i + 1].c_str()});
  return out;
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// How many of `n` states are true (1; 0 false, 2 unknown, 3 error), eight at a time: the
/// harness's count must not be what the columns measure (a byte loop costs ~1 ns a row). The
/// JIT's kernels write bitmaps (true, unknown), counted a word of 64 rows at a time; counting the
/// interpreter's states costs ~0.5 ns a row, a tenth of what computing them does.
size_t countTrue(const uint8_t* states, size_t n) {
  size_t count = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, states + i, 8);
    count += size_t(std::popcount(w & ~(w >> 1) & 0x0101010101010101ull));
  }
  for (; i < n; ++i) count += states[i] == 1;
  return count;
}

template <typename F>
double best(int runs, F f) {
  double t = 1e9;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t = std::min(t, seconds(t0));
  }
  return t;
}

void check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
    std::exit(2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const int64_t now = 1773104400;  // 2026-03-10T01:00:00Z
  auto rows = generate(n);

  // Herald: the table through the CSV loader, as `herald eval` reads it.
  std::string csv = "id,name,age,city_tier,tier,lifecycle,arpu,tags,signed_up\n";
  for (auto& r : rows)
    csv += fmt::format("{},{},{},{},{},{},{},{},{}\n", r.id, r.name, r.age < 0 ? "" : std::to_string(r.age), r.cityTier,
                       r.tier, r.lifecycle, r.arpu, r.tags, formatInstantUtc(r.signedUp));
  auto compilation = Compilation::fromText("bench.herald", kPack);
  TimeZone zone;
  TimeZone::parse("Asia/Shanghai", zone);
  auto t0 = std::chrono::steady_clock::now();
  LoadResult loaded = loadCustomersFromText("bench.csv", csv, false, *compilation->sema().syms.customer, zone);
  double loadSeconds = seconds(t0);
  if (!loaded.ok) {
    std::fprintf(stderr, "load failed: %s\n", loaded.errors[0].text().c_str());
    return 2;
  }
  const CustomerTable& table = loaded.table;
  PoolDict dict(table.pool());
  BatchInput input = batchInput(table, dict);

  // SQLite: the same rows in an in-memory table.
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  check(sqlite3_exec(db,
                     "CREATE TABLE t(id TEXT, name TEXT, age INTEGER, city_tier INTEGER, tier TEXT, lifecycle TEXT,"
                     " arpu REAL, tags TEXT, signed_up INTEGER); BEGIN;",
                     nullptr, nullptr, nullptr),
        db);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?)", -1, &insert, nullptr);
  for (auto& r : rows) {
    sqlite3_bind_text(insert, 1, r.id.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, r.name.c_str(), -1, SQLITE_STATIC);
    if (r.age < 0) sqlite3_bind_null(insert, 3);
    else sqlite3_bind_int(insert, 3, r.age);
    sqlite3_bind_int(insert, 4, r.cityTier);
    sqlite3_bind_text(insert, 5, r.tier.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 6, r.lifecycle.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_double(insert, 7, r.arpu);
    sqlite3_bind_text(insert, 8, r.tags.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 9, r.signedUp);
    check(sqlite3_step(insert), db);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  check(sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr), db);

  std::printf("%zu customers; CSV load %.2f s (%.0f rows/s)\n\n", n, loadSeconds, n / loadSeconds);

  // Every audience measured the same way: interpreter (batch, row), JIT (batch, row), SQLite.
  struct Times {
    double interpBatch = 0, interpRow = 0, jitBatch = 0, jitRow = 0, sql = 0;
    bool same = true;
  };
  auto lowerAll = [&](const std::vector<Audience>& list, IrProgram& program) {
    std::vector<const IrNode*> roots;
    Lowering lowering(compilation->sema(), zone, program);
    for (const Audience& a : list) {
      const Expr* e = compilation->checkExpression(a.name, a.herald);
      if (!e) {
        for (auto& d : compilation->diags().all())
          std::fprintf(stderr, "%s", formatDiagnostic(compilation->sources(), d, false).c_str());
        std::exit(2);
      }
      roots.push_back(lowering.lower(*e));
    }
    return roots;
  };
  auto measure = [&](const Audience& a, const IrNode* root, JitBinding& jit, size_t index, bool rowInterp,
                     int runs) {
    Times t;
    std::vector<uint8_t> states(BatchEvaluator::kBlock);
    size_t batchCount = 0, jitCount = 0, jitRowCount = 0, rowCount = 0;
    BatchEvaluator batch(root, input, now, zone);
    t.interpBatch = best(runs, [&] {
      batchCount = 0;
      for (size_t b = 0; b < n; b += BatchEvaluator::kBlock) {
        size_t end = std::min(n, b + BatchEvaluator::kBlock);
        batch.evaluate(b, end, states.data());
        batchCount += countTrue(states.data(), end - b);
      }
    });
    // Each engine into its own output: the interpreter's states, the kernels' bitmaps.
    uint64_t truth[BatchEvaluator::kBlock / 64], unknown[BatchEvaluator::kBlock / 64];
    t.jitBatch = best(runs, [&] {
      jitCount = 0;
      for (size_t b = 0; b < n; b += BatchEvaluator::kBlock) {
        size_t end = std::min(n, b + BatchEvaluator::kBlock);
        jit.evaluateBits(index, b, end, truth, unknown);
        for (size_t w = 0; w * 64 < end - b; ++w) jitCount += size_t(std::popcount(truth[w] & ~unknown[w]));
      }
    });
    t.jitRow = best(1, [&] {
      jitRowCount = 0;
      for (size_t r = 0; r < n; ++r) {
        Value v = jit.value(index, r);
        jitRowCount += v.known() && v.boolean;
      }
    });
    if (rowInterp) {
      TableRow row(table);
      Interpreter interp;
      EvalContext ctx;
      ctx.customer = &row;
      ctx.now = now;
      ctx.zone = &zone;
      t.interpRow = best(1, [&] {
        rowCount = 0;
        for (size_t r = 0; r < n; ++r) {
          row.setRow(r);
          Value v = interp.eval(root, ctx);
          rowCount += v.known() && v.boolean;
        }
      });
    }
    int64_t sqlCount = 0;
    sqlite3_stmt* q = nullptr;
    std::string sql = fmt::format("SELECT count(*) FROM t WHERE {}", a.sql);
    check(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr), db);
    t.sql = best(runs, [&] {
      sqlite3_reset(q);
      int idx = sqlite3_bind_parameter_index(q, ":now");
      if (idx) sqlite3_bind_int64(q, idx, now);
      check(sqlite3_step(q), db);
      sqlCount = sqlite3_column_int64(q, 0);
    });
    sqlite3_finalize(q);
    t.same = static_cast<int64_t>(batchCount) == sqlCount && batchCount == jitCount && batchCount == jitRowCount &&
             (!rowInterp || batchCount == rowCount);
    if (!t.same)
      std::fprintf(stderr, "%s: counts differ: interp %zu, jit %zu, jit row %zu, row %zu, SQLite %lld\n", a.herald,
                   batchCount, jitCount, jitRowCount, rowCount, static_cast<long long>(sqlCount));
    return t;
  };
  auto header = [] {
    std::printf("%-6s %9s %9s %9s %9s %9s  %9s %9s %9s\n", "M/s", "interp", "int-row", "jit", "jit-row", "SQLite",
                "jit/int", "jit/SQL", "same?");
  };
  auto line = [&](const char* name, const Times& t, double evals) {
    auto rate = [&](double s) { return s > 0 ? fmt::format("{:.1f}", evals / s / 1e6) : std::string("-"); };
    std::printf("%-6s %9s %9s %9s %9s %9s  %9.1f %9.1f %9s\n", name, rate(t.interpBatch).c_str(),
                rate(t.interpRow).c_str(), rate(t.jitBatch).c_str(), rate(t.jitRow).c_str(), rate(t.sql).c_str(),
                t.interpBatch / t.jitBatch, t.sql / t.jitBatch, t.same ? "yes" : "NO");
  };

  std::vector<Audience> bar(std::begin(kAudiences), std::end(kAudiences));
  IrProgram barProgram;
  std::vector<const IrNode*> barRoots = lowerAll(bar, barProgram);
  std::string jitError;
  auto barPack = JitPack::compile(barRoots, JitOptions{}, jitError);
  if (!barPack) {
    std::fprintf(stderr, "JIT: %s\n", jitError.c_str());
    return 2;
  }
  JitBinding barJit(*barPack, input, now, zone);
  header();
  bool allSame = true;
  for (size_t i = 0; i < bar.size(); ++i) {
    Times t = measure(bar[i], barRoots[i], barJit, i, true, 3);
    allSame &= t.same;
    line(bar[i].name, t, static_cast<double>(n));
  }

  // 100 generated audiences of mixed shape: times summed over all of them.
  std::vector<std::string> mixedText;
  std::vector<Audience> mixed = mixedAudiences(100, mixedText);
  IrProgram mixedProgram;
  std::vector<const IrNode*> mixedRoots = lowerAll(mixed, mixedProgram);
  auto mixedPack = JitPack::compile(mixedRoots, JitOptions{}, jitError);
  if (!mixedPack) {
    std::fprintf(stderr, "JIT: %s\n", jitError.c_str());
    return 2;
  }
  JitBinding mixedJit(*mixedPack, input, now, zone);
  Times sum;
  for (size_t i = 0; i < mixed.size(); ++i) {
    Times t = measure(mixed[i], mixedRoots[i], mixedJit, i, false, 1);
    sum.interpBatch += t.interpBatch, sum.jitBatch += t.jitBatch, sum.jitRow += t.jitRow, sum.sql += t.sql;
    sum.same &= t.same;
  }
  allSame &= sum.same;
  line("mixed", sum, 100.0 * static_cast<double>(n));
  std::printf("(mixed: 100 generated audiences of 2-8 clauses, %.1f ms to compile them)\n\n",
              mixedPack->compileSeconds() * 1000);

  // Compile times: the example pack's audiences and priorities, cold and from the cache; and
  // 1,000 generated rules in one module.
  std::string readError;
  auto example = Compilation::fromFile(HERALD_SOURCE_DIR "/examples/telecom/spring.herald", readError);
  if (!example || !example->ok()) {
    std::fprintf(stderr, "the example pack: %s\n", readError.c_str());
    return 2;
  }
  CompiledPack examplePack(std::move(example));
  std::vector<const IrNode*> exampleRoots;
  for (const CampaignInfo& c : examplePack.campaigns()) {
    exampleRoots.push_back(c.audience);
    if (c.priority) exampleRoots.push_back(c.priority);
  }
  std::string cacheDir = fmt::format("/tmp/herald-bench-jit-{}", ::getpid());
  auto cold = JitPack::compile(exampleRoots, JitOptions{cacheDir}, jitError);
  auto warm = JitPack::compile(exampleRoots, JitOptions{cacheDir}, jitError);
  std::filesystem::remove_all(cacheDir);
  std::vector<std::string> thousandText;
  std::vector<Audience> thousand = mixedAudiences(1000, thousandText);
  IrProgram thousandProgram;
  std::vector<const IrNode*> thousandRoots = lowerAll(thousand, thousandProgram);
  auto bigFirst = JitPack::compile(thousandRoots, JitOptions{"", true}, jitError);
  auto big = JitPack::compile(thousandRoots, JitOptions{}, jitError);
  if (!cold || !warm || !big || !bigFirst) {
    std::fprintf(stderr, "JIT: %s\n", jitError.c_str());
    return 2;
  }
  std::printf("JIT compile: example pack (%zu expressions) %.1f ms cold, %.2f ms from the cache%s;\n"
              "             1,000 generated rules: first tier %.0f ms, optimised %.0f ms\n",
              exampleRoots.size(), cold->compileSeconds() * 1000, warm->compileSeconds() * 1000,
              warm->fromCache() ? "" : " (cache MISSED)", bigFirst->compileSeconds() * 1000,
              big->compileSeconds() * 1000);
  // The 1,000 rules over the customers, first tier against optimised code and the interpreter.
  {
    JitBinding firstJit(*bigFirst, input, now, zone), fullJit(*big, input, now, zone);
    uint64_t truth[BatchEvaluator::kBlock / 64], unknown[BatchEvaluator::kBlock / 64];
    auto sweep = [&](auto evaluate) {
      auto t0 = std::chrono::steady_clock::now();
      for (size_t i = 0; i < 100; ++i)
        for (size_t b = 0; b < n; b += BatchEvaluator::kBlock) evaluate(i, b, std::min(n, b + BatchEvaluator::kBlock));
      return 100.0 * n / seconds(t0) / 1e6;
    };
    double first = sweep([&](size_t i, size_t b, size_t e) { firstJit.evaluateBits(i, b, e, truth, unknown); });
    double full = sweep([&](size_t i, size_t b, size_t e) { fullJit.evaluateBits(i, b, e, truth, unknown); });
    std::printf("             the first 100 of them: first tier %.1f M/s, optimised %.1f M/s\n", first, full);
  }
  if (!allSame) std::printf("\nRESULTS DIFFER between engines (see above)\n");
  sqlite3_close(db);
  return allSame ? 0 : 1;
}
