#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "compiler/driver/compilation.hpp"
#include "runtime/data/customer_table.hpp"

using namespace herald;

namespace {

// A schema with one field of every loadable type (and both required and optional ones).
const char* kPack = R"(pack t
timezone "Asia/Shanghai"
customer {
  id: string
  name: string
  nick: string?
  age: int?
  city_tier: int
  tier: enum("A","B","C")
  arpu: float
  vip: bool?
  tags: set<string>
  signed_up: timestamp?
  tenure: duration?
}
)";

const char* kHeader = "id,name,nick,age,city_tier,tier,arpu,vip,tags,signed_up,tenure\n";

struct TestPack {
  std::unique_ptr<Compilation> compilation;
  TimeZone zone;
  TestPack() {
    compilation = Compilation::fromText("t.herald", kPack);
    REQUIRE(compilation->ok());
    REQUIRE(TimeZone::parse("Asia/Shanghai", zone));
  }
  const SchemaDecl& schema() const { return *compilation->sema().syms.customer; }
};

const TestPack& pack() {
  static TestPack p;
  return p;
}

LoadResult csv(std::string_view text, LoadOptions options = {}) {
  return loadCustomersFromText("customers.csv", text, false, pack().schema(), pack().zone, options);
}

LoadResult jsonl(std::string_view text, LoadOptions options = {}) {
  return loadCustomersFromText("customers.jsonl", text, true, pack().schema(), pack().zone, options);
}

const Column& col(const CustomerTable& t, const std::string& name) {
  for (const auto& c : t.columns())
    if (c.name == name) return c;
  FAIL("no column " << name);
  return t.column(0);
}

std::string str(const CustomerTable& t, const std::string& name, size_t row) {
  return std::string(t.pool().get(col(t, name).strings[row]));
}

std::vector<std::string> setOf(const CustomerTable& t, const std::string& name, size_t row) {
  const Column& c = col(t, name);
  std::vector<std::string> out;
  for (uint32_t i = c.setOffsets[row]; i < c.setOffsets[row + 1]; ++i)
    out.emplace_back(t.pool().get(c.setItems[i]));
  return out;
}

std::vector<std::string> texts(const LoadResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.text());
  return out;
}

// One CSV row with defaults; `cells` overrides by column name.
std::string row(std::map<std::string, std::string> cells) {
  static const char* kNames[] = {"id",   "name", "nick", "age",       "city_tier", "tier",
                                 "arpu", "vip",  "tags", "signed_up", "tenure"};
  std::map<std::string, std::string> defaults = {
      {"name", "Ann"}, {"city_tier", "1"}, {"tier", "A"}, {"arpu", "9.5"}};
  std::string out;
  for (const char* n : kNames) {
    auto it = cells.find(n);
    std::string v = it != cells.end() ? it->second : defaults.count(n) ? defaults[n] : "";
    out += (out.empty() ? "" : ",") + v;
  }
  return out + "\n";
}

}  // namespace

TEST_CASE("CSV loads every type into columns", "[data]") {
  std::string text = std::string(kHeader) +
                     "c1,Ann,annie,34,2,B,12.5,true,5g|prepaid,2026-03-01T09:00:00,7d\n"
                     "c2,Bob,,,1,C,-0.25,false,,2026-03-01,3600\n";
  auto r = csv(text);
  INFO(texts(r).size());
  REQUIRE(r.ok);
  REQUIRE(r.errors.empty());
  const auto& t = r.table;
  REQUIRE(t.rows() == 2);
  CHECK(t.columns().size() == 11);
  CHECK(t.id(0) == "c1");
  CHECK(t.findRow("c2") == 1);
  CHECK(t.findRow("Ann") == -1);
  CHECK(t.findRow("nobody") == -1);
  CHECK(str(t, "name", 1) == "Bob");
  CHECK(str(t, "nick", 0) == "annie");
  CHECK_FALSE(col(t, "nick").isValid(1));  // optional string: empty is missing
  CHECK(col(t, "age").ints[0] == 34);
  CHECK_FALSE(col(t, "age").isValid(1));
  CHECK(col(t, "tier").ints[0] == 1);
  CHECK(col(t, "tier").type.members->at(1) == "B");
  CHECK(col(t, "arpu").floats[1] == -0.25);
  CHECK(col(t, "vip").ints[0] == 1);
  CHECK(col(t, "vip").ints[1] == 0);
  CHECK(col(t, "vip").isValid(1));
  CHECK(setOf(t, "tags", 0) == std::vector<std::string>{"5g", "prepaid"});
  CHECK(setOf(t, "tags", 1).empty());
  CHECK(col(t, "tags").isValid(1));  // required set: empty is the empty set
  CHECK(formatInstantUtc(col(t, "signed_up").ints[0]) == "2026-03-01T01:00:00Z");
  CHECK(formatInstantUtc(col(t, "signed_up").ints[1]) == "2026-02-28T16:00:00Z");
  CHECK(col(t, "tenure").ints[0] == 7 * 86400);
  CHECK(col(t, "tenure").ints[1] == 3600);
}

