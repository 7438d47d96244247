// Differential test: the reference interpreter defines the meaning of every expression; the JIT
// (per-customer functions and batch kernels) and the columnar interpreter must give exactly the
// same values, unknowns and errors. Random customer tables full of edge values are loaded from
// CSV by the runtime loader, random well-typed expressions are compiled into one JitPack (as the
// product does), and every expression is compared on every row. HERALD_DIFF_SEED picks other seeds.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "compiler/driver/compilation.hpp"
#include "compiler/interp/batch.hpp"
#include "compiler/ir/lower.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/data/table_row.hpp"

using namespace herald;

namespace {

// Every field type, required and optional; two enums share members (tier, tier2), one does not.
const char* kPack = R"(pack diff
timezone "America/New_York"
customer {
  id: string
  name: string
  nick: string?
  n: int
  m: int?
  x: float
  y: float?
  ok: bool
  flag: bool?
  ts: timestamp
  seen: timestamp?
  wait: duration
  gap: duration?
  tier: enum("A","B","C")
  tier2: enum("A","B","C")?
  stage: enum("lead","customer","churned")?
  tags: set<string>
  extra: set<string>?
}
)";

const char* kHeader = "id,name,nick,n,m,x,y,ok,flag,ts,seen,wait,gap,tier,tier2,stage,tags,extra";

// The one list in_list sees as holding every customer (JitBinding takes no per-customer lists).
bool onList(std::string_view name) { return name == "staff"; }

TimeZone newYork() {
  TimeZone zone;
  REQUIRE(TimeZone::parse("America/New_York", zone));
  return zone;
}

int64_t instant(const char* text, const TimeZone& zone) {
  int64_t at = 0;
  std::string error;
  REQUIRE(parseTimestamp(text, zone, at, error));
  return at;
}

uint64_t baseSeed(uint64_t fallback) {
  const char* env = std::getenv("HERALD_DIFF_SEED");
  return env && *env ? std::strtoull(env, nullptr, 10) : fallback;
}

// ------------------------------------------------------------------------------------ values

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string realText(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

/// A value as the reports and the fixed expectations write it.
std::string render(const Value& v) {
  if (v.failed()) return "error: " + v.text;
  if (v.unknown()) return "unknown";
  switch (v.kind) {
    case TypeKind::Bool: return v.boolean ? "true" : "false";
    case TypeKind::Int: return std::to_string(v.integer);
    case TypeKind::Timestamp: return "ts " + std::to_string(v.integer);
    case TypeKind::Duration: return "dur " + std::to_string(v.integer);
    case TypeKind::Float: return "f " + realText(v.real);
    case TypeKind::String: return quoted(v.text);
    case TypeKind::Enum: return "enum " + v.text;
    case TypeKind::Set: {
      std::string out = "{";
      for (const std::string& s : v.set) out += (out.size() > 1 ? "," : "") + quoted(s);
      return out + "}";
    }
    default: return "kind " + std::to_string(int(v.kind)) + " int " + std::to_string(v.integer);
  }
}

bool sameValue(const Value& a, const Value& b) {
  if (a.state != b.state) return false;
  if (a.failed()) return a.text == b.text;
  if (a.unknown()) return true;
  // An enum value in a string-typed expression (`stage ?? "lead"`) is its text: the interpreter
  // keeps the enum kind, the JIT makes a string; users see the same text.
  auto text = [](TypeKind k) { return k == TypeKind::String || k == TypeKind::Enum; };
  if (text(a.kind) && text(b.kind)) return a.text == b.text;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case TypeKind::Bool: return a.boolean == b.boolean;
    case TypeKind::Float: {
      if (std::isnan(a.real) || std::isnan(b.real)) return std::isnan(a.real) && std::isnan(b.real);
      uint64_t x, y;
      std::memcpy(&x, &a.real, 8);
      std::memcpy(&y, &b.real, 8);
      return x == y;  // bitwise: -0.0 is not 0.0
    }
    case TypeKind::String:
    case TypeKind::Enum: return a.text == b.text;
    case TypeKind::Set: {
      std::vector<std::string> x = a.set, y = b.set;
      std::sort(x.begin(), x.end());
      std::sort(y.begin(), y.end());
      return x == y;
    }
    default: return a.integer == b.integer;
  }
}

int stateOf(const Value& v) { return v.failed() ? 3 : v.unknown() ? 2 : v.boolean ? 1 : 0; }
const char* stateName(int s) {
  static const char* names[] = {"false", "true", "unknown", "error"};
  return s >= 0 && s <= 3 ? names[s] : "bad state";
}

// ------------------------------------------------------------------------------------ data

