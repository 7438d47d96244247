#include <catch2/catch.hpp>

#include "compiler/diag/diagnostic.hpp"
#include "compiler/source/source_file.hpp"

using namespace herald;

TEST_CASE("columns count code points, not bytes", "[source]") {
  SourceFile f("x.herald", "ab\n\"退订\" + bad\nlast");
  CHECK(f.lineCol(0).line == 1);
  CHECK(f.lineCol(0).column == 1);
  // "退订" is 6 bytes; `bad` starts at byte 3 + 1 + 6 + 1 + 3 = 14 (line 2, column 8).
  auto at = f.lineCol(14);
  CHECK(at.line == 2);
  CHECK(at.column == 8);
  CHECK(f.lineText(2) == "\"退订\" + bad");
  CHECK(f.lineText(3) == "last");
}

TEST_CASE("CRLF line ends are not part of the line text", "[source]") {
  SourceFile f("x.herald", "one\r\ntwo\r\n");
  CHECK(f.lineText(1) == "one");
  CHECK(f.lineCol(5).line == 2);
}

TEST_CASE("the caret sits under the span, wide characters take two cells", "[diag]") {
  SourceManager sm;
  uint32_t id = sm.add("x.herald", "s = \"退订\" + oops\n");
  Span span{id, 15, 4};  // `oops`
  Diagnostic d{DiagCode::UnknownName, Severity::Error, span, "unknown name 'oops'"};
  std::string text = formatDiagnostic(sm, d, false);
  CHECK(text ==
        "x.herald:1:12: error[E2002]: unknown name 'oops'\n"
        "    1 | s = \"退订\" + oops\n"
        "      |              ^~~~\n");
}

TEST_CASE("JSON diagnostics carry the contract's fields", "[diag]") {
  SourceManager sm;
  uint32_t id = sm.add("spring.herald", "a\n  \"x\"\n");
  Diagnostic d{DiagCode::UnknownField, Severity::Error, Span{id, 4, 3}, "say \"hi\""};
  CHECK(formatDiagnosticJson(sm, d) ==
        R"({"file":"spring.herald","line":2,"column":3,"severity":"error","code":"E2003","message":"say \"hi\""})");
}

TEST_CASE("did-you-mean suggests close names only", "[diag]") {
  std::vector<std::string> names = {"age", "arpu", "city_tier", "tier"};
  CHECK(nearestName("agee", names) == "age");
  CHECK(nearestName("city_teir", names) == "city_tier");
  CHECK(nearestName("zzzzzz", names).empty());
  CHECK(nearestName("x", {"A"}).empty());
  CHECK(nearestName("a", {"A"}) == "A");
}

TEST_CASE("diagnostics sort by place and drop exact repeats", "[diag]") {
  DiagnosticEngine diags;
  diags.report(DiagCode::UnknownName, Span{1, 20, 1}, "b");
  diags.report(DiagCode::UnusedLet, Span{1, 5, 1}, "a");
  diags.report(DiagCode::UnknownName, Span{1, 20, 1}, "b");
  diags.sort();
  REQUIRE(diags.all().size() == 2);
  CHECK(diags.all()[0].message == "a");
  CHECK(diags.errorCount() == 1);
  CHECK(diags.warningCount() == 1);
}

TEST_CASE("UTF-8 validation", "[source]") {
  CHECK(validUtf8("plain"));
  CHECK(validUtf8("退订"));
  CHECK_FALSE(validUtf8("\xff"));
  CHECK_FALSE(validUtf8("\xe9\x80"));      // truncated
  CHECK_FALSE(validUtf8("\xed\xa0\x80"));  // a surrogate
}