TEST_CASE("CSV reports every bad cell with its line and column", "[data]") {
  std::string text = std::string(kHeader) + row({{"id", "c1"}}) + row({{"id", "c2"}, {"age", "abc"}}) +
                     row({{"id", "c3"}}) + row({{"id", "c4"}, {"tier", "D"}, {"arpu", "x1"}});
  auto r = csv(text);
  CHECK_FALSE(r.ok);
  CHECK(r.table.rows() == 0);
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].text() == "customers.csv:3: column 'age': \"abc\" is not an int");
  CHECK(r.errors[0].line == 3);
  CHECK(r.errors[0].column == "age");
  CHECK(r.errors[1].text() == "customers.csv:5: column 'tier': \"D\" is not one of \"A\", \"B\", \"C\"");
  CHECK(r.errors[2].text() == "customers.csv:5: column 'arpu': \"x1\" is not a float");
}

TEST_CASE("CSV empty file and header-only file", "[data]") {
  auto empty = csv("");
  CHECK_FALSE(empty.ok);
  CHECK_FALSE(empty.ioError);
  REQUIRE(empty.errors.size() == 1);
  CHECK(empty.errors[0].text() == "customers.csv: no header row (the file is empty)");

  auto blank = csv("\n");
  CHECK_FALSE(blank.ok);
  REQUIRE(blank.errors.size() == 1);
  CHECK(blank.errors[0].text() == "customers.csv:1: no header row (the first line is empty)");

  auto onlyBom = csv("\xEF\xBB\xBF");
  CHECK_FALSE(onlyBom.ok);

  auto header = csv(kHeader);
  CHECK(header.ok);
  CHECK(header.table.rows() == 0);
  CHECK(header.table.columns().size() == 11);

  std::string noNewline(kHeader);
  noNewline.pop_back();
  auto header2 = csv(noNewline);
  CHECK(header2.ok);
  CHECK(header2.table.rows() == 0);
}

TEST_CASE("CSV skips a BOM and reads CRLF and a last line without newline", "[data]") {
  std::string text =
      "\xEF\xBB\xBF"
      "id,name,city_tier,tier,arpu,tags\r\n"
      "c1,Ann,1,A,1.5,x|y\r\n"
      "c2,\"Bob\",2,B,2.5,\"z\"\r\n"
      "c3,Cy,3,C,3.5,";
  auto r = csv(text);
  REQUIRE(r.errors.empty());
  REQUIRE(r.ok);
  REQUIRE(r.table.rows() == 3);
  CHECK(r.table.id(0) == "c1");
  CHECK(str(r.table, "name", 1) == "Bob");
  CHECK(setOf(r.table, "tags", 0) == std::vector<std::string>{"x", "y"});
  CHECK(setOf(r.table, "tags", 1) == std::vector<std::string>{"z"});
  CHECK(setOf(r.table, "tags", 2).empty());
  CHECK(col(r.table, "arpu").floats[2] == 3.5);
}