/// A CSV cell, quoted when it must be (commas, quotes, or spaces the reader must keep anyway).
std::string csvCell(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

class RowGen {
 public:
  explicit RowGen(uint64_t seed) : rng_(seed) {}

  /// One CSV record (without the newline) for customer number `r`.
  std::string row(size_t r) {
    std::vector<std::string> cells;
    cells.push_back(r % 7 == 3 ? "客户" + std::to_string(r) : "c" + std::to_string(r));
    cells.push_back(text());
    cells.push_back(missing() ? "" : nonEmptyText());
    cells.push_back(integer());
    cells.push_back(missing() ? "" : integer());
    cells.push_back(real());
    cells.push_back(missing() ? "" : real());
    cells.push_back(below(2) ? "true" : "false");
    cells.push_back(missing() ? "" : below(2) ? "true" : "false");
    cells.push_back(timestamp());
    cells.push_back(missing() ? "" : timestamp());
    cells.push_back(duration());
    cells.push_back(missing() ? "" : duration());
    cells.push_back(pick({"A", "B", "C"}));
    cells.push_back(missing() ? "" : pick({"A", "B", "C"}));
    cells.push_back(missing() ? "" : pick({"lead", "customer", "churned"}));
    cells.push_back(set());
    cells.push_back(missing() ? "" : set());
    std::string line;
    for (size_t k = 0; k < cells.size(); ++k) line += (k ? "," : "") + csvCell(cells[k]);
    return line;
  }

 private:
  size_t below(size_t n) { return rng_() % n; }
  bool missing() { return below(10) < 3; }
  std::string pick(std::initializer_list<const char*> xs) { return *(xs.begin() + below(xs.size())); }

  std::string nonEmptyText() {
    std::string s;
    do s = text();
    while (s.empty());
    return s;
  }
  std::string text() {
    // Edge strings: empty, case pairs, Unicode (é, ß, 退订, emoji, Σ), spaces and separators.
    return pick({"", "Ann", "ann", "ANN", "é", "É", "straße", "ß", "退订", "😀", " padded ", "\u3000full\u3000",
                 "\tTab", "ΣΑΣ", "a,b", "say \"hi\"", "A", "B", "lead", "5g", "vip", "staff", "x y", "İ", "ǅ",
                 "c1", "123", "yes", "Y", "td"});
  }
  std::string integer() {
    switch (below(4)) {
      case 0: return std::to_string(static_cast<int64_t>(rng_()));
      case 1: return std::to_string(static_cast<int64_t>(below(2001)) - 1000);
      default:
        return pick({"9223372036854775807", "-9223372036854775808", "0", "-1", "1", "2", "-7", "7", "3",
                     "4611686018427387904", "3037000499", "-3037000500", "9007199254740993", "18", "30", "100"});
    }
  }
  std::string real() {
    std::uniform_real_distribution<double> small(-10.0, 10.0);
    switch (below(4)) {
      case 0: return realText(small(rng_));
      case 1: {
        double d;
        uint64_t bits = rng_();
        std::memcpy(&d, &bits, 8);
        return std::isfinite(d) ? realText(d) : "1.5";
      }
      default:
        return pick({"0.0", "-0.0", "5e-324", "2.2250738585072014e-308", "1e308", "-1.7976931348623157e308",
                     "0.5", "-0.5", "2.5", "-2.5", "1.5", "1e-300", "1e-400", "9007199254740993.0", "100.25", "3",
                     "0.1", "-7"});
    }
  }
  std::string timestamp() {
    if (below(4) == 0) {  // any second of 2020..2030, New York time
      int64_t at = 1577836800 + static_cast<int64_t>(below(315569260));
      return isoUtc(at);
    }
    // DST changes in New York (gap at 02:00 on 8 March 2026, repeat at 01:00 on 1 November 2026),
    // far past and future, offsets, fractional seconds, and instants next to `now`.
    return pick({"2026-03-08T01:59:59", "2026-03-08T02:00:00", "2026-03-08T02:30:00", "2026-03-08T03:00:00",
                 "2026-03-08T03:30:00", "2026-03-08T03:30:01", "2026-03-07T03:30:00", "2026-03-08T06:59:59Z",
                 "2026-03-08T07:00:00Z", "2026-11-01T00:59:59", "2026-11-01T01:00:00", "2026-11-01T01:30:00",
                 "2026-11-01T02:00:00", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-10-31T01:30:00",
                 "0001-01-01T00:00:00", "1900-01-01", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
                 "9999-12-31T23:59:59", "2026-03-08T03:30:00+05:45", "2038-01-19T03:14:08Z",
                 "2000-02-29T12:00:00.999", "2026-03-08 12:00", "2025-12-31T23:59:59-14:00"});
  }
  static std::string isoUtc(int64_t at) {
    int64_t days = at / 86400, secs = at % 86400;
    // civil from days (Howard Hinnant's algorithm)
    days += 719468;
    int64_t era = days / 146097, doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, mo = mp < 10 ? mp + 3 : mp - 9;
    y += mo <= 2;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", int(y), int(mo), int(d), int(secs / 3600),
                  int(secs / 60 % 60), int(secs % 60));
    return buf;
  }
  std::string duration() {
    if (below(3) == 0) return std::to_string(static_cast<int64_t>(below(2000001)) - 1000000);
    return pick({"0", "1s", "-1s", "90d", "1h", "2w", "45m", "-3600", "86399", "9223372036854775807",
                 "-9223372036854775808", "106751991167300d", "-1d", "30d"});
  }
  std::string set() {
    static const char* items[] = {"5g", "vip", "family", "退订", "é", " sp ", "A", "Ann", "lead", "staff", "😀"};
    std::string out;
    size_t count = below(4);
    for (size_t k = 0; k < count; ++k) out += (k ? "|" : "") + std::string(items[below(std::size(items))]);
    return out;  // empty: the empty set (missing when optional); repeats are allowed
  }

  std::mt19937_64 rng_;
};

// ------------------------------------------------------------------------------------ expressions

/// Random well-typed expression text, one generator per result type. Every compound is
/// parenthesized, so precedence never changes what was meant.
class ExprGen {
 public:
  ExprGen(uint64_t seed, int depth) : rng_(seed), depth_(depth) {}

  std::string any() {
    int d = depth_;
    switch (below(12)) {
      case 0:
      case 1:
      case 2:
      case 3: return boolean(d);
      case 4: return integer(d);
      case 5: return real(d);
      case 6: return text(d);
      case 7: return instant(d);
      case 8: return span(d);
      case 9: return member(d, 0);
      case 10: return member(d, 1);
      default: return set(d);
    }
  }

