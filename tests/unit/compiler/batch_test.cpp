// The columnar interpreter must agree with the reference (row) interpreter on every row:
// values, unknowns and errors, for fixed edge cases and for generated expressions.

#include <catch2/catch.hpp>

#include <random>

#include "compiler/driver/compilation.hpp"
#include "compiler/interp/batch.hpp"
#include "compiler/interp/interpreter.hpp"
#include "compiler/ir/lower.hpp"
#include "runtime/data/table_row.hpp"

using namespace herald;

namespace {

const char* kPack = R"(pack t
timezone "America/New_York"
customer {
  id: string
  name: string
  age: int?
  score: float?
  big: int
  tier: enum("A","B","C")
  stage: enum("A","B","C")?
  tags: set<string>
  seen: timestamp?
}
)";

const char* kCsv =
    "id,name,age,score,big,tier,stage,tags,seen\n"
    "c1,Ann,30,1.5,9223372036854775807,A,B,5g|vip,2026-03-08T01:30:00\n"
    "c2,,,,-9223372036854775808,B,,,\n"
    "c3,Émile,0,0.0,0,C,C,vip,2026-03-08T03:30:00\n"
    "c4,straße,-7,-2.5,3,A,A,5g,2025-12-31T23:59:59\n"
    "c5,退订,18,100.25,-1,B,,family|5g|vip,2026-11-01T01:30:00\n"
    "c6, padded ,65,,42,C,B,x,2020-02-29T12:00:00\n";

// Evaluates `expr` on every row both ways and compares (state, and error message).
void compareEngines(Compilation& c, const CustomerTable& table, const std::string& expr) {
  const Expr* e = c.checkExpression("<test>", expr);
  if (!e) return;  // a generated expression that does not type-check
  TimeZone zone;
  TimeZone::parse("America/New_York", zone);
  IrProgram program;
  Lowering lowering(c.sema(), zone, program);
  const IrNode* root = lowering.lower(*e);
  if (root->type.kind != TypeKind::Bool) return;
  const int64_t now = 1773104400;
  PoolDict dict(table.pool());
  BatchInput input = batchInput(table, dict);
  BatchEvaluator batch(root, input, now, zone);
  std::vector<uint8_t> states(table.rows());
  batch.evaluate(0, table.rows(), states.data());
  TableRow row(table);
  Interpreter interp;
  EvalContext ctx;
  ctx.customer = &row;
  ctx.now = now;
  ctx.zone = &zone;
  for (size_t r = 0; r < table.rows(); ++r) {
    row.setRow(r);
    ctx.customerId = table.id(r);
    Value v = interp.eval(root, ctx);
    uint8_t expected = v.failed() ? 3 : v.unknown() ? 2 : v.boolean ? 1 : 0;
    INFO(expr << " on " << table.id(r) << (v.failed() ? " (row error: " + v.text + ")" : ""));
    CHECK(int(states[r]) == int(expected));
    if (expected == 3) CHECK(batch.errorOf(r) == v.text);
  }
}

std::string randomCondition(std::mt19937_64& rng, int depth) {
  auto pick = [&](std::initializer_list<const char*> xs) { return std::string(*(xs.begin() + rng() % xs.size())); };
  if (depth <= 0 || rng() % 3 == 0) {
    switch (rng() % 12) {
      case 0: return "age " + pick({"<", "<=", ">", ">=", "==", "!="}) + " " + pick({"0", "18", "-7", "30"});
      case 1: return "score " + pick({"<", ">=", "=="}) + " " + pick({"0.0", "1.5", "-2.5", "100"});
      case 2: return "tier " + pick({"==", "!="}) + " " + pick({"\"A\"", "\"B\"", "\"C\""});
      case 3: return "stage " + pick({"in", "not in"}) + " [" + pick({"\"A\"", "\"B\", \"C\"", "\"C\""}) + "]";
      case 4: return pick({"\"5g\"", "\"vip\"", "\"zzz\""}) + " " + pick({"in", "not in"}) + " tags";
      case 5: return "big " + pick({"+", "-", "*"}) + " " + pick({"1", "-1", "2", "0"}) + " > 0";
      case 6: return "100 / " + pick({"age", "(age ?? 0)", "big"}) + " > 1";
      case 7: return "(age ?? 1) % " + pick({"0", "3", "-1"}) + " == 0";
      case 8: return "name " + pick({"starts_with", "ends_with", "contains"}) + " " + pick({"\"\"", "\"A\"", "\"e\""});
      case 9: return "has(" + pick({"age", "score", "seen", "stage"}) + ")";
      case 10: return "days_since(seen) " + pick({">", "<"}) + " " + pick({"0", "200", "-10"});
      default: return "len(tags) " + pick({">", "=="}) + " " + pick({"0", "1", "2"});
    }
  }
  switch (rng() % 5) {
    case 0: return "(" + randomCondition(rng, depth - 1) + " and " + randomCondition(rng, depth - 1) + ")";
    case 1: return "(" + randomCondition(rng, depth - 1) + " or " + randomCondition(rng, depth - 1) + ")";
    case 2: return "not (" + randomCondition(rng, depth - 1) + ")";
    case 3:
      return "(if " + randomCondition(rng, depth - 1) + " then " + randomCondition(rng, depth - 1) + " else " +
             randomCondition(rng, depth - 1) + ")";
    default: return "((age > 20) ?? " + randomCondition(rng, depth - 1) + ")";
  }
}

