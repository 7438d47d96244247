// The JIT's own behaviour: the object cache (hit, stale, corrupt), fallbacks to the
// interpreter, and tiering. Whether native code computes what the interpreter does is
// tests/differential's job.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <unistd.h>

#include "compiler/driver/compilation.hpp"
#include "compiler/ir/lower.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/data/table_row.hpp"

using namespace herald;

namespace {

const char* kPack = R"(pack t
timezone "Europe/Paris"
customer {
  id: string
  name: string
  age: int?
  tags: set<string>
  plan: enum("basic", "gold")
}
)";

const char* kCsv =
    "id,name,age,tags,plan\n"
    "c1,Ann,30,5g|vip,gold\n"
    "c2,Bob,,,basic\n"
    "c3,Émile,0,vip,basic\n";

struct Fixture {
  std::unique_ptr<Compilation> c = Compilation::fromText("t.herald", kPack);
  TimeZone zone;
  LoadResult loaded;
  IrProgram program;
  std::string cacheDir = (std::filesystem::temp_directory_path() / fmt::format("herald-jit-test-{}", ::getpid())).string();

  Fixture() {
    TimeZone::parse("Europe/Paris", zone);
    loaded = loadCustomersFromText("t.csv", kCsv, false, *c->sema().syms.customer, zone);
    REQUIRE(loaded.ok);
  }
  ~Fixture() { std::filesystem::remove_all(cacheDir); }

  std::vector<const IrNode*> lower(std::initializer_list<const char*> exprs) {
    std::vector<const IrNode*> roots;
    Lowering lowering(c->sema(), zone, program);
    for (const char* e : exprs) {
      const Expr* checked = c->checkExpression("<test>", e);
      REQUIRE(checked);
      roots.push_back(lowering.lower(*checked));
    }
    return roots;
  }

  /// The values of root i for every customer, as "c1=true c2=null ..." .
  std::string values(const JitPack& pack, size_t i) {
    PoolDict dict(loaded.table.pool());
    BatchInput input = batchInput(loaded.table, dict);
    JitBinding binding(pack, input, 1773104400, zone);
    std::string out;
    for (size_t r = 0; r < loaded.table.rows(); ++r) {
      Value v = binding.value(i, r);
      out += std::string(loaded.table.id(r)) + "=" +
             (v.failed() ? "error:" + v.text : v.unknown() ? "null" : v.kind == TypeKind::Bool ? (v.boolean ? "true" : "false")
                                                                                                  : std::to_string(v.integer)) + " ";
    }
    return out;
  }

  std::vector<std::filesystem::path> cacheFiles() const {
    std::vector<std::filesystem::path> files;
    for (auto& e : std::filesystem::directory_iterator(cacheDir)) files.push_back(e.path());
    return files;
  }
};

}  // namespace

TEST_CASE("a second compile of the same expressions loads object code from the cache", "[jit]") {
  Fixture f;
  auto roots = f.lower({"age > 18 and \"vip\" in tags", "(age ?? 7) * 2"});
  std::string error;
  auto first = JitPack::compile(roots, JitOptions{f.cacheDir}, error);
  REQUIRE(first);
  CHECK_FALSE(first->fromCache());
  CHECK(first->compiled(0));
  CHECK(first->compiled(1));
  REQUIRE(f.cacheFiles().size() == 1);
  auto second = JitPack::compile(roots, JitOptions{f.cacheDir}, error);
  REQUIRE(second);
  CHECK(second->fromCache());
  CHECK(f.values(*second, 0) == "c1=true c2=false c3=false ");  // c2: unknown and false is false
  CHECK(f.values(*second, 1) == "c1=60 c2=14 c3=0 ");
}