 private:
  size_t below(size_t n) { return rng_() % n; }
  bool leaf(int d) { return d <= 0 || below(4) == 0; }
  std::string pick(std::initializer_list<const char*> xs) { return *(xs.begin() + below(xs.size())); }
  static std::string p(const std::string& s) { return "(" + s + ")"; }
  std::string bin(const std::string& a, const char* op, const std::string& b) { return p(a + " " + op + " " + b); }
  std::string ite(int d, const std::string& a, const std::string& b) {
    return p("if " + boolean(d - 1) + " then " + a + " else " + b);
  }
  std::string cmp() { return pick({"==", "!=", "<", "<=", ">", ">="}); }
  std::string args(int d, int min, int max, std::string (ExprGen::*gen)(int)) {
    int count = min + static_cast<int>(below(max - min + 1));
    std::string out;
    for (int k = 0; k < count; ++k) out += (k ? ", " : "") + (this->*gen)(d - 1);
    return out;
  }

  std::string number(int d) { return below(2) ? integer(d) : real(d); }

  std::string boolean(int d) {
    if (leaf(d)) return pick({"ok", "flag", "true", "false", "has(m)", "has(nick)", "has(stage)", "has(extra)"});
    switch (below(22)) {
      case 0:
      case 1: return bin(number(d - 1), cmp().c_str(), number(d - 1));
      case 2: return bin(text(d - 1), cmp().c_str(), text(d - 1));
      case 3: return bin(instant(d - 1), cmp().c_str(), instant(d - 1));
      case 4: return bin(span(d - 1), cmp().c_str(), span(d - 1));
      case 5: return bin(boolean(d - 1), pick({"==", "!="}).c_str(), boolean(d - 1));
      case 6: {  // enums with a member, an enum of the same members, or text
        int family = static_cast<int>(below(2));
        std::string a = member(d - 1, family), b = below(3) == 0 ? text(d - 1) : member(d - 1, family);
        if (below(2)) std::swap(a, b);
        return bin(a, pick({"==", "!="}).c_str(), b);
      }
      case 7:
      case 8: return bin(boolean(d - 1), "and", boolean(d - 1));
      case 9:
      case 10: return bin(boolean(d - 1), "or", boolean(d - 1));
      case 11: return p("not " + boolean(d - 1));
      case 12: {
        switch (below(4)) {
          case 0: return p(number(d - 1) + " between " + number(d - 1) + " and " + number(d - 1));
          case 1: return p(text(d - 1) + " between " + text(d - 1) + " and " + text(d - 1));
          case 2: return p(instant(d - 1) + " between " + instant(d - 1) + " and " + instant(d - 1));
          default: return p(span(d - 1) + " between " + span(d - 1) + " and " + span(d - 1));
        }
      }
      case 13: {
        std::string op = below(2) ? " in [" : " not in [";
        switch (below(6)) {
          case 0: return p(number(d - 1) + op + args(d, 0, 4, &ExprGen::number) + "]");
          case 1: return p(text(d - 1) + op + args(d, 0, 4, &ExprGen::text) + "]");
          case 2: return p(instant(d - 1) + op + args(d, 0, 3, &ExprGen::instant) + "]");
          case 3: return p(span(d - 1) + op + args(d, 0, 3, &ExprGen::span) + "]");
          case 4: return p(boolean(d - 1) + op + args(d, 0, 2, &ExprGen::boolean) + "]");
          default: {
            int family = static_cast<int>(below(2));
            std::string items;
            int count = static_cast<int>(below(4));
            for (int k = 0; k < count; ++k) items += (k ? ", " : "") + memberLiteral(family);
            return p(member(d - 1, family) + op + items + "]");
          }
        }
      }
      case 14: {
        std::string x = below(4) == 0 ? member(d - 1, static_cast<int>(below(2))) : text(d - 1);
        return p(x + (below(2) ? " in " : " not in ") + set(d - 1));
      }
      case 15: {
        std::string x = below(6) == 0 ? member(d - 1, 0) : text(d - 1);
        return p(x + " matches " +
                 pick({"r\"^A\"", "r\"(?i)ann\"", "r\"\\s\"", "\"退订\"", "r\"^$\"", "r\"[0-9]\"", "r\"\\p{Greek}\"",
                       "r\"^.$\"", "r\"(?i)^\\s*(y|yes|是)\\s*$\"", "r\"é|ß\"", "r\"\\bvip\\b\"", "\"\""}));
      }
      case 16: {
        std::string x = below(6) == 0 ? member(d - 1, static_cast<int>(below(2))) : text(d - 1);
        return p(x + pick({" contains ", " starts_with ", " ends_with "}) + text(d - 1));
      }
      case 17: return "in_list(" + text(d - 1) + ")";
      case 18: return bin(boolean(d - 1), "??", boolean(d - 1));
      case 19: return ite(d, boolean(d - 1), boolean(d - 1));
      case 20: return "has(" + pick({"nick", "m", "y", "flag", "seen", "gap", "tier2", "stage", "extra"}) + ")";
      default: return bin(integer(d - 1), cmp().c_str(), integer(d - 1));
    }
  }