TEST_CASE("CSV quoting: commas, doubled quotes and newlines inside quotes", "[data]") {
  std::string text =
      "id,name,city_tier,tier,arpu,tags\n"
      "c1,\"Li, Wei\",1,A,1,\n"
      "c2,\"say \"\"hi\"\"\",1,A,1,\n"
      "c3,\"two\nlines\",1,A,1,\n"
      "c4,Dee,x,A,1,\n"
      "c5,\"\",1,A,1,\"a|b\"\n";
  auto r = csv(text);
  REQUIRE(r.errors.size() == 1);
  // c3 starts on line 4 and takes two lines, so c4 is on line 6.
  CHECK(r.errors[0].text() == "customers.csv:6: column 'city_tier': \"x\" is not an int");
  r = csv(text, LoadOptions{true, 20});
  REQUIRE(r.ok);
  REQUIRE(r.table.rows() == 4);
  CHECK(str(r.table, "name", 0) == "Li, Wei");
  CHECK(str(r.table, "name", 1) == "say \"hi\"");
  CHECK(str(r.table, "name", 2) == "two\nlines");
  CHECK(str(r.table, "name", 3) == "");
  CHECK(setOf(r.table, "tags", 3) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("CSV unterminated quote and text after a closing quote", "[data]") {
  std::string text =
      "id,name,city_tier,tier,arpu,tags\n"
      "c1,Ann,1,A,1,\n"
      "c2,\"Bob\"x,1,A,1,\n"
      "c3,Cy,1,A,1,\n"
      "c4,\"never closed,1,A,1,\n"
      "c5,Ed,1,A,1,\n";
  auto r = csv(text);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 3);
  CHECK(r.errors[0].column == "name");
  CHECK(r.errors[0].message.find("after the closing quote") != std::string::npos);
  CHECK(r.errors[1].text() ==
        "customers.csv:5: column 'name': unterminated quote (the closing quote is missing before the end of "
        "the file)");
  r = csv(text, LoadOptions{true, 20});
  CHECK(r.ok);
  CHECK(r.table.rows() == 2);  // c1 and c3; the open quote swallows c4 and c5
  CHECK(csv("id,\"name\n").errors.at(0).message.find("unterminated quote in the header") == 0);
}

TEST_CASE("CSV header: unknown, repeated and missing columns", "[data]") {
  auto unknown = csv("id,name,agee,city_tier,tier,arpu,tags\n");
  CHECK_FALSE(unknown.ok);
  REQUIRE(unknown.errors.size() == 1);
  CHECK(unknown.errors[0].text() ==
        "customers.csv:1: column 'agee': not a field of the customer schema; did you mean 'age'?");

  auto repeated = csv("id,name,city_tier,tier,arpu,tags,name\n");
  REQUIRE(repeated.errors.size() == 1);
  CHECK(repeated.errors[0].text() ==
        "customers.csv:1: column 'name': appears twice in the header (columns 2 and 7)");

  auto missing = csv("id,name,tier,tags\nc1,Ann,A,\n");
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].text() == "customers.csv:1: no column for the required fields 'city_tier', 'arpu'");

  auto skipping = csv("id,name,agee,city_tier,tier,arpu,tags\n", LoadOptions{true, 20});
  CHECK_FALSE(skipping.ok);  // header problems fail the load even when skipping bad rows

  auto unnamed = csv("id,,name,city_tier,tier,arpu,tags\n");
  REQUIRE(unnamed.errors.size() == 1);
  CHECK(unnamed.errors[0].text() == "customers.csv:1: header column 2 has no name");
}

TEST_CASE("CSV optional columns may be absent; columns in any order", "[data]") {
  auto r = csv("tags,arpu,tier,city_tier,name,id\n,1.5,A,1,Ann,c1\n");
  REQUIRE(r.ok);
  REQUIRE(r.table.rows() == 1);
  CHECK(r.table.column(0).name == "id");  // columns follow the schema, not the file
  CHECK(r.table.id(0) == "c1");
  for (const char* name : {"nick", "age", "vip", "signed_up", "tenure"})
    CHECK_FALSE(col(r.table, name).isValid(0));
  CHECK(col(r.table, "arpu").isValid(0));
}

TEST_CASE("CSV empty cells", "[data]") {
  auto r = csv(std::string(kHeader) + ",,,,,,,,,,\n");
  std::vector<std::string> columns;
  for (const auto& e : r.errors) columns.push_back(e.column);
  // id and name are "" (the empty id is refused), required int, enum and float are errors.
  CHECK(columns == std::vector<std::string>{"city_tier", "tier", "arpu", "id"});
  CHECK(r.errors[0].message == "empty, but the field is required (an int)");
  CHECK(r.errors[3].message == "the customer id is empty");
  auto ok = csv(std::string(kHeader) + "c1,,,,1,A,0,,,,\n");
  REQUIRE(ok.ok);
  CHECK(str(ok.table, "name", 0) == "");
  CHECK(col(ok.table, "name").isValid(0));
  CHECK(setOf(ok.table, "tags", 0).empty());
}

TEST_CASE("CSV sets are sorted and deduplicated string ids", "[data]") {
  auto r = csv(std::string(kHeader) + row({{"id", "c1"}, {"tags", "b|a|b|c"}}) +
               row({{"id", "c2"}, {"tags", "c|a"}}) + row({{"id", "c3"}, {"tags", "a||b"}}));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].text() ==
        "customers.csv:4: column 'tags': \"a||b\" has an empty set item (sets are written a|b|c)");
  r = csv(std::string(kHeader) + row({{"id", "c1"}, {"tags", "b|a|b|c"}}) +
          row({{"id", "c2"}, {"tags", "c|a"}}));
  REQUIRE(r.ok);
  const Column& tags = col(r.table, "tags");
  REQUIRE(tags.setOffsets == std::vector<uint32_t>{0, 3, 5});
  for (size_t i = 0; i + 1 < 3; ++i) CHECK(tags.setItems[i] < tags.setItems[i + 1]);
  CHECK(tags.setItems[3] < tags.setItems[4]);
  CHECK(r.table.pool().get(tags.setItems[0]) == "b");  // sorted by id: "b" was interned first
  CHECK(r.table.pool().find("a") == tags.setItems[1]);
}