TEST_CASE("other expressions do not use a cache entry made for different ones", "[jit]") {
  Fixture f;
  std::string error;
  auto a = JitPack::compile(f.lower({"age > 18"}), JitOptions{f.cacheDir}, error);
  auto b = JitPack::compile(f.lower({"age > 19"}), JitOptions{f.cacheDir}, error);
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(b->fromCache());
  CHECK(f.cacheFiles().size() == 2);
  CHECK(f.values(*b, 0) == "c1=true c2=null c3=false ");
}

TEST_CASE("a corrupt or truncated cache entry is ignored and rebuilt", "[jit]") {
  Fixture f;
  auto roots = f.lower({"name starts_with \"A\""});
  std::string error;
  REQUIRE(JitPack::compile(roots, JitOptions{f.cacheDir}, error));
  std::filesystem::path entry = f.cacheFiles().at(0);
  auto size = std::filesystem::file_size(entry);
  SECTION("a flipped byte in the object code") {
    std::fstream file(entry, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(size - 10));
    file.put('\x5a');
  }
  SECTION("truncated") { std::filesystem::resize_file(entry, size / 2); }
  SECTION("not a cache entry at all") { std::ofstream(entry, std::ios::trunc) << "hello"; }
  auto again = JitPack::compile(roots, JitOptions{f.cacheDir}, error);
  REQUIRE(again);
  CHECK_FALSE(again->fromCache());
  CHECK(f.values(*again, 0) == "c1=true c2=false c3=false ");
  // ... and the rebuilt entry is good again.
  auto third = JitPack::compile(roots, JitOptions{f.cacheDir}, error);
  REQUIRE(third);
  CHECK(third->fromCache());
}

TEST_CASE("what the JIT has no code for falls back to the interpreter, with a reason", "[jit]") {
  Fixture f;
  std::string error;
  auto pack = JitPack::compile(f.lower({"len(plan) == 4", "age >= 0"}), JitOptions{}, error);
  REQUIRE(pack);
  CHECK_FALSE(pack->compiled(0));
  CHECK(pack->fallbackReason(0) == "`len` of an enum");
  CHECK(pack->compiled(1));
  CHECK(pack->fallbackReason(1).empty());
  CHECK(f.values(*pack, 0) == "c1=true c2=false c3=false ");
  // The batch form of a fallback is the columnar interpreter.
  PoolDict dict(f.loaded.table.pool());
  BatchInput input = batchInput(f.loaded.table, dict);
  JitBinding binding(*pack, input, 1773104400, f.zone);
  uint8_t states[3];
  binding.evaluate(0, 0, 3, states);
  CHECK(std::vector<int>(states, states + 3) == std::vector<int>{1, 0, 0});
}

TEST_CASE("errors from native code carry the interpreter's messages", "[jit]") {
  Fixture f;
  std::string error;
  auto pack = JitPack::compile(f.lower({"100 / age > 1", "(age ?? 1) % 0"}), JitOptions{}, error);
  REQUIRE(pack);
  REQUIRE(pack->compiled(0));
  CHECK(f.values(*pack, 0) == "c1=true c2=null c3=error:division by zero ");
  CHECK(f.values(*pack, 1) == "c1=error:division by zero c2=error:division by zero c3=error:division by zero ");
}

TEST_CASE("tiering: interp never compiles, jit waits, auto hands over once ready", "[jit]") {
  Fixture f;
  auto roots = f.lower({"age > 18"});
  JitTier interp(JitTier::Mode::Interp, roots, JitOptions{});
  CHECK(interp.get() == nullptr);
  CHECK(interp.wait() == nullptr);
  JitTier jit(JitTier::Mode::Jit, roots, JitOptions{});
  REQUIRE(jit.get() != nullptr);
  CHECK(jit.get()->compiled(0));
  JitTier automatic(JitTier::Mode::Auto, roots, JitOptions{});
  const JitPack* ready = automatic.wait();
  REQUIRE(ready != nullptr);
  CHECK(automatic.get() == ready);
  CHECK(automatic.indexOf(roots[0]) == 0);
  JitTier::Mode mode;
  CHECK(JitTier::parseMode("auto", mode));
  CHECK_FALSE(JitTier::parseMode("fast", mode));
}

