#include "stdlib/time.hpp"

#include <date/tz.h>
#include <fmt/format.h>

namespace herald {
namespace {

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

int64_t daysFromCivil(int y, int m, int d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(y + (month <= 2));
}

bool TimeZone::parse(std::string_view name, TimeZone& out) {
  out = TimeZone();
  out.name_ = std::string(name);
  if (!name.empty() && (name[0] == '+' || name[0] == '-')) {
    int h = 0, m = 0;
    if (name.size() != 6 || !digits(name, 1, 2, h) || name[3] != ':' || !digits(name, 4, 2, m) || m > 59 ||
        h * 60 + m > 14 * 60)
      return false;
    out.offset_ = (name[0] == '-' ? -1 : 1) * static_cast<int64_t>(h * 3600 + m * 60);
    return true;
  }
  if (name == "UTC" || name == "Z") return true;
  try {
    out.zone_ = date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

int64_t TimeZone::toInstant(const CivilTime& c) const {
  int64_t local = daysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  if (!zone_) return local - offset_;
  date::local_seconds tp{std::chrono::seconds(local)};
  auto info = zone_->get_info(tp);
  // Nonexistent (skipped) times keep the offset in force before the change: they move forward.
  const auto& offset = info.first.offset;
  return local - offset.count();
}

CivilTime TimeZone::toCivil(int64_t instant) const {
  int64_t offset = offset_;
  if (zone_) {
    date::sys_seconds tp{std::chrono::seconds(instant)};
    offset = zone_->get_info(tp).offset.count();
  }
  // In 128 bits: instants near the ends of int64 (reachable by arithmetic) must not overflow.
  __int128 local = static_cast<__int128>(instant) + offset;
  int64_t secs = static_cast<int64_t>((local % 86400 + 86400) % 86400);
  int64_t days = static_cast<int64_t>((local - secs) / 86400);
  CivilTime c;
  civilFromDays(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

bool parseTimestamp(std::string_view s, const TimeZone& zone, int64_t& out, std::string& error) {
  CivilTime c;
  size_t i = 0;
  auto fail = [&](const char* why) {
    error = fmt::format("\"{}\" is not a timestamp: {}", s, why);
    return false;
  };
  if (!digits(s, 0, 4, c.year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, c.month) || s[7] != '-' ||
      !digits(s, 8, 2, c.day))
    return fail("expected YYYY-MM-DD");
  if (c.month < 1 || c.month > 12) return fail("no such month");
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
  if (c.day < 1 || c.day > kDays[c.month - 1] || (c.month == 2 && c.day == 29 && !leap)) return fail("no such day");
  i = 10;
  if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
    if (!digits(s, i + 1, 2, c.hour) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, c.minute))
      return fail("expected HH:MM after the date");
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!digits(s, i + 1, 2, c.second)) return fail("expected seconds after ':'");
      i += 3;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        size_t j = i + 1;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
        if (j == i + 1) return fail("expected digits after the decimal point");
        i = j;  // fractional seconds are dropped
      }
    }
    if (c.hour > 23 || c.minute > 59 || c.second > 59) return fail("no such time of day");
  }
  if (i == s.size()) {
    out = zone.toInstant(c);
    return true;
  }
  int64_t local = daysFromCivil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  if (s[i] == 'Z' && i + 1 == s.size()) {
    out = local;
    return true;
  }
  if (s[i] == '+' || s[i] == '-') {
    int h = 0, m = 0;
    size_t rest = s.size() - i - 1;
    bool ok = (rest == 5 && digits(s, i + 1, 2, h) && s[i + 3] == ':' && digits(s, i + 4, 2, m)) ||
              (rest == 4 && digits(s, i + 1, 2, h) && digits(s, i + 3, 2, m)) ||
              (rest == 2 && digits(s, i + 1, 2, h));
    if (!ok || m > 59 || h * 60 + m > 14 * 60) return fail("bad UTC offset");
    int64_t offset = (s[i] == '-' ? -1 : 1) * static_cast<int64_t>(h * 3600 + m * 60);
    out = local - offset;
    return true;
  }
  return fail("unexpected text after the time");
}

std::string formatInstantUtc(int64_t instant) {
  int64_t days = floorDiv(instant, 86400);
  int64_t secs = instant - days * 86400;
  int y, m, d;
  civilFromDays(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
}

}  // namespace herald