TEST_CASE("CSV cell types: ints, floats, bools, enums, durations", "[data]") {
  auto errorOf = [](const std::string& column, const std::string& value) {
    auto r = csv(std::string(kHeader) + row({{"id", "c1"}, {column, value}}));
    return r.errors.empty() ? std::string("ok") : r.errors[0].message;
  };
  CHECK(errorOf("age", "-12") == "ok");
  CHECK(errorOf("age", "9223372036854775807") == "ok");
  CHECK(errorOf("age", "-9223372036854775808") == "ok");
  CHECK(errorOf("age", "9223372036854775808") == "\"9223372036854775808\" is out of the int range (64-bit)");
  CHECK(errorOf("age", "1.0") == "\"1.0\" is not an int (an int has no fraction or exponent)");
  CHECK(errorOf("age", "1e3") == "\"1e3\" is not an int (an int has no fraction or exponent)");
  CHECK(errorOf("age", " 1") == "\" 1\" is not an int");
  CHECK(errorOf("age", "-") == "\"-\" is not an int");
  CHECK(errorOf("age", "+1") == "\"+1\" is not an int");
  CHECK(errorOf("age", "1_000") == "\"1_000\" is not an int");
  CHECK(errorOf("arpu", "1e3") == "ok");
  CHECK(errorOf("arpu", ".5") == "ok");
  CHECK(errorOf("arpu", "-2.") == "ok");
  CHECK(errorOf("arpu", "0x10") == "\"0x10\" is not a float");
  CHECK(errorOf("tags", "a|") == "\"a|\" has an empty set item (sets are written a|b|c)");
  CHECK(errorOf("arpu", "1e-400") == "ok");
  CHECK(errorOf("arpu", "1e400") == "\"1e400\" is out of the float range");
  CHECK(errorOf("arpu", "NaN") == "\"NaN\" is not a float: data holds no NaN or infinity");
  CHECK(errorOf("arpu", "inf") == "\"inf\" is not a float: data holds no NaN or infinity");
  CHECK(errorOf("arpu", "-infinity") == "\"-infinity\" is not a float: data holds no NaN or infinity");
  CHECK(errorOf("vip", "TRUE") == "\"TRUE\" is not a bool (true or false)");
  CHECK(errorOf("tier", "a") == "\"a\" is not one of \"A\", \"B\", \"C\"; did you mean 'A'?");
  CHECK(errorOf("tenure", "30m") == "ok");
  CHECK(errorOf("tenure", "-5") == "ok");
  CHECK(errorOf("tenure", "7x") ==
        "\"7x\" is not a duration (integer seconds, or a number with s, m, h, d or w like 7d)");
  CHECK(errorOf("tenure", "99999999999999999w") ==
        "\"99999999999999999w\" is out of the duration range (64-bit seconds)");
  CHECK(errorOf("signed_up", "2026-02-30") == "\"2026-02-30\" is not a timestamp: no such day");
  auto r = csv(std::string(kHeader) + row({{"id", "c1"}, {"tenure", "30m"}}));
  CHECK(col(r.table, "tenure").ints[0] == 1800);
}

TEST_CASE("Timestamps with and without offsets in Asia/Shanghai", "[data]") {
  auto r = csv(std::string(kHeader) + row({{"id", "c1"}, {"signed_up", "2026-03-01T09:00:00"}}) +
               row({{"id", "c2"}, {"signed_up", "2026-03-01T09:00:00Z"}}) +
               row({{"id", "c3"}, {"signed_up", "2026-03-01T09:00:00+02:00"}}) +
               row({{"id", "c4"}, {"signed_up", "2026-03-01 09:00"}}) +
               row({{"id", "c5"}, {"signed_up", "2026-03-01"}}));
  REQUIRE(r.ok);
  const Column& at = col(r.table, "signed_up");
  CHECK(formatInstantUtc(at.ints[0]) == "2026-03-01T01:00:00Z");
  CHECK(formatInstantUtc(at.ints[1]) == "2026-03-01T09:00:00Z");
  CHECK(formatInstantUtc(at.ints[2]) == "2026-03-01T07:00:00Z");
  CHECK(formatInstantUtc(at.ints[3]) == "2026-03-01T01:00:00Z");
  CHECK(formatInstantUtc(at.ints[4]) == "2026-02-28T16:00:00Z");
  auto j = jsonl(
      R"({"id":"c1","name":"A","city_tier":1,"tier":"A","arpu":1,"tags":[],"signed_up":"2026-03-01T09:00:00"}
{"id":"c2","name":"A","city_tier":1,"tier":"A","arpu":1,"tags":[],"signed_up":"2026-03-01T09:00:00-05:00"}
)");
  REQUIRE(j.ok);
  CHECK(formatInstantUtc(col(j.table, "signed_up").ints[0]) == "2026-03-01T01:00:00Z");
  CHECK(formatInstantUtc(col(j.table, "signed_up").ints[1]) == "2026-03-01T14:00:00Z");
}