  std::string integer(int d) {
    if (leaf(d)) {
      if (below(2)) return pick({"n", "m"});
      return pick({"0", "1", "(-1)", "2", "3", "7", "(-7)", "18", "1_000_000", "9223372036854775807",
                   "(-9223372036854775808)", "4611686018427387904", "3037000500", "9007199254740993"});
    }
    switch (below(22)) {
      case 0:
      case 1: return bin(integer(d - 1), "+", integer(d - 1));
      case 2:
      case 3: return bin(integer(d - 1), "-", integer(d - 1));
      case 4: return bin(integer(d - 1), "*", integer(d - 1));
      case 5: return bin(integer(d - 1), "%", integer(d - 1));
      case 6: return p("-" + integer(d - 1));
      case 7: return "abs(" + integer(d - 1) + ")";
      case 8: return pick({"min(", "max("}) + args(d, 2, 4, &ExprGen::integer) + ")";
      case 9: return "clamp(" + args(d, 3, 3, &ExprGen::integer) + ")";
      case 10: return pick({"round(", "floor(", "ceil("}) + integer(d - 1) + ")";
      case 11: return "len(" + text(d - 1) + ")";
      case 12: return "len(" + (below(2) ? set(d - 1) : member(d - 1, static_cast<int>(below(2)))) + ")";
      case 13: return pick({"days_since(", "hours_since("}) + instant(d - 1) + ")";
      case 14: return pick({"hour(", "weekday(", "month(", "year("}) + instant(d - 1) + ")";
      case 15: {
        std::string n = below(3) ? pick({"1", "2", "10", "10000"}) : integer(d - 1);  // n < 1 is an error
        return "bucket(" + text(d - 1) + ", " + n + ")";
      }
      case 16:
      case 17: return bin(integer(d - 1), "??", integer(d - 1));
      case 18: return ite(d, integer(d - 1), integer(d - 1));
      case 19: return bin("m", "%", pick({"0", "(-1)", "3", "n"}));
      default: return pick({"n", "m"});
    }
  }

  std::string real(int d) {
    if (leaf(d)) {
      if (below(2)) return pick({"x", "y"});
      return pick({"0.0", "(-0.0)", "0.5", "2.5", "(-2.5)", "1.5", "1e308", "1.7976931348623157e308", "5e-324",
                   "2.2250738585072014e-308", "1e-300", "100.25", "12.5%", "3.0", "0.1"});
    }
    switch (below(20)) {
      case 0: return bin(real(d - 1), pick({"+", "-"}).c_str(), number(d - 1));
      case 1: return bin(number(d - 1), pick({"+", "-"}).c_str(), real(d - 1));
      case 2: return bin(real(d - 1), "*", number(d - 1));
      case 3:
      case 4: return bin(number(d - 1), "/", number(d - 1));
      case 5: return bin(span(d - 1), "/", span(d - 1));
      case 6: return p("-" + real(d - 1));
      case 7: return "abs(" + real(d - 1) + ")";
      case 8: return pick({"min(", "max("}) + real(d - 1) + ", " + args(d, 1, 3, &ExprGen::number) + ")";
      case 9: return "clamp(" + real(d - 1) + ", " + number(d - 1) + ", " + number(d - 1) + ")";
      case 10: return pick({"round(", "floor(", "ceil("}) + real(d - 1) + ")";
      case 11:
      case 12: return pick({"sqrt(", "log(", "exp(", "sigmoid("}) + number(d - 1) + ")";
      case 13: return bin(real(d - 1), "??", number(d - 1));
      case 14: return bin("y", "??", number(d - 1));
      case 15: return ite(d, real(d - 1), number(d - 1));
      case 16: return bin(integer(d - 1), "/", integer(d - 1));  // `/` always gives a float
      default: return pick({"x", "y"});
    }
  }

  std::string textLiteral() {
    return pick({"\"\"", "\"Ann\"", "\"ann\"", "\"é\"", "\"É\"", "\"ß\"", "\"straße\"", "\"退订\"", "\"\\u{1F600}\"",
                 "\"a\\\"b\"", "\"\\tTab\"", "\" padded \"", "\"ΣΑΣ\"", "\"vip\"", "\"5g\"", "\"staff\"", "\"A\"",
                 "\"lead\"", "r\"raw\\d\"", "\"a,b\"", "\"\\u{3000}full\\u{3000}\""});
  }

  std::string text(int d) {
    if (leaf(d)) return below(2) ? pick({"name", "nick", "id"}) : textLiteral();
    switch (below(8)) {
      case 0: return pick({"lower(", "upper(", "trim("}) + text(d - 1) + ")";
      case 1:
      case 2: return bin(text(d - 1), "??", text(d - 1));
      case 3: return bin("nick", "??", text(d - 1));
      case 4:
      case 5: return ite(d, text(d - 1), text(d - 1));
      default: return pick({"name", "nick", "id"});
    }
  }

  std::string instant(int d) {
    if (leaf(d)) {
      if (below(2)) return pick({"ts", "seen", "now"});
      return pick({"2026-03-08T02:30", "2026-03-08T01:59:59", "2026-03-08T03:00", "2026-11-01T01:30",
                   "2026-11-01T00:59:59", "2026-11-01", "2026-03-08", "1970-01-01", "0001-01-01",
                   "9999-12-31T23:59:59", "2000-02-29T12:00"});
    }
    switch (below(12)) {
      case 0:
      case 1: return bin(instant(d - 1), "+", span(d - 1));
      case 2: return bin(span(d - 1), "+", instant(d - 1));
      case 3:
      case 4: return bin(instant(d - 1), "-", span(d - 1));
      case 5: return "date(" + instant(d - 1) + ")";
      case 6: return pick({"min(", "max("}) + args(d, 2, 3, &ExprGen::instant) + ")";
      case 7: return "clamp(" + args(d, 3, 3, &ExprGen::instant) + ")";
      case 8:
      case 9: return bin(instant(d - 1), "??", instant(d - 1));
      case 10: return ite(d, instant(d - 1), instant(d - 1));
      default: return pick({"ts", "seen"});
    }
  }