TEST_CASE("text made at run time compares equal to the same text from a column or a constant", "[jit]") {
  Fixture f;
  std::string error;
  auto pack = JitPack::compile(f.lower({"lower(name) == \"ann\"", "trim(\"  Bob \") == name", "upper(name) == upper(\"émile\")",
                                        "lower(name) == lower(name)"}),
                               JitOptions{}, error);
  REQUIRE(pack);
  for (size_t i = 0; i < 4; ++i) CHECK(pack->compiled(i));
  CHECK(f.values(*pack, 0) == "c1=true c2=false c3=false ");  // "ann" is no customer's text, only a constant
  CHECK(f.values(*pack, 1) == "c1=false c2=true c3=false ");  // "Bob" is a name in the table
  CHECK(f.values(*pack, 2) == "c1=false c2=false c3=true ");  // "ÉMILE" is made twice, the same id
  CHECK(f.values(*pack, 3) == "c1=true c2=true c3=true ");
}

TEST_CASE("a big pack runs first-tier code at once and optimised code when it is ready", "[jit]") {
  Fixture f;
  std::vector<std::string> texts;
  for (size_t k = 0; k <= kJitBigPack; ++k) texts.push_back(fmt::format("(age ?? 5) > {} and \"vip\" in tags", k % 40));
  std::vector<const IrNode*> roots;
  {
    Lowering lowering(f.c->sema(), f.zone, f.program);
    for (const std::string& t : texts) roots.push_back(lowering.lower(*f.c->checkExpression("<test>", t)));
  }
  JitTier tier(JitTier::Mode::Jit, roots, JitOptions{});
  const JitPack* first = tier.get();
  REQUIRE(first != nullptr);
  const JitPack* best = tier.wait();
  REQUIRE(best != nullptr);
  CHECK_FALSE(best->firstTier());
  CHECK(tier.get() == best);
  for (const JitPack* pack : {first, best}) {
    CHECK(f.values(*pack, 0) == "c1=true c2=false c3=false ");   // 30 > 0; c2 holds no vip; 0 > 0 fails
    CHECK(f.values(*pack, 7) == "c1=true c2=false c3=false ");
    CHECK(f.values(*pack, 35) == "c1=false c2=false c3=false ");  // 30 > 35 fails
  }
}

TEST_CASE("kernels read small int columns as bytes and give the states of 64-bit reads", "[jit]") {
  // In the first table every age and plan fits a byte, so the kernels run their byte loop; in
  // the second one age of 1000 does not, so they run the 64-bit loop. Same rows, same states.
  Fixture f;
  std::string error;
  auto pack = JitPack::compile(f.lower({"age >= 30 and plan == \"gold\"", "(age ?? 7) < 20 or plan == \"basic\"",
                                        "age > -5", "plan != \"gold\""}),
                               JitOptions{}, error);
  REQUIRE(pack);
  const std::string rows = "c1,Ann,30,,gold\nc2,Bob,,,basic\nc3,Cy,-100,,gold\nc4,Di,127,,gold\nc5,Ed,19,,gold\n";
  const std::vector<std::vector<int>> expected = {
      {1, 0, 0, 1, 0},  // c2: unknown and false is false
      {0, 1, 1, 0, 1},
      {1, 2, 0, 1, 1},  // c2: no age, unknown
      {0, 1, 0, 0, 0},
  };
  for (const std::string& extra : {std::string(), std::string("c6,Fay,1000,,basic\n")}) {
    INFO("extra row: " << extra);
    LoadResult loaded = loadCustomersFromText("t.csv", "id,name,age,tags,plan\n" + rows + extra, false,
                                              *f.c->sema().syms.customer, f.zone);
    REQUIRE(loaded.ok);
    PoolDict dict(loaded.table.pool());
    BatchInput input = batchInput(loaded.table, dict);
    JitBinding binding(*pack, input, 1773104400, f.zone);
    for (size_t i = 0; i < expected.size(); ++i) {
      INFO("expression " << i);
      std::vector<uint8_t> states(loaded.table.rows());
      binding.evaluate(i, 0, loaded.table.rows(), states.data());
      CHECK(std::vector<int>(states.begin(), states.begin() + 5) == expected[i]);
      // Each row alone (the per-customer form) and from an odd start agree with the whole.
      for (size_t r = 1; r < 5; ++r) {
        uint8_t one = 9;
        binding.evaluate(i, r, r + 1, &one);
        CHECK(int(one) == expected[i][r]);
      }
    }
  }
}

