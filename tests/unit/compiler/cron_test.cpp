#include <catch2/catch.hpp>

#include "compiler/sema/cron.hpp"

using namespace herald;

TEST_CASE("cron fields: lists, ranges, steps and names", "[cron]") {
  CronSpec c;
  CronError err;
  REQUIRE(parseCron("0 9 * * 1-5", c, err));
  CHECK(c.minutes == 1);
  CHECK(c.hours == (1u << 9));
  CHECK(c.weekdays == 0b0111110);
  CHECK(c.domStar);
  CHECK_FALSE(c.dowStar);

  REQUIRE(parseCron("*/15 8-20/4 1,15 jan-mar sun", c, err));
  CHECK(c.minutes == ((1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45)));
  CHECK(c.hours == ((1u << 8) | (1u << 12) | (1u << 16) | (1u << 20)));
  CHECK(c.daysOfMonth == ((1u << 1) | (1u << 15)));
  CHECK(c.months == 0b1110);
  CHECK(c.weekdays == 1);

  REQUIRE(parseCron("0 0 * * 7", c, err));
  CHECK(c.weekdays == 1);  // 7 is Sunday too
  REQUIRE(parseCron("0 0 * * MON,Fri", c, err));
  CHECK(c.weekdays == ((1 << 1) | (1 << 5)));
  REQUIRE(parseCron("5/20 * * * *", c, err));
  CHECK(c.minutes == ((1ull << 5) | (1ull << 25) | (1ull << 45)));
}

TEST_CASE("cron errors say where", "[cron]") {
  CronSpec c;
  CronError err;
  CHECK_FALSE(parseCron("0 9 * *", c, err));
  CHECK(err.message.find("5 fields") != std::string::npos);
  CHECK_FALSE(parseCron("0 24 * * *", c, err));
  CHECK(err.offset == 2);
  CHECK_FALSE(parseCron("0 9 0 * *", c, err));
  CHECK_FALSE(parseCron("0 9 * 13 *", c, err));
  CHECK_FALSE(parseCron("0 9 * * 8", c, err));
  CHECK_FALSE(parseCron("0 9 * * funday", c, err));
  CHECK_FALSE(parseCron("0 9-5 * * *", c, err));
  CHECK_FALSE(parseCron("*/0 * * * *", c, err));
  CHECK_FALSE(parseCron("1,,2 * * * *", c, err));
}