  std::string span(int d) {
    if (leaf(d)) {
      if (below(2)) return pick({"wait", "gap"});
      return pick({"0s", "1s", "45s", "30m", "1h", "12h", "1d", "7d", "90d", "2w", "9223372036854775807s",
                   "106751991167300d", "(-1d)"});
    }
    switch (below(14)) {
      case 0:
      case 1: return bin(instant(d - 1), "-", instant(d - 1));
      case 2: return bin(span(d - 1), pick({"+", "-"}).c_str(), span(d - 1));
      case 3: return p("-" + span(d - 1));
      case 4: return bin(span(d - 1), "*", number(d - 1));
      case 5: return bin(number(d - 1), "*", span(d - 1));
      case 6: return "abs(" + span(d - 1) + ")";
      case 7: return pick({"min(", "max("}) + args(d, 2, 3, &ExprGen::span) + ")";
      case 8: return "clamp(" + args(d, 3, 3, &ExprGen::span) + ")";
      case 9:
      case 10: return bin(span(d - 1), "??", span(d - 1));
      case 11: return ite(d, span(d - 1), span(d - 1));
      default: return pick({"wait", "gap"});
    }
  }

  std::string memberLiteral(int family) {
    return family == 0 ? pick({"\"A\"", "\"B\"", "\"C\""}) : pick({"\"lead\"", "\"customer\"", "\"churned\""});
  }

  /// An enum of the members A, B, C (family 0) or lead, customer, churned (family 1).
  std::string member(int d, int family) {
    if (family == 0) {
      if (leaf(d)) return pick({"tier", "tier2"});
      switch (below(5)) {
        case 0: return bin("tier2", "??", below(2) ? memberLiteral(0) : member(d - 1, 0));
        case 1: return ite(d, member(d - 1, 0), member(d - 1, 0));
        case 2: return ite(d, memberLiteral(0), member(d - 1, 0));
        case 3: return ite(d, member(d - 1, 0), memberLiteral(0));
        default: return pick({"tier", "tier2"});
      }
    }
    if (leaf(d)) return "stage";
    switch (below(4)) {
      case 0: return bin("stage", "??", memberLiteral(1));
      case 1: return ite(d, member(d - 1, 1), memberLiteral(1));
      case 2: return ite(d, member(d - 1, 1), member(d - 1, 1));
      default: return "stage";
    }
  }

  std::string set(int d) {
    if (leaf(d)) return pick({"tags", "extra"});
    switch (below(4)) {
      case 0: return bin("extra", "??", set(d - 1));
      case 1: return bin(set(d - 1), "??", set(d - 1));
      case 2: return ite(d, set(d - 1), set(d - 1));
      default: return pick({"tags", "extra"});
    }
  }

  std::mt19937_64 rng_;
  int depth_;
};

// ------------------------------------------------------------------------------------ comparison

bool mentionsInList(const IrNode* n) {
  if (n->kind == IrKind::Call && n->fn == builtinFn(Builtin::InList)) return true;
  for (const IrNode* a : n->args)
    if (mentionsInList(a)) return true;
  return false;
}

/// A table, its pack compilation and the lines it was loaded from (for reports).
struct Fixture {
  std::unique_ptr<Compilation> c = Compilation::fromText("diff.herald", kPack);
  TimeZone zone = newYork();
  LoadResult loaded;
  std::vector<std::string> lines;  // CSV records by row

  /// Writes `rows` to a CSV file in a temporary directory and loads it with the runtime loader.
  void load(const std::vector<std::string>& rows, const std::string& tag) {
    REQUIRE(c->ok());
    lines = rows;
    auto path = std::filesystem::temp_directory_path() /
                ("herald_diff_" + std::to_string(::getpid()) + "_" + tag + ".csv");
    {
      std::ofstream out(path, std::ios::binary);
      out << kHeader << "\n";
      for (const std::string& l : rows) out << l << "\n";
    }
    loaded = loadCustomers(path.string(), *c->sema().syms.customer, zone);
    std::filesystem::remove(path);
    for (const DataError& e : loaded.errors) UNSCOPED_INFO("load error: line " << e.line << ": " << e.message);
    REQUIRE(loaded.ok);
    REQUIRE(loaded.errors.empty());
    REQUIRE(loaded.table.rows() == rows.size());
  }
};

struct Stats {
  size_t generated = 0, typed = 0, pairs = 0, batchPairs = 0, native = 0, mismatches = 0;
  std::map<std::string, size_t> fallbacks;  // why expressions did not compile, and how often
  std::vector<std::string> reports;         // the first kMaxReports mismatches
  std::vector<std::string> rejected;        // a few generated texts that did not type-check
  static constexpr size_t kMaxReports = 20;
};

