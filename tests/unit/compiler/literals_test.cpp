#include <catch2/catch.hpp>

#include "compiler/parse/literals.hpp"

using namespace herald;

TEST_CASE("integers take underscores between digits only", "[literals]") {
  int64_t v = 0;
  LiteralError err;
  CHECK(decodeInt("1_000_000", v, err));
  CHECK(v == 1000000);
  CHECK(decodeInt("9223372036854775807", v, err));
  CHECK(v == INT64_MAX);
  CHECK_FALSE(decodeInt("9223372036854775808", v, err));
  CHECK(err.tooLarge);
  CHECK_FALSE(decodeInt("99999999999999999999999", v, err));
  CHECK(err.tooLarge);
  CHECK_FALSE(decodeInt("1__0", v, err));
  CHECK(err.offset == 1);
  CHECK_FALSE(decodeInt("1_", v, err));
}

TEST_CASE("floats need digits on both sides of the point", "[literals]") {
  double d = 0;
  LiteralError err;
  CHECK(decodeFloat("0.5", d, err));
  CHECK(d == 0.5);
  CHECK(decodeFloat("2.5e3", d, err));
  CHECK(d == 2500.0);
  CHECK(decodeFloat("2.5e-3", d, err));
  CHECK(d == Approx(0.0025));
  CHECK(decodeFloat("1e3", d, err));
  CHECK(d == 1000.0);
  CHECK(decodeFloat("1_000.25", d, err));
  CHECK(d == 1000.25);
  CHECK_FALSE(decodeFloat(".5", d, err));
  CHECK(err.message.find("0.5") != std::string::npos);
  CHECK_FALSE(decodeFloat("5.", d, err));
  CHECK(err.message.find("5.0") != std::string::npos);
  CHECK_FALSE(decodeFloat("1e", d, err));
  CHECK_FALSE(decodeFloat("1e999", d, err));
}

TEST_CASE("percents are fractions", "[literals]") {
  double d = 0;
  LiteralError err;
  CHECK(decodePercent("5%", d, err));
  CHECK(d == Approx(0.05));
  CHECK(decodePercent("12.5%", d, err));
  CHECK(d == Approx(0.125));
}

TEST_CASE("durations are seconds", "[literals]") {
  int64_t s = 0;
  LiteralError err;
  CHECK(decodeDuration("45s", s, err));
  CHECK(s == 45);
  CHECK(decodeDuration("30m", s, err));
  CHECK(s == 1800);
  CHECK(decodeDuration("12h", s, err));
  CHECK(s == 43200);
  CHECK(decodeDuration("7d", s, err));
  CHECK(s == 604800);
  CHECK(decodeDuration("2w", s, err));
  CHECK(s == 1209600);
  CHECK_FALSE(decodeDuration("99999999999999999w", s, err));
}

TEST_CASE("dates and times are checked against the calendar", "[literals]") {
  CivilTime c;
  LiteralError err;
  CHECK(decodeDateTime("2024-02-29", c, err));
  CHECK_FALSE(decodeDateTime("2026-02-29", c, err));
  CHECK(err.offset == 8);
  CHECK_FALSE(decodeDateTime("2026-13-01", c, err));
  CHECK(decodeDateTime("2026-03-01T09:00:30", c, err));
  CHECK(c.hour == 9);
  CHECK(c.second == 30);
  CHECK_FALSE(decodeDateTime("2026-03-01T24:00", c, err));
  int minutes = 0;
  CHECK(decodeTimeOfDay("21:30", minutes, err));
  CHECK(minutes == 21 * 60 + 30);
  CHECK_FALSE(decodeTimeOfDay("25:00", minutes, err));
  CHECK_FALSE(decodeTimeOfDay("10:60", minutes, err));
}

TEST_CASE("string escapes decode and bad ones are reported with their place", "[literals]") {
  std::vector<LiteralError> errors;
  DecodedString s = decodeString(R"("a\"b\\c\nd\te\u{4E2D}")", errors);
  CHECK(errors.empty());
  CHECK(s.text == "a\"b\\c\nd\te\xE4\xB8\xAD");
  CHECK(s.origin.size() == s.text.size() + 1);

  errors.clear();
  decodeString(R"("x\qy")", errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].offset == 2);

  errors.clear();
  decodeString(R"("\u{D800} \u{110000} \u{} \u12")", errors);
  CHECK(errors.size() == 4);

  errors.clear();
  DecodedString raw = decodeString(R"(r"\d+\s")", errors);
  CHECK(errors.empty());
  CHECK(raw.text == R"(\d+\s)");
}