TEST_CASE("Duplicate customer ids name both lines", "[data]") {
  auto r = csv(std::string(kHeader) + row({{"id", "c1"}}) + row({{"id", "c2"}}) + row({{"id", "c1"}}));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].text() == "customers.csv:4: column 'id': duplicate customer id \"c1\" (first on line 2)");
  r = csv(std::string(kHeader) + row({{"id", "c1"}}) + row({{"id", "c2"}}) + row({{"id", "c1"}}),
          LoadOptions{true, 20});
  CHECK(r.ok);
  CHECK(r.table.rows() == 2);
  CHECK(r.table.findRow("c2") == 1);
  auto j = jsonl(R"({"id":"x","name":"","city_tier":1,"tier":"A","arpu":1,"tags":[]}

{"id":"x","name":"","city_tier":1,"tier":"A","arpu":1,"tags":[]})");
  REQUIRE(j.errors.size() == 1);
  CHECK(j.errors[0].text() ==
        "customers.jsonl:3: column 'id': duplicate customer id \"x\" (first on line 1)");
}

TEST_CASE("Invalid UTF-8 is an error with its place", "[data]") {
  auto r = csv(std::string(kHeader) + row({{"id", "c1"}}) + row({{"id", "c2"}, {"name", "Bo\xFF"}}));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].text() ==
        "customers.csv:3: column 'name': invalid UTF-8 (byte 0xFF at byte 3 of the value)");
  // Overlong encodings and surrogates are invalid too.
  CHECK(csv(std::string(kHeader) + row({{"id", "c1"}, {"name", "\xC0\xAF"}})).errors.size() == 1);
  CHECK(csv(std::string(kHeader) + row({{"id", "c1"}, {"name", "\xED\xA0\x80"}})).errors.size() == 1);
  CHECK(csv(std::string(kHeader) + row({{"id", "c1"}, {"name", "退订 ok"}})).ok);
  auto header = csv("id,na\xFEme\n");
  CHECK_FALSE(header.ok);
  CHECK(header.errors[0].message.find("invalid UTF-8") != std::string::npos);
  auto j =
      jsonl("{\"id\":\"c1\",\"name\":\"\xE4\xB8\",\"city_tier\":1,\"tier\":\"A\",\"arpu\":1,\"tags\":[]}\n");
  REQUIRE(j.errors.size() == 1);
  CHECK(j.errors[0].line == 1);
  CHECK(j.errors[0].column == "name");
}

TEST_CASE("A 10 MB cell loads, and a 10 MB bad cell gives a short message", "[data]") {
  std::string big(10 * 1024 * 1024, 'x');
  auto r = csv(std::string(kHeader) + row({{"id", "c1"}, {"name", big}}));
  REQUIRE(r.ok);
  CHECK(r.table.pool().get(col(r.table, "name").strings[0]).size() == big.size());
  auto bad = csv(std::string(kHeader) + row({{"id", "c1"}, {"age", big}}));
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].text().size() < 200);
  CHECK(bad.errors[0].message.find("(10485760 bytes) is not an int") != std::string::npos);
  auto quoted = csv(std::string(kHeader) + row({{"id", "c1"}, {"name", "\"" + big + "\"\"\""}}));
  REQUIRE(quoted.ok);
  CHECK(str(quoted.table, "name", 0).size() == big.size() + 1);
  auto j =
      jsonl("{\"id\":\"c1\",\"name\":\"" + big + "\",\"city_tier\":1,\"tier\":\"A\",\"arpu\":1,\"tags\":[]}");
  REQUIRE(j.ok);
}

TEST_CASE("A row with the wrong number of cells", "[data]") {
  auto r = csv(std::string(kHeader) + "c1,Ann\n" + row({{"id", "c2"}}) + "c3" + std::string(20, ',') + "\n");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].text() == "customers.csv:2: the row has 2 cells; the header has 11 columns");
  CHECK(r.errors[1].line == 4);
}

TEST_CASE("Blank lines in CSV are skipped but counted", "[data]") {
  auto r =
      csv(std::string(kHeader) + "\n" + row({{"id", "c1"}}) + "\r\n\n" + row({{"id", "c2"}, {"age", "x"}}));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 6);
}

TEST_CASE("skipBadRows loads the good rows and reports each bad one", "[data]") {
  std::string text = std::string(kHeader);
  for (int i = 0; i < 200; ++i)
    text += row({{"id", "c" + std::to_string(i)},
                 {"age", i % 7 == 0   ? "bad"
                         : i % 3 == 0 ? ""
                                      : std::to_string(i)}});
  auto r = csv(text, LoadOptions{true, 1000});
  REQUIRE(r.ok);
  CHECK(r.errors.size() == 29);
  CHECK(r.moreErrors == 0);
  REQUIRE(r.table.rows() == 171);
  size_t row = 0;
  for (int i = 0; i < 200; ++i) {
    if (i % 7 == 0) {
      CHECK(r.table.findRow("c" + std::to_string(i)) == -1);
      continue;
    }
    REQUIRE(r.table.id(row) == "c" + std::to_string(i));
    const Column& age = col(r.table, "age");
    CHECK(age.isValid(row) == (i % 3 != 0));
    if (i % 3 != 0) CHECK(age.ints[row] == i);
    CHECK(r.table.findRow("c" + std::to_string(i)) == static_cast<int64_t>(row));
    ++row;
  }
  const Column& age = col(r.table, "age");
  CHECK(age.ints.size() == 171);
  CHECK(age.valid.size() == 3);
}