/// Compiles `exprs` into one JitPack and compares every engine with the interpreter on every row.
void compareAll(Fixture& f, const std::vector<std::string>& exprs, int64_t now, Stats& stats) {
  const CustomerTable& table = f.loaded.table;
  IrProgram program;
  Lowering lowering(f.c->sema(), f.zone, program);
  std::vector<const IrNode*> roots;
  std::vector<std::string> texts;
  for (const std::string& e : exprs) {
    ++stats.generated;
    const Expr* checked = f.c->checkExpression("<diff>", e);
    if (!checked) {  // counted: the generator's yield
      if (stats.rejected.size() < 3) stats.rejected.push_back(e);
      continue;
    }
    roots.push_back(lowering.lower(*checked));
    texts.push_back(e);
  }
  stats.typed += roots.size();
  if (roots.empty()) return;

  std::string error;
  auto pack = JitPack::compile(roots, JitOptions{}, error);
  INFO("JIT compile error: " << error);
  REQUIRE(pack);
  REQUIRE(pack->size() == roots.size());

  PoolDict dict(table.pool());
  BatchInput input = batchInput(table, dict);
  JitBinding binding(*pack, input, now, f.zone, onList);
  TableRow row(table);
  Interpreter interp;
  EvalContext ctx;
  ctx.customer = &row;
  ctx.now = now;
  ctx.zone = &f.zone;
  ctx.inList = onList;

  size_t reportedHere = 0;  // reports of the current expression: two each, so one bug does not hide others
  auto report = [&](size_t i, size_t r, const std::string& what) {
    ++stats.mismatches;
    if (stats.reports.size() >= Stats::kMaxReports || reportedHere >= 2) return;
    ++reportedHere;
    std::string fallback = pack->compiled(i) ? "native" : "fallback: " + pack->fallbackReason(i);
    stats.reports.push_back("expression: " + texts[i] + "  [" + fallback + "]\nrow " + std::to_string(r) + ": " +
                            f.lines[r] + "\n" + what);
  };

  std::vector<Value> refs(table.rows());
  std::vector<uint8_t> jitStates(BatchEvaluator::kBlock), batchStates(BatchEvaluator::kBlock);
  for (size_t i = 0; i < roots.size(); ++i) {
    reportedHere = 0;
    stats.native += pack->compiled(i);
    if (!pack->compiled(i)) ++stats.fallbacks[pack->fallbackReason(i)];
    for (size_t r = 0; r < table.rows(); ++r) {
      row.setRow(r);
      ctx.customerId = table.id(r);
      refs[r] = interp.eval(roots[i], ctx);
      Value jit = binding.value(i, r);
      ++stats.pairs;
      if (!sameValue(refs[r], jit))
        report(i, r, "  interpreter: " + render(refs[r]) + "\n  jit value:   " + render(jit));
    }
    if (roots[i]->type.kind != TypeKind::Bool) continue;
    // BatchEvaluator takes no lists, so in_list is always false there: compare it only without in_list.
    std::unique_ptr<BatchEvaluator> batch;
    if (!mentionsInList(roots[i])) batch = std::make_unique<BatchEvaluator>(roots[i], input, now, f.zone);
    for (size_t begin = 0; begin < table.rows(); begin += BatchEvaluator::kBlock) {
      size_t end = std::min(table.rows(), begin + BatchEvaluator::kBlock);
      binding.evaluate(i, begin, end, jitStates.data());
      if (batch) batch->evaluate(begin, end, batchStates.data());
      for (size_t r = begin; r < end; ++r) {
        int want = stateOf(refs[r]);
        int got = jitStates[r - begin];
        ++stats.batchPairs;
        if (got != want || (want == 3 && binding.errorOf(i, r) != refs[r].text))
          report(i, r, "  interpreter: " + render(refs[r]) + "\n  jit batch:   " + stateName(got) +
                           (got == 3 ? " (" + binding.errorOf(i, r) + ")" : ""));
        if (!batch) continue;
        int columnar = batchStates[r - begin];
        if (columnar != want || (want == 3 && batch->errorOf(r) != refs[r].text))
          report(i, r, "  interpreter: " + render(refs[r]) + "\n  BatchEvaluator: " + stateName(columnar) +
                           (columnar == 3 ? " (" + batch->errorOf(r) + ")" : ""));
      }
    }
  }
}

void runGenerated(uint64_t seed, size_t expressions, size_t rows, int depth, const char* nowText) {
  auto t0 = std::chrono::steady_clock::now();
  Fixture f;
  RowGen rowGen(seed * 7919 + 1);
  std::vector<std::string> lines;
  for (size_t r = 0; r < rows; ++r) lines.push_back(rowGen.row(r));
  f.load(lines, std::to_string(seed));
  ExprGen gen(seed, depth);
  std::vector<std::string> exprs;
  for (size_t k = 0; k < expressions; ++k) exprs.push_back(gen.any());
  Stats stats;
  compareAll(f, exprs, instant(nowText, f.zone), stats);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "differential seed " << seed << ": " << stats.typed << "/" << stats.generated << " expressions typed ("
            << (stats.generated ? 100.0 * stats.typed / stats.generated : 0) << "% yield), " << stats.native
            << " native, " << stats.typed - stats.native << " fallback; " << stats.pairs << " value pairs and "
            << stats.batchPairs << " batch pairs over " << rows << " rows; " << stats.mismatches << " mismatches; "
            << seconds << " s\n";
  for (const std::string& e : stats.rejected) std::cout << "  rejected: " << e << "\n";
  for (const auto& [why, count] : stats.fallbacks) std::cout << "  fallback x" << count << ": " << why << "\n";
  for (const std::string& r : stats.reports) FAIL_CHECK("mismatch (HERALD_DIFF_SEED=" << seed << ")\n" << r);
  CHECK(stats.mismatches == 0);
  CHECK(stats.pairs >= expressions * rows * 9 / 10);       // the generator's yield stays above 90%
  CHECK(stats.typed * 10 >= stats.generated * 9);
}

