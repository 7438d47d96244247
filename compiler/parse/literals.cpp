#include "compiler/parse/literals.hpp"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

#include "compiler/source/source_file.hpp"

namespace herald {
namespace {


// Checks a run of digits with optional single `_` separators between digits.
bool checkDigitGroup(std::string_view text, size_t begin, size_t end, LiteralError& err,
                     std::string_view what) {
  if (begin >= end) {
    err = {fmt::format("{} needs digits", what), static_cast<uint32_t>(begin), 0};
    return false;
  }
  for (size_t i = begin; i < end; ++i) {
    if (text[i] != '_') continue;
    if (i == begin || i + 1 == end || text[i + 1] == '_') {
      err = {"'_' may only separate digits (write 1_000_000)", static_cast<uint32_t>(i), 1};
      return false;
    }
  }
  return true;
}

std::string withoutUnderscores(std::string_view text) {
  std::string s;
  for (char c : text)
    if (c != '_') s += c;
  return s;
}

bool digitsToInt(std::string_view digits, int64_t& out, LiteralError& err) {
  uint64_t v = 0;
  for (char c : digits) {
    if (c == '_') continue;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      v = UINT64_MAX;
      break;
    }
    v = v * 10 + d;
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) {
    err = {"integer literal does not fit in 64 bits", 0, 0, true};
    return false;
  }
  out = static_cast<int64_t>(v);
  return true;
}

int twoDigits(std::string_view s, size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

}  // namespace

int daysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool decodeInt(std::string_view text, int64_t& out, LiteralError& err) {
  if (!checkDigitGroup(text, 0, text.size(), err, "an integer")) return false;
  return digitsToInt(text, out, err);
}

bool decodeFloat(std::string_view text, double& out, LiteralError& err) {
  if (!text.empty() && text[0] == '.') {
    err = {fmt::format("a float needs a digit before the point: write 0{}", text), 0, 0};
    return false;
  }
  size_t dot = text.find('.');
  size_t exp = text.find_first_of("eE");
  size_t intEnd = std::min(dot, exp) == std::string_view::npos ? text.size() : std::min(dot, exp);
  if (!checkDigitGroup(text, 0, intEnd, err, "a float")) return false;
  if (dot != std::string_view::npos) {
    size_t fracEnd = exp == std::string_view::npos ? text.size() : exp;
    if (fracEnd == dot + 1) {
      err = {fmt::format("a float needs a digit after the point: write {}0", text.substr(0, dot + 1)), 0, 0};
      return false;
    }
    if (!checkDigitGroup(text, dot + 1, fracEnd, err, "a fraction")) return false;
  }
  if (exp != std::string_view::npos) {
    size_t start = exp + 1;
    if (start < text.size() && (text[start] == '+' || text[start] == '-')) ++start;
    if (!checkDigitGroup(text, start, text.size(), err, "an exponent")) return false;
  }
  std::string clean = withoutUnderscores(text);
  out = std::strtod(clean.c_str(), nullptr);
  if (!std::isfinite(out)) {
    err = {"float literal is out of range", 0, 0};
    return false;
  }
  return true;
}

bool decodePercent(std::string_view text, double& out, LiteralError& err) {
  std::string_view number = text.substr(0, text.size() - 1);
  double v = 0;
  if (number.find_first_of(".eE") != std::string_view::npos) {
    if (!decodeFloat(number, v, err)) return false;
  } else {
    int64_t i = 0;
    if (!decodeInt(number, i, err)) return false;
    v = static_cast<double>(i);
  }
  out = v / 100.0;
  return true;
}

bool decodeDuration(std::string_view text, int64_t& out, LiteralError& err) {
  std::string_view number = text.substr(0, text.size() - 1);
  int64_t n = 0;
  if (!checkDigitGroup(number, 0, number.size(), err, "a duration")) return false;
  if (!digitsToInt(number, n, err)) return false;
  int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
  }
  if (__builtin_mul_overflow(n, unit, &out)) {
    err = {"duration does not fit in 64 bits of seconds", 0, 0, true};
    return false;
  }
  return true;
}