TEST_CASE("Errors beyond maxErrors are counted, not listed", "[data]") {
  std::string text = std::string(kHeader);
  for (int i = 0; i < 25; ++i) text += row({{"id", "c" + std::to_string(i)}, {"age", "x"}});
  auto r = csv(text);
  CHECK_FALSE(r.ok);
  REQUIRE(r.errors.size() == 21);
  CHECK(r.moreErrors == 5);
  CHECK(r.errors[19].line == 21);
  CHECK(r.errors[20].text() == "customers.csv: 5 more errors not listed");
  auto skipped = csv(text, LoadOptions{true, 3});
  CHECK(skipped.ok);
  CHECK(skipped.table.rows() == 0);
  CHECK(skipped.errors.size() == 4);
}

TEST_CASE("JSON Lines loads every type", "[data]") {
  auto r = jsonl(
      R"({"id":"c1","name":"Ann \"A\" \u4e2d\ud83d\ude00","nick":null,"age":34,"city_tier":2,"tier":"B","arpu":12,"vip":true,"tags":["b","a","b"],"signed_up":"2026-03-01T09:00:00","tenure":86400}
   {  "tags" : [ ] , "arpu" : -1.5e2, "tier":"C", "city_tier":1, "name":"", "id":"c2" }  )");
  INFO(texts(r).size());
  REQUIRE(r.ok);
  REQUIRE(r.table.rows() == 2);
  CHECK(str(r.table, "name", 0) == "Ann \"A\" \xE4\xB8\xAD\xF0\x9F\x98\x80");
  CHECK_FALSE(col(r.table, "nick").isValid(0));
  CHECK(col(r.table, "age").ints[0] == 34);
  CHECK_FALSE(col(r.table, "age").isValid(1));
  CHECK(col(r.table, "arpu").floats[0] == 12.0);
  CHECK(col(r.table, "arpu").floats[1] == -150.0);
  CHECK(col(r.table, "vip").ints[0] == 1);
  CHECK(setOf(r.table, "tags", 0).size() == 2);
  CHECK(setOf(r.table, "tags", 1).empty());
  CHECK(col(r.table, "tenure").ints[0] == 86400);
  CHECK(str(r.table, "name", 1) == "");  // "" is the empty string, even for an optional field
}

TEST_CASE("JSON Lines: null, absent keys and numbers that are not ints", "[data]") {
  const char* base = R"("name":"A","city_tier":1,"tier":"A","arpu":1,"tags":[])";
  auto line = [&](const std::string& extra) { return "{\"id\":\"c1\"," + std::string(base) + extra + "}\n"; };
  auto errorOf = [&](const std::string& extra) {
    auto r = jsonl(line(extra));
    return r.errors.empty() ? std::string("ok") : r.errors[0].text();
  };
  CHECK(errorOf(",\"age\":null") == "ok");
  CHECK(errorOf(",\"age\":1.0") ==
        "customers.jsonl:1: column 'age': 1.0 is not an int (an int has no fraction or exponent)");
  CHECK(errorOf(",\"age\":1e3") ==
        "customers.jsonl:1: column 'age': 1e3 is not an int (an int has no fraction or exponent)");
  CHECK(errorOf(",\"age\":\"42\"") ==
        "customers.jsonl:1: column 'age': \"42\" is not an int (write numbers without quotes)");
  CHECK(errorOf(",\"age\":99999999999999999999") ==
        "customers.jsonl:1: column 'age': 99999999999999999999 is out of the int range (64-bit)");
  CHECK(errorOf(",\"vip\":1") == "customers.jsonl:1: column 'vip': 1 is not a bool");
  CHECK(
      errorOf(",\"tenure\":\"7d\"") ==
      "customers.jsonl:1: column 'tenure': \"7d\" is not a duration (write integer seconds without quotes)");
  CHECK(errorOf(",\"tenure\":1.5") ==
        "customers.jsonl:1: column 'tenure': 1.5 is not a duration (write integer seconds)");
  CHECK(errorOf(",\"nick\":{\"a\":[1,{}]}") == "customers.jsonl:1: column 'nick': an object is not a string");
  CHECK(errorOf(",\"agee\":3") ==
        "customers.jsonl:1: column 'agee': not a field of the customer schema; did you mean 'age'?");
  CHECK(errorOf(",\"age\":3,\"age\":4") ==
        "customers.jsonl:1: column 'age': the key appears twice in the object");

  auto absent = jsonl(R"({"id":"c1","name":"A","tier":"A","arpu":1})");
  REQUIRE(absent.errors.size() == 2);
  CHECK(absent.errors[0].text() ==
        "customers.jsonl:1: column 'city_tier': absent, but the field is required (an int)");
  CHECK(absent.errors[1].text() ==
        "customers.jsonl:1: column 'tags': absent, but the field is required (a set<string>)");
  auto nullRequired = jsonl(R"({"id":"c1","name":null,"city_tier":1,"tier":"a","arpu":1,"tags":["x",2]})");
  REQUIRE(nullRequired.errors.size() == 3);
  CHECK(nullRequired.errors[0].message == "null, but the field is required (a string)");
  CHECK(nullRequired.errors[1].message == "\"a\" is not one of \"A\", \"B\", \"C\"; did you mean 'A'?");
  CHECK(nullRequired.errors[2].message ==
        "a set<string> is an array of strings; this array holds other values");
  auto huge = jsonl(R"({"id":"c1","name":"A","city_tier":1,"tier":"A","arpu":1e999,"tags":[]})");
  REQUIRE(huge.errors.size() == 1);
  CHECK(huge.errors[0].message == "1e999 is out of the float range");
}

