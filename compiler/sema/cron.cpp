#include "compiler/sema/cron.hpp"

#include <fmt/format.h>

#include <vector>

namespace herald {
namespace {

struct FieldRule {
  const char* name;
  int lo, hi;
  const char* const* names;  // names for lo..lo+count-1, or null
  int namesFrom;
};

const char* const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const FieldRule kFields[] = {{"minute", 0, 59, nullptr, 0},
                             {"hour", 0, 23, nullptr, 0},
                             {"day of month", 1, 31, nullptr, 0},
                             {"month", 1, 12, kMonths, 1},
                             {"day of week", 0, 7, kDays, 0}};

// Reads a number or a name at text[i..]; advances i.
bool readValue(std::string_view text, size_t& i, const FieldRule& rule, size_t base, int& out, CronError& err) {
  size_t start = i;
  if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    out = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && out < 1000)
      out = out * 10 + (text[i++] - '0');
  } else if (rule.names) {
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start) {
      err = {fmt::format("expected a number or a name in the {} field", rule.name), base + start, 1};
      return false;
    }
    std::string word(text.substr(start, i - start));
    for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    int count = rule.names == kMonths ? 12 : 7;
    out = -1;
    for (int k = 0; k < count; ++k)
      if (word == rule.names[k]) out = rule.namesFrom + k;
    if (out < 0) {
      err = {fmt::format("'{}' is not a {} name", word, rule.name), base + start, std::max<size_t>(i - start, 1)};
      return false;
    }
    return true;
  } else {
    err = {fmt::format("expected a number in the {} field", rule.name), base + start, 1};
    return false;
  }
  if (out < rule.lo || out > rule.hi) {
    err = {fmt::format("{} {} is out of range {}-{}", rule.name, out, rule.lo, rule.hi), base + start, i - start};
    return false;
  }
  return true;
}

bool parseField(std::string_view text, size_t base, const FieldRule& rule, uint64_t& bits, bool& star,
                CronError& err) {
  star = text == "*";
  size_t i = 0;
  while (true) {
    int lo = rule.lo, hi = rule.hi, step = 1;
    size_t itemStart = i;
    if (i < text.size() && text[i] == '*') {
      ++i;
    } else {
      if (!readValue(text, i, rule, base, lo, err)) return false;
      hi = lo;
      if (i < text.size() && text[i] == '-') {
        ++i;
        if (!readValue(text, i, rule, base, hi, err)) return false;
        if (hi < lo) {
          err = {fmt::format("range {} runs backwards", text.substr(itemStart, i - itemStart)), base + itemStart,
                 i - itemStart};
          return false;
        }
      }
    }
    if (i < text.size() && text[i] == '/') {
      ++i;
      size_t s = i;
      step = 0;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && step < 1000)
        step = step * 10 + (text[i++] - '0');
      if (i == s || step < 1) {
        err = {"a step needs a number >= 1 after '/'", base + s - 1, 1};
        return false;
      }
      if (hi == lo && text[itemStart] != '*') hi = rule.hi;  // `a/step` runs to the field's end
    }
    for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << v;
    if (i == text.size()) return true;
    if (text[i] != ',') {
      err = {fmt::format("unexpected '{}' in the {} field", text[i], rule.name), base + i, 1};
      return false;
    }
    ++i;
  }
}

}  // namespace

bool parseCron(std::string_view text, CronSpec& out, CronError& err) {
  std::vector<std::pair<size_t, size_t>> fields;  // offset, length
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.emplace_back(start, i - start);
  }
  if (fields.size() != 5) {
    err = {fmt::format("cron takes 5 fields (minute hour day-of-month month day-of-week), found {}", fields.size()),
           0, text.size()};
    return false;
  }
  out = CronSpec{};
  uint64_t bits[5] = {0, 0, 0, 0, 0};
  bool stars[5];
  for (int f = 0; f < 5; ++f)
    if (!parseField(text.substr(fields[f].first, fields[f].second), fields[f].first, kFields[f], bits[f], stars[f],
                    err))
      return false;
  out.minutes = bits[0];
  out.hours = static_cast<uint32_t>(bits[1]);
  out.daysOfMonth = static_cast<uint32_t>(bits[2]);
  out.months = static_cast<uint16_t>(bits[3]);
  out.weekdays = static_cast<uint8_t>((bits[4] | (bits[4] >> 7)) & 0x7F);  // 7 is Sunday too
  out.domStar = stars[2];
  out.dowStar = stars[4];
  return true;
}

}  // namespace herald
