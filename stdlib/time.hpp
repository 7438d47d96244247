#pragma once
// Instants, civil times and the pack's time zone. An instant is seconds since 1970-01-01T00:00Z;
// civil times are read in the pack's zone (an IANA name or a fixed offset like "+08:00").

#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/ast/ast.hpp"

namespace date {
class time_zone;
}

namespace herald {

/// A time zone: an IANA zone (with its DST rules) or a fixed UTC offset.
class TimeZone {
 public:
  /// UTC.
  TimeZone() = default;
  /// Parses "Asia/Shanghai", "UTC" or "+08:00"; false when unknown.
  static bool parse(std::string_view name, TimeZone& out);

  /// The instant of a wall-clock time. A time skipped by a DST change moves forward by the
  /// change (02:30 on a spring-forward night is 03:30); a repeated one takes the first.
  int64_t toInstant(const CivilTime& civil) const;
  /// The wall-clock time of an instant.
  CivilTime toCivil(int64_t instant) const;
  const std::string& name() const { return name_; }

 private:
  const date::time_zone* zone_ = nullptr;  // null: fixed offset
  int64_t offset_ = 0;                     // seconds east of UTC, when fixed
  std::string name_ = "UTC";
};

/// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t daysFromCivil(int year, int month, int day);
void civilFromDays(int64_t days, int& year, int& month, int& day);

/// Parses an ISO-8601 timestamp as found in data and on the command line: `2026-03-01`,
/// `2026-03-01T09:00`, `2026-03-01 09:00:30`, optional fractional seconds (dropped, rounding
/// down), optional `Z` or `+HH:MM`/`-HH:MM`/`+HHMM`. Without a zone the text is read in `zone`.
/// On failure returns false with a reason.
bool parseTimestamp(std::string_view text, const TimeZone& zone, int64_t& out, std::string& error);

/// Formats an instant as ISO-8601 UTC: `2026-03-01T01:00:00Z`.
std::string formatInstantUtc(int64_t instant);

}  // namespace herald