struct Fixture {
  std::unique_ptr<Compilation> c = Compilation::fromText("t.herald", kPack);
  LoadResult loaded;
  Fixture() {
    TimeZone zone;
    TimeZone::parse("America/New_York", zone);
    loaded = loadCustomersFromText("t.csv", kCsv, false, *c->sema().syms.customer, zone);
    REQUIRE(loaded.ok);
  }
};

}  // namespace

TEST_CASE("batch and row interpreters agree on edge cases", "[batch]") {
  Fixture f;
  for (const char* e : {"age > 18", "not (age > 18)", "age > 18 or score > 1.0", "age > 18 and score > 1.0",
                        "big + 1 > 0", "big - 1 < 0", "-big < 0", "big * 2 > 0", "100 / age > 1", "big % 0 == 0",
                        "(big + 1 > 0) and false", "true or (big + 1 > 0)", "(big + 1 > 0) and age > 100",
                        "age between 0 and 30", "tier in [\"A\", \"C\"]", "stage not in [\"B\"]",
                        "\"5g\" in tags", "\"none\" not in tags", "name == \"\"", "trim(name) == \"padded\"",
                        "lower(name) == \"straße\"", "upper(name) starts_with \"É\"", "len(name) == 2",
                        "hour(seen) == 3", "weekday(seen) == 7", "date(seen) < seen", "abs(big) > 0",
                        "sqrt(score ?? -1.0) > 1.0", "log(age ?? 0) > 0.0", "bucket(\"s\", 10) < 5",
                        "(if age > 18 then big + 1 else 0) > 0", "(age ?? big + 1) > 0", "score ?? 0.0 >= 1.5",
                        "min(age ?? 0, 10) < 5", "clamp(score ?? 0.0, 0.0, 1.0) == 1.0", "round(score ?? 0.0) == 2.0",
                        "days_since(seen) > 100", "hours_since(seen) < 0", "seen + 1d > now",
                        "now - (seen ?? now) > 30d", "stage == tier", "id matches r\"^c[1-3]$\"", "age in []",
                        "tier not in []", "stage in []"}) {
    compareEngines(*f.c, f.loaded.table, e);
  }
}

TEST_CASE("batch and row interpreters agree on generated conditions", "[batch]") {
  Fixture f;
  uint64_t seed = std::getenv("HERALD_DIFF_SEED") ? std::strtoull(std::getenv("HERALD_DIFF_SEED"), nullptr, 10) : 7;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 400; ++i) compareEngines(*f.c, f.loaded.table, randomCondition(rng, 3));
}

TEST_CASE("days_since and hours_since are exact floor divisions over all instants", "[batch]") {
  // periodsSince computes in 64 bits; the difference of two instants may not fit them, so it is
  // checked against the 128-bit floor division for the extremes and for random pairs.
  auto reference = [](int64_t now, int64_t at, int64_t unit) {
    __int128 d = static_cast<__int128>(now) - at;
    __int128 q = d / unit;
    if (d % unit != 0 && d < 0) --q;
    return static_cast<int64_t>(q);
  };
  std::vector<int64_t> edges = {INT64_MIN, INT64_MIN + 1, -86401, -86400, -86399, -3601, -3600, -1, 0, 1,
                                3599,      3600,          86399,  86400,  86401,  1772326800, INT64_MAX - 1, INT64_MAX};
  std::mt19937_64 rng(11);
  for (int k = 0; k < 200; ++k) edges.push_back(static_cast<int64_t>(rng()));
  for (int64_t unit : {int64_t(86400), int64_t(3600)})
    for (int64_t now : edges)
      for (int64_t at : edges) {
        INFO(now << " " << at << " " << unit);
        REQUIRE(periodsSince(now, at, unit) == reference(now, at, unit));
      }
}
