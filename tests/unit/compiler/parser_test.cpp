#include <catch2/catch.hpp>

#include "compiler/ast/ast_printer.hpp"
#include "compiler/driver/compilation.hpp"
#include "compiler/parse/parser.hpp"

using namespace herald;

namespace {

// Parses one expression and prints it fully parenthesised ("" when it has syntax errors).
std::string shape(const std::string& text) {
  SourceManager sm;
  DiagnosticEngine diags;
  uint32_t id = sm.add("<expr>", text);
  ExprPtr e = parseExpression(sm, id, diags);
  if (diags.hasErrors()) return "error: " + diags.all()[0].message;
  return printExpr(*e);
}

}  // namespace

TEST_CASE("precedence follows LANGUAGE.md section 5", "[parser]") {
  CHECK(shape("age ?? 0 >= 18") == "(>= (?? age 0) 18)");
  CHECK(shape("age ?? 1 + 2") == "(?? age (+ 1 2))");
  CHECK(shape("not a and b or c") == "(or (and (not a) b) c)");
  CHECK(shape("not a == b") == "(not (== a b))");
  CHECK(shape("-x * y") == "(* (- x) y)");
  CHECK(shape("a - b - c") == "(- (- a b) c)");
  CHECK(shape("a / b * c % d") == "(% (* (/ a b) c) d)");
  CHECK(shape("if c then 1 else 2 + 3") == "(if c 1 (+ 2 3))");
  CHECK(shape("x between 1 and 2 and y") == "(and (between x 1 2) y)");
  CHECK(shape("x not in [1, 2]") == "(not in x [1, 2])");
  CHECK(shape("\"5g\" not in tags") == "(not in \"5g\" tags)");
  CHECK(shape("a ?? b ?? c") == "(?? (?? a b) c)");
  CHECK(shape("offer.value * 0.3") == "(* offer.value 0.3)");
  CHECK(shape("event.text matches r\"^y$\"") == "(matches event.text \"^y$\")");
}

TEST_CASE("a percent is a number directly followed by %", "[parser]") {
  CHECK(shape("5%") == "5%");
  CHECK(shape("7 % 3") == "(% 7 3)");
  CHECK(shape("7%3") == "(% 7 3)");
  CHECK(shape("x * 12.5%") == "(* x 12.5%)");
}

TEST_CASE("aggregates keep their filters", "[parser]") {
  CHECK(shape("count(recharge where event.amount >= 50 within 30d)") ==
        "(call count recharge where (>= event.amount 50) within 2592000s)");
  CHECK(shape("contacts(on sms within 7d)") == "(call contacts on sms within 604800s)");
  CHECK(shape("contacts(for campaign spring_5g within 90d)") ==
        "(call contacts for campaign spring_5g within 7776000s)");
  CHECK(shape("max(a, b)") == "(call max a b)");
}

TEST_CASE("keywords other than the reserved words are names", "[parser]") {
  CHECK(shape("event.channel == \"sms\"") == "(== event.channel \"sms\")");
  CHECK(shape("max + per + on + at") == "(+ (+ (+ max per) on) at)");
}

TEST_CASE("comparisons do not chain", "[parser]") {
  CHECK(shape("a < b < c") == "error: comparisons do not chain: write `a < b and b < c`");
}

TEST_CASE("INT64_MIN can be written, one past INT64_MAX cannot", "[parser]") {
  CHECK(shape("-9223372036854775808") == "-9223372036854775808");
  CHECK(shape("9223372036854775808").rfind("error: integer literal does not fit", 0) == 0);
}

TEST_CASE("every node carries its span", "[parser]") {
  auto c = Compilation::fromText("p.herald", "pack p\ncustomer { id: string, age: int? }\n"
                                             "segment adult = age >= 18\n");
  const Pack& pack = c->pack();
  REQUIRE(pack.decls.size() == 2);
  auto& seg = static_cast<const ValueDecl&>(*pack.decls[1]);
  LineCol at = c->sources().file(1).lineCol(seg.value->span.offset);
  CHECK(at.line == 3);
  CHECK(at.column == 17);
  CHECK(seg.value->span.length == 9);
  LineCol rhs = c->sources().file(1).lineCol(seg.value->args[1]->span.offset);
  CHECK(rhs.column == 24);
}

TEST_CASE("syntax errors are recovered from and all are reported", "[parser]") {
  auto c = Compilation::fromText("p.herald",
                                 "pack p\ncustomer { id: string age: int? }\n"
                                 "segment a = age >= \n"
                                 "segment b = (age + 1\n"
                                 "segment c = age >= 18\n");
  size_t syntax = 0;
  for (auto& d : c->diags().all())
    if (d.code == DiagCode::SyntaxError) ++syntax;
  CHECK(syntax >= 2);
  // The declaration after the errors is still there.
  bool foundC = false;
  for (auto& d : c->pack().decls) foundC |= d->name.name == "c";
  CHECK(foundC);
}
