#include <catch2/catch.hpp>

#include "compiler/driver/compilation.hpp"

using namespace herald;

namespace {

const char* kSchema = R"(pack t
customer {
  id: string
  age: int?
  tier: enum("A","B","C")
  arpu: float
  tags: set<string>
  signed_up: timestamp
}
event recharge { amount: float, channel: string }
)";

// The type of `let probe = EXPR` in a pack with the schema above ("error: ..." on diagnostics).
std::string typeOf(const std::string& expr) {
  auto c = Compilation::fromText("t.herald", std::string(kSchema) + "let probe = " + expr + "\n");
  for (auto& d : c->diags().all())
    if (d.severity == Severity::Error) return "error " + std::string(diagCodeText(d.code)) + ": " + d.message;
  auto& probe = static_cast<const ValueDecl&>(*c->pack().decls.back());
  return probe.value->type.str();
}

}  // namespace

TEST_CASE("arithmetic types: widening, / is float, % is int only", "[sema]") {
  CHECK(typeOf("1 + 2") == "int");
  CHECK(typeOf("1 + 2.5") == "float");
  CHECK(typeOf("7 / 2") == "float");
  CHECK(typeOf("7 % 2") == "int");
  CHECK(typeOf("7.0 % 2").rfind("error E3006", 0) == 0);
  CHECK(typeOf("\"a\" + \"b\"").rfind("error E3001", 0) == 0);
}

TEST_CASE("optional values propagate", "[sema]") {
  CHECK(typeOf("age + 1") == "int?");
  CHECK(typeOf("age ?? 0") == "int");
  CHECK(typeOf("age > 18 and arpu > 1.0") == "bool?");
  CHECK(typeOf("has(age)") == "bool");
  CHECK(typeOf("if age > 18 then 1 else 2.5") == "float");
}

TEST_CASE("timestamps and durations", "[sema]") {
  CHECK(typeOf("now - signed_up") == "duration");
  CHECK(typeOf("signed_up + 7d") == "timestamp");
  CHECK(typeOf("7d * 2") == "duration");
  CHECK(typeOf("2 * 7d") == "duration");
  CHECK(typeOf("14d / 7d") == "float");
  CHECK(typeOf("7d > 3").rfind("error E3001", 0) == 0);
  CHECK(typeOf("days_since(signed_up)") == "int");
  CHECK(typeOf("date(now)") == "timestamp");
}

TEST_CASE("enums: members only, no ordering", "[sema]") {
  CHECK(typeOf("tier == \"A\"") == "bool");
  CHECK(typeOf("tier in [\"A\", \"B\"]") == "bool");
  CHECK(typeOf("tier == \"D\"").rfind("error E3004", 0) == 0);
  CHECK(typeOf("tier in [\"A\", \"Z\"]").rfind("error E3004", 0) == 0);
  CHECK(typeOf("tier > \"A\"").rfind("error E3005", 0) == 0);
}

TEST_CASE("sets, lists and text operators", "[sema]") {
  CHECK(typeOf("\"5g\" in tags") == "bool");
  CHECK(typeOf("len(tags)") == "int");
  CHECK(typeOf("age in tags").rfind("error E3010", 0) == 0);
  CHECK(typeOf("[1, 2]").rfind("error E3014", 0) == 0);
  CHECK(typeOf("id matches r\"^c[0-9]+$\"") == "bool");
  CHECK(typeOf("id matches r\"(unclosed\"").rfind("error E3008", 0) == 0);
  CHECK(typeOf("id matches id").rfind("error E3009", 0) == 0);
}

TEST_CASE("history aggregates", "[sema]") {
  CHECK(typeOf("count(recharge within 30d)") == "int");
  CHECK(typeOf("sum(recharge.amount within 90d)") == "float");
  CHECK(typeOf("avg(recharge.amount)") == "float?");
  CHECK(typeOf("max(recharge.amount within 7d)") == "float?");
  CHECK(typeOf("last(recharge.at)") == "timestamp?");
  CHECK(typeOf("count(recharge where event.amount >= 50 within 30d)") == "int");
  CHECK(typeOf("max(age, 3)") == "int?");
  CHECK(typeOf("sum(recharge.channel)").rfind("error E3013", 0) == 0);
  CHECK(typeOf("count(recharge within 30)").rfind("error E3013", 0) == 0);
  CHECK(typeOf("event.amount > 3").rfind("error E2011", 0) == 0);
}

TEST_CASE("the example pack checks clean", "[sema]") {
  std::string error;
  auto c = Compilation::fromFile(std::string(HERALD_SOURCE_DIR) + "/examples/telecom/spring.herald", error);
  REQUIRE(c);
  CHECK(c->diags().all().empty());
}