// ------------------------------------------------------------------------------------ fixed cases

// Three customers on the edges: INT64_MAX with every optional field missing, INT64_MIN with
// zeros and -0.0, and an ordinary one.
const std::vector<std::string> kEdgeRows = {
    "big,Ann,,9223372036854775807,,2.0,,true,,2026-03-08T01:59:59,,9223372036854775807,,A,,,,",
    "small,,ß,-9223372036854775808,0,-1.0,-0.0,false,true,2026-03-08T03:00:00,0001-01-01T00:00:00,"
    "-9223372036854775808,0,B,C,lead,5g|vip,",
    "plain, padded ,退订,7,-1,0.0,1e308,true,false,2026-11-01T01:30:00,9999-12-31T23:59:59,90d,-1s,C,A,churned,,"
    "é|😀"};

struct Fixed {
  const char* expr;
  std::vector<std::string> want;  // by row of kEdgeRows, as render() writes values
};

const char* kOverflow = "error: int overflow";
const char* kDivZero = "error: division by zero";

const std::vector<Fixed> kFixed = {
    // int overflow and the remainder
    {"n + 1", {kOverflow, "-9223372036854775807", "8"}},
    {"n - 1", {"9223372036854775806", kOverflow, "6"}},
    {"n * 2", {kOverflow, kOverflow, "14"}},
    {"9223372036854775807 + 1", {kOverflow, kOverflow, kOverflow}},
    {"-n", {"-9223372036854775807", kOverflow, "-7"}},
    {"abs(n)", {"9223372036854775807", kOverflow, "7"}},
    {"n % 0", {kDivZero, kDivZero, kDivZero}},
    {"n % -1", {"0", "0", "0"}},
    {"n % (m ?? 0)", {kDivZero, kDivZero, "0"}},
    {"m % 0", {"unknown", kDivZero, kDivZero}},
    {"-7 % 3", {"-1", "-1", "-1"}},
    {"7 % -3", {"1", "1", "1"}},
    // division and float errors
    {"n / 0", {kDivZero, kDivZero, kDivZero}},
    {"x / 0.0", {kDivZero, kDivZero, kDivZero}},
    {"m / 0", {"unknown", kDivZero, kDivZero}},
    {"7 / 2", {"f 3.5", "f 3.5", "f 3.5"}},
    {"sqrt(x)", {"f 1.4142135623730951", "error: sqrt of a negative number", "f 0"}},
    {"sqrt(-1)", {"error: sqrt of a negative number", "error: sqrt of a negative number",
                  "error: sqrt of a negative number"}},
    {"log(0)", {"error: log of a non-positive number", "error: log of a non-positive number",
                "error: log of a non-positive number"}},
    {"log(x)", {"f 0.69314718055994529", "error: log of a non-positive number", "error: log of a non-positive number"}},
    {"exp(1000.0)", {"error: result is not a finite number", "error: result is not a finite number",
                     "error: result is not a finite number"}},
    {"y * 10.0", {"unknown", "f -0", "error: result is not a finite number"}},
    {"-y", {"unknown", "f 0", "f -1e+308"}},
    {"round(-2.5)", {"f -3", "f -3", "f -3"}},
    {"round(x / 4)", {"f 1", "f -0", "f 0"}},
    // durations
    {"wait * 2", {kOverflow, kOverflow, "dur 15552000"}},
    {"-wait", {"dur -9223372036854775807", kOverflow, "dur -7776000"}},
    {"wait / 0s", {kDivZero, kDivZero, kDivZero}},
    {"wait * 0.5", {"dur 4611686018427387904", "dur -4611686018427387904", "dur 3888000"}},
    {"gap ?? 1s", {"dur 1", "dur 0", "dur -1"}},
    // Kleene logic: the deciding side absorbs an error on the other side, in either order
    {"false and 1 / 0 > 1", {"false", "false", "false"}},
    {"1 / 0 > 1 and false", {"false", "false", "false"}},
    {"true or n + 1 > 0", {"true", "true", "true"}},
    {"n + 1 > 0 or true", {"true", "true", "true"}},
    {"true and n + 1 > 0", {kOverflow, "false", "true"}},
    {"flag and n + 1 > 0", {kOverflow, "false", "false"}},
    {"m > 0 or flag", {"unknown", "true", "false"}},
    {"m > 0 and flag", {"unknown", "false", "false"}},
    {"not (m > 0)", {"unknown", "true", "true"}},
    {"m > 0 or n + 1 > 0", {kOverflow, "false", "true"}},
    // `??`, `if` and has(): lazy right sides, never unknown has()
    {"m ?? 5", {"5", "0", "-1"}},
    {"m ?? n + 1", {kOverflow, "0", "-1"}},
    {"y ?? 1 / 0", {kDivZero, "f -0", "f 1e+308"}},
    {"(m > 0) ?? true", {"true", "false", "false"}},
    {"nick ?? name", {"\"Ann\"", "\"ß\"", "\"退订\""}},
    {"tier2 ?? tier", {"enum A", "enum C", "enum A"}},
    {"(stage ?? \"customer\") == \"customer\"", {"true", "false", "false"}},
    {"extra ?? tags", {"{}", "{\"5g\",\"vip\"}", "{\"é\",\"😀\"}"}},
    {"if has(m) then m else n + 1", {kOverflow, "0", "-1"}},
    {"if m > 0 then 1 else 2", {"2", "2", "2"}},
    {"has(m)", {"false", "true", "true"}},
    {"has(nick) and has(y) and has(flag) and has(seen) and has(gap) and has(tier2) and has(stage)",
     {"false", "true", "true"}},
    {"has(extra)", {"false", "false", "true"}},
    {"not has(m)", {"true", "false", "false"}},
    // between, in, not in with unknowns
    {"n between m and 10", {"false", "false", "true"}},
    {"15 between 10 and m", {"unknown", "false", "false"}},
    {"m in []", {"unknown", "false", "false"}},
    {"m not in []", {"unknown", "true", "true"}},
    {"m in [0, 1.5]", {"unknown", "true", "false"}},
    {"\"5g\" in extra", {"unknown", "unknown", "false"}},
    {"\"5g\" not in tags", {"true", "false", "true"}},
    {"stage in [\"lead\", \"churned\"]", {"unknown", "true", "true"}},
    {"tier == tier2", {"unknown", "false", "false"}},
    // text
    {"name == \"\"", {"false", "true", "false"}},
    {"trim(name) == \"padded\"", {"false", "false", "true"}},
    {"len(nick)", {"unknown", "1", "2"}},
    {"upper(nick)", {"unknown", "\"ß\"", "\"退订\""}},
    {"lower(\"ΣΑΣ\")", {"\"σασ\"", "\"σασ\"", "\"σασ\""}},
    {"name contains \"\" and name starts_with \"\" and name ends_with \"\"", {"true", "true", "true"}},
    {"name matches r\"^\\s\"", {"false", "false", "true"}},
    {"nick matches r\"^.$\"", {"unknown", "true", "false"}},
    // time, in New York: `ts` of "big" is before the spring-forward gap, "plain" in the repeated hour
    {"hour(ts)", {"1", "3", "1"}},
    {"date(ts) == 2026-03-08", {"true", "true", "false"}},
    {"weekday(ts)", {"7", "7", "7"}},
    {"year(seen)", {"unknown", "1", "9999"}},
    {"days_since(2026-03-07T03:30)", {"0", "0", "0"}},
    {"hours_since(2026-03-07T03:30)", {"23", "23", "23"}},
    {"bucket(\"s\", n) >= 0", {"true", "error: bucket needs n >= 1", "true"}},
    {"in_list(\"staff\") and not in_list(\"other\")", {"true", "true", "true"}},
};

}  // namespace