TEST_CASE("JSON Lines string escapes", "[data]") {
  auto nameOf = [](const std::string& json) {
    auto r = jsonl(R"({"id":"c1","city_tier":1,"tier":"A","arpu":1,"tags":[],"name":)" + json + "}");
    return r.ok ? str(r.table, "name", 0) : "error: " + r.errors.at(0).message;
  };
  CHECK(nameOf(R"("a\nb\t\/\\\"\b\f\r")") == "a\nb\t/\\\"\b\f\r");
  CHECK(nameOf(R"("\u00e9\u4E2D")") == "\xC3\xA9\xE4\xB8\xAD");
  CHECK(nameOf(R"("\x")") ==
        "error: not a JSON object: an unknown escape in a string (at character 64 of the line)");
  CHECK(nameOf(R"("\ud83d")").find("half of a surrogate pair") != std::string::npos);
  CHECK(nameOf(R"("\udc00x")").find("half of a surrogate pair") != std::string::npos);
  CHECK(nameOf(R"("\u12")").find("four hex digits") != std::string::npos);
  CHECK(nameOf("\"tab\there\"").find("control character") != std::string::npos);
  CHECK(nameOf(R"("open)").find("not closed") != std::string::npos);
}

TEST_CASE("JSON Lines: lines that are not objects; blank lines", "[data]") {
  std::string good = R"({"id":"c1","name":"A","city_tier":1,"tier":"A","arpu":1,"tags":[]})";
  auto r = jsonl(good + "\n  \t\r\n[1,2]\n" + R"({"id":"c2","name":"A"} x)" + "\n{\"id\":\"c3\",\n\"oops\n" +
                 "\r\n");
  auto t = texts(r);
  REQUIRE(r.errors.size() == 4);
  CHECK(
      t[0] ==
      "customers.jsonl:3: not a JSON object: the line does not start with '{' (at character 1 of the line)");
  CHECK(t[1] ==
        "customers.jsonl:4: not a JSON object: text after the object's closing '}' (at character 24 of the "
        "line)");
  CHECK(
      t[2] ==
      "customers.jsonl:5: not a JSON object: expected a key in double quotes (at character 12 of the line)");
  CHECK(r.errors[3].line == 6);
  auto skipped = jsonl(good + "\n  \t\r\n[1,2]\n", LoadOptions{true, 20});
  CHECK(skipped.ok);
  CHECK(skipped.table.rows() == 1);
  auto empty = jsonl("");
  CHECK(empty.ok);
  CHECK(empty.table.rows() == 0);
  auto bom = jsonl("\xEF\xBB\xBF" + good + "\r\n");
  CHECK(bom.ok);
  CHECK(bom.table.rows() == 1);
}

TEST_CASE("Binary garbage never crashes a loader", "[data]") {
  uint64_t state = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string text = round % 2 ? std::string(kHeader) : "";
    size_t size = 1 + round * 37 % 4000;
    for (size_t i = 0; i < size; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      uint8_t byte = static_cast<uint8_t>(state >> 56);
      static const char kSpecial[] = ",\"\n\r{}[]:|\\ 0123456789.e-";
      text +=
          (state >> 20) % 3 == 0 ? kSpecial[(state >> 8) % (sizeof kSpecial - 1)] : static_cast<char>(byte);
    }
    auto c = csv(text);
    auto j = jsonl(text);
    auto s = csv(text, LoadOptions{true, 5});
    CHECK((c.ok || !c.errors.empty()));
    CHECK((j.ok || !j.errors.empty()));
    CHECK(s.errors.size() <= 6);
  }
  auto deep = jsonl("{\"nick\":" + std::string(100000, '[') + "\n");
  CHECK_FALSE(deep.ok);
}

