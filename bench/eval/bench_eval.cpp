// bench/eval: customer-evaluations per second of the interpreters (columnar batch and
// row-at-a-time) against SQLite counting the same condition over the same data in memory.
// The audiences are the performance bar's (ARCHITECTURE.md): P1 `city_tier <= 2`, P3 the
// example's spring_5g audience without its aggregate, P5 a 20-clause mix.
// Usage: bench_eval [CUSTOMERS]   (default 1,000,000)

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "compiler/driver/compilation.hpp"
#include "compiler/interp/batch.hpp"
#include "compiler/ir/lower.hpp"
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

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  std::printf("%-4s %12s %12s %12s %10s %10s %10s\n", "", "batch M/s", "row M/s", "SQLite M/s", "batch/SQL",
              "row/SQL", "same?");
  for (const Audience& a : kAudiences) {
    const Expr* e = compilation->checkExpression(a.name, a.herald);
    if (!e) {
      for (auto& d : compilation->diags().all()) std::fprintf(stderr, "%s", formatDiagnostic(compilation->sources(), d, false).c_str());
      return 2;
    }
    IrProgram program;
    Lowering lowering(compilation->sema(), zone, program);
    const IrNode* root = lowering.lower(*e);

    size_t batchCount = 0;
    BatchEvaluator batch(root, input, now, zone);
    std::vector<uint8_t> states(BatchEvaluator::kBlock);
    double batchTime = best(3, [&] {
      batchCount = 0;
      for (size_t b = 0; b < n; b += BatchEvaluator::kBlock) {
        size_t end = std::min(n, b + BatchEvaluator::kBlock);
        batch.evaluate(b, end, states.data());
        for (size_t r = 0; r < end - b; ++r) batchCount += states[r] == 1;
      }
    });

    size_t rowCount = 0;
    TableRow row(table);
    Interpreter interp;
    EvalContext ctx;
    ctx.customer = &row;
    ctx.now = now;
    ctx.zone = &zone;
    double rowTime = best(1, [&] {
      rowCount = 0;
      for (size_t r = 0; r < n; ++r) {
        row.setRow(r);
        Value v = interp.eval(root, ctx);
        rowCount += v.known() && v.boolean;
      }
    });

    int64_t sqlCount = 0;
    sqlite3_stmt* q = nullptr;
    std::string sql = fmt::format("SELECT count(*) FROM t WHERE {}", a.sql);
    check(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr), db);
    double sqlTime = best(3, [&] {
      sqlite3_reset(q);
      int idx = sqlite3_bind_parameter_index(q, ":now");
      if (idx) sqlite3_bind_int64(q, idx, now);
      check(sqlite3_step(q), db);
      sqlCount = sqlite3_column_int64(q, 0);
    });
    sqlite3_finalize(q);
    bool same = static_cast<int64_t>(batchCount) == sqlCount && batchCount == rowCount;
    std::printf("%-4s %12.1f %12.1f %12.1f %10.2f %10.2f %10s\n", a.name, n / batchTime / 1e6, n / rowTime / 1e6,
                n / sqlTime / 1e6, sqlTime / batchTime, sqlTime / rowTime,
                same ? "yes" : fmt::format("NO {}/{}/{}", batchCount, rowCount, sqlCount).c_str());
  }
  sqlite3_close(db);
  return 0;
}