TEST_CASE("interpreter and JIT agree on hand-written edge cases", "[differential]") {
  Fixture f;
  f.load(kEdgeRows, "fixed");
  const int64_t now = instant("2026-03-08T03:30:00", f.zone);
  // Each expected value is checked against the reference first (the fixture itself must be right),
  // then the same expressions go through the shared comparison of every engine.
  IrProgram program;
  Lowering lowering(f.c->sema(), f.zone, program);
  TableRow row(f.loaded.table);
  Interpreter interp;
  EvalContext ctx;
  ctx.customer = &row;
  ctx.now = now;
  ctx.zone = &f.zone;
  ctx.inList = onList;
  std::vector<std::string> exprs;
  for (const Fixed& c : kFixed) {
    const Expr* e = f.c->checkExpression("<fixed>", c.expr);
    INFO(c.expr);
    REQUIRE(e);
    const IrNode* root = lowering.lower(*e);
    for (size_t r = 0; r < kEdgeRows.size(); ++r) {
      row.setRow(r);
      ctx.customerId = f.loaded.table.id(r);
      INFO("row " << f.loaded.table.id(r));
      CHECK(render(interp.eval(root, ctx)) == c.want[r]);
    }
    exprs.push_back(c.expr);
  }
  Stats stats;
  compareAll(f, exprs, now, stats);
  for (const std::string& r : stats.reports) FAIL_CHECK("mismatch\n" << r);
  CHECK(stats.mismatches == 0);
  CHECK(stats.typed == kFixed.size());
}

TEST_CASE("JIT batch kernels and per-customer functions see the same lists", "[differential]") {
  // in_list in an expression that falls back (lower() builds text): evaluate() must still see the
  // binding's lists, as value() does.
  Fixture f;
  f.load(kEdgeRows, "lists");
  IrProgram program;
  Lowering lowering(f.c->sema(), f.zone, program);
  const Expr* e = f.c->checkExpression("<lists>", "in_list(\"staff\") and lower(name) != \"zzz\"");
  REQUIRE(e);
  std::vector<const IrNode*> roots = {lowering.lower(*e)};
  std::string error;
  auto pack = JitPack::compile(roots, JitOptions{}, error);
  REQUIRE(pack);
  PoolDict dict(f.loaded.table.pool());
  BatchInput input = batchInput(f.loaded.table, dict);
  JitBinding binding(*pack, input, instant("2026-03-08T03:30:00", f.zone), f.zone, onList);
  std::vector<uint8_t> states(f.loaded.table.rows());
  binding.evaluate(0, 0, states.size(), states.data());
  for (size_t r = 0; r < states.size(); ++r) {
    INFO("row " << f.loaded.table.id(r) << (pack->compiled(0) ? "" : ", fallback: " + pack->fallbackReason(0)));
    CHECK(render(binding.value(0, r)) == "true");
    CHECK(int(states[r]) == 1);
  }
}

TEST_CASE("interpreter and JIT agree on generated expressions (seed 1)", "[differential]") {
  runGenerated(baseSeed(1), 600, 200, 4, "2026-03-08T03:30:00");
}

TEST_CASE("interpreter and JIT agree on generated expressions (seed 2)", "[differential]") {
  runGenerated(baseSeed(1) + 1, 600, 400, 5, "2026-11-01T01:30:00");
}