TEST_CASE("Mutated valid files never crash a loader", "[data]") {
  std::string validCsv =
      std::string(kHeader) +
      "c1,\"Li, \"\"W\"\"\",x,34,2,B,12.5,true,5g|prepaid,2026-03-01T09:00:00+08:00,7d\r\n" +
      row({{"id", "c2"}, {"tags", "a|b"}}) + row({{"id", "c3"}, {"nick", "\"two\nlines\""}});
  std::string validJson =
      R"({"id":"c1","name":"A\u00e9\n","nick":null,"age":3,"city_tier":1,"tier":"A","arpu":1.5e1,"vip":false,"tags":["x","y"],"signed_up":"2026-03-01","tenure":60})"
      "\n"
      R"({"id":"c2","name":"B","city_tier":2,"tier":"C","arpu":-1,"tags":[]})";
  REQUIRE(csv(validCsv).ok);
  REQUIRE(jsonl(validJson).ok);
  static const char kBytes[] = ",\"\n\r{}[]:|\\u0-.eE\xEF\xBB\xBF\xFF\x80 ";
  uint64_t state = 99;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  for (int round = 0; round < 1500; ++round) {
    std::string text = round % 2 ? validCsv : validJson;
    for (int m = 0, count = 1 + static_cast<int>(next() % 4); m < count && !text.empty(); ++m) {
      size_t at = next() % text.size();
      char byte = next() % 2 ? kBytes[next() % (sizeof kBytes - 1)] : static_cast<char>(next());
      switch (next() % 3) {
        case 0: text[at] = byte; break;
        case 1: text.insert(at, 1, byte); break;
        default: text.erase(at, 1 + next() % 8);
      }
    }
    for (bool json : {false, true}) {
      auto r = loadCustomersFromText("m", text, json, pack().schema(), pack().zone,
                                     LoadOptions{round % 3 == 0, 20});
      CHECK((r.ok || !r.errors.empty()));
      if (r.ok)
        for (size_t i = 0; i < r.table.rows(); ++i)
          CHECK(r.table.findRow(r.table.id(i)) == static_cast<int64_t>(i));
    }
  }
}

TEST_CASE("loadCustomers reads files and reports I/O errors", "[data]") {
  auto dir = std::filesystem::temp_directory_path() / ("herald_customer_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string csvPath = (dir / "customers.csv").string();
  std::string jsonPath = (dir / "customers.ndjson").string();
  std::ofstream(csvPath) << kHeader << row({{"id", "c1"}, {"age", "x"}});
  std::ofstream(jsonPath) << R"({"id":"c1","name":"A","city_tier":1,"tier":"A","arpu":1,"tags":[]})"
                          << "\n";
  auto r = loadCustomers(csvPath, pack().schema(), pack().zone);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.ioError);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].text() == csvPath + ":2: column 'age': \"x\" is not an int");
  auto j = loadCustomers(jsonPath, pack().schema(), pack().zone);
  CHECK(j.ok);
  CHECK(j.table.rows() == 1);
  auto missing = loadCustomers((dir / "nope.csv").string(), pack().schema(), pack().zone);
  CHECK(missing.ioError);
  CHECK_FALSE(missing.ok);
  REQUIRE(missing.errors.size() == 1);
  CHECK(missing.errors[0].text() == (dir / "nope.csv").string() + ": No such file or directory");
  std::filesystem::create_directories(dir / "folder.csv");
  auto folder = loadCustomers((dir / "folder.csv").string(), pack().schema(), pack().zone);
  CHECK(folder.ioError);
  auto wrongType = loadCustomers((dir / "customers.txt").string(), pack().schema(), pack().zone);
  CHECK(wrongType.ioError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("looking up many customer ids at once finds what one by one finds", "[data]") {
  // More rows and look-ups than a batch holds, ids that are other columns' values (not ids), and
  // ids that are nowhere: the batched look-up must agree with findRow on every one.
  std::string text = kHeader;
  for (int i = 0; i < 3000; ++i)
    text += fmt::format("c{},Name{},,{},1,B,1.5,true,,2026-03-01,7d\n", i, i % 50, 20 + i % 60);
  auto r = csv(text);
  REQUIRE(r.ok);
  std::vector<std::string> ids;
  for (int i = 0; i < 7000; i += 3) ids.push_back("c" + std::to_string(i));  // past 2999: absent
  ids.push_back("Name7");
  ids.push_back("");
  std::vector<std::string_view> views(ids.begin(), ids.end());
  std::vector<int64_t> rows(views.size(), -7);
  r.table.findRows(views, rows.data());
  size_t found = 0;
  for (size_t k = 0; k < views.size(); ++k) {
    INFO(ids[k]);
    CHECK(rows[k] == r.table.findRow(views[k]));
    found += rows[k] >= 0;
  }
  CHECK(found == 1000);
  CHECK(rows[1] == 3);
}