TEST_CASE("kernels give a block's states as two bitmaps, row begin + k at bit k", "[jit]") {
  // 300 customers: ages 0..99 with every seventh missing; plan gold on odd rows. Expressions:
  // native (one with a division by zero at age 40) and one that falls back to the interpreter.
  Fixture f;
  std::string csv = "id,name,age,tags,plan\n";
  for (int r = 0; r < 300; ++r)
    csv += fmt::format("c{},N,{},,{}\n", r, r % 7 == 3 ? "" : std::to_string(r % 100), r % 2 ? "gold" : "basic");
  LoadResult loaded = loadCustomersFromText("t.csv", csv, false, *f.c->sema().syms.customer, f.zone);
  REQUIRE(loaded.ok);
  std::string error;
  auto pack = JitPack::compile(f.lower({"age >= 30 and plan == \"gold\"", "100 / (age - 40) > 1", "len(plan) == 4"}),
                               JitOptions{}, error);
  REQUIRE(pack);
  REQUIRE(pack->compiled(1));
  REQUIRE_FALSE(pack->compiled(2));
  PoolDict dict(loaded.table.pool());
  BatchInput input = batchInput(loaded.table, dict);
  JitBinding binding(*pack, input, 1773104400, f.zone);
  // The state the interpreter gives row r: 1 true, 0 false, 2 unknown, 3 error.
  auto expected = [&](size_t i, size_t r) {
    int age = int(r % 100);
    bool missing = r % 7 == 3, gold = r % 2;
    if (i == 0) return missing ? (gold ? 2 : 0) : int(age >= 30 && gold);
    if (i == 1) return missing ? 2 : age == 40 ? 3 : int(100.0 / (age - 40) > 1);  // `/` divides exactly
    return int(gold);
  };
  for (size_t i = 0; i < 3; ++i)
    for (auto [begin, end] : {std::pair{0, 300}, {5, 6}, {37, 230}, {64, 128}, {250, 300}}) {
      INFO("expression " << i << ", rows " << begin << ".." << end);
      uint64_t truth[5], unknown[5];
      std::fill(std::begin(truth), std::end(truth), ~uint64_t(0));
      std::fill(std::begin(unknown), std::end(unknown), ~uint64_t(0));
      binding.evaluateBits(i, begin, end, truth, unknown);
      size_t n = end - begin, mismatches = 0;
      for (size_t k = 0; k < n; ++k) {
        int state = int(truth[k / 64] >> (k % 64) & 1) | int(unknown[k / 64] >> (k % 64) & 1) << 1;
        mismatches += state != expected(i, begin + k);
      }
      CHECK(mismatches == 0);
      // Bits past the rows are clear in the last word (so a popcount counts rows).
      if (n % 64) CHECK((truth[n / 64] | unknown[n / 64]) >> (n % 64) == 0);
      // The states as bytes say the same.
      std::vector<uint8_t> states(n);
      binding.evaluate(i, begin, end, states.data());
      for (size_t k = 0; k < n; ++k) mismatches += states[k] != expected(i, begin + k);
      CHECK(mismatches == 0);
    }
}