bool decodeDateTime(std::string_view s, CivilTime& out, LiteralError& err) {
  out = CivilTime{};
  out.year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  out.month = twoDigits(s, 5);
  out.day = twoDigits(s, 8);
  if (out.month < 1 || out.month > 12) {
    err = {fmt::format("month {} does not exist", out.month), 5, 2};
    return false;
  }
  if (out.day < 1 || out.day > daysInMonth(out.year, out.month)) {
    err = {fmt::format("{:04}-{:02} has no day {}", out.year, out.month, out.day), 8, 2};
    return false;
  }
  if (s.size() > 10) {
    out.hour = twoDigits(s, 11);
    out.minute = twoDigits(s, 14);
    out.second = s.size() > 16 ? twoDigits(s, 17) : 0;
    if (out.hour > 23) {
      err = {fmt::format("hour {} does not exist (00-23)", out.hour), 11, 2};
      return false;
    }
    if (out.minute > 59) {
      err = {fmt::format("minute {} does not exist (00-59)", out.minute), 14, 2};
      return false;
    }
    if (out.second > 59) {
      err = {fmt::format("second {} does not exist (00-59)", out.second), 17, 2};
      return false;
    }
  }
  return true;
}

bool decodeTimeOfDay(std::string_view s, int& minutes, LiteralError& err) {
  int h = twoDigits(s, 0), m = twoDigits(s, 3);
  if (h > 23) {
    err = {fmt::format("hour {} does not exist (00-23)", h), 0, 2};
    return false;
  }
  if (m > 59) {
    err = {fmt::format("minute {} does not exist (00-59)", m), 3, 2};
    return false;
  }
  minutes = h * 60 + m;
  return true;
}

DecodedString decodeString(std::string_view token, std::vector<LiteralError>& errors) {
  DecodedString out;
  bool raw = !token.empty() && token[0] == 'r';
  size_t begin = raw ? 2 : 1;
  size_t end = token.size() > begin && token.back() == '"' ? token.size() - 1 : token.size();
  auto put = [&](char c, size_t from) {
    out.text += c;
    out.origin.push_back(static_cast<uint32_t>(from));
  };
  for (size_t i = begin; i < end;) {
    if (raw || token[i] != '\\') {
      put(token[i], i);
      ++i;
      continue;
    }
    size_t start = i;
    if (i + 1 >= end) {
      errors.push_back({"a string cannot end with a lone '\\'", static_cast<uint32_t>(start), 1});
      break;
    }
    char e = token[i + 1];
    switch (e) {
      case '"': put('"', start); i += 2; continue;
      case '\\': put('\\', start); i += 2; continue;
      case 'n': put('\n', start); i += 2; continue;
      case 't': put('\t', start); i += 2; continue;
      case 'u': break;
      default: {
        size_t len = 1;
        while (i + 1 + len < end && isUtf8Continuation(static_cast<unsigned char>(token[i + 1 + len]))) ++len;
        errors.push_back({fmt::format("unknown escape '\\{}': use \\\" \\\\ \\n \\t or \\u{{...}}",
                                      token.substr(i + 1, len)),
                          static_cast<uint32_t>(start), static_cast<uint32_t>(len + 1)});
        i += 1 + len;
        continue;
      }
    }
    // \u{X...}
    size_t close = token.find('}', i);
    if (i + 2 >= end || token[i + 2] != '{' || close == std::string_view::npos || close >= end) {
      errors.push_back({"'\\u' must be followed by {hex digits}, e.g. \\u{4E2D}", static_cast<uint32_t>(start), 2});
      i += 2;
      continue;
    }
    std::string_view hex = token.substr(i + 3, close - (i + 3));
    bool ok = !hex.empty() && hex.size() <= 6 && hex.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
    char32_t cp = ok ? static_cast<char32_t>(std::strtoul(std::string(hex).c_str(), nullptr, 16)) : 0;
    uint32_t escLen = static_cast<uint32_t>(close + 1 - start);
    if (!ok) {
      errors.push_back({fmt::format("'\\u{{{}}}' needs 1 to 6 hex digits", hex), static_cast<uint32_t>(start), escLen});
    } else if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      errors.push_back({fmt::format("'\\u{{{}}}' is not a Unicode scalar value", hex), static_cast<uint32_t>(start), escLen});
    } else {
      size_t before = out.text.size();
      appendUtf8(out.text, cp);
      for (size_t k = before; k < out.text.size(); ++k) out.origin.push_back(static_cast<uint32_t>(start));
    }
    i = close + 1;
  }
  out.origin.push_back(static_cast<uint32_t>(end));
  return out;
}

}  // namespace herald
