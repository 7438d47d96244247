#pragma once
// Decoding of literal tokens. The lexer accepts a superset of valid literals; these functions
// decide validity and say exactly what is wrong, so diagnostics can point at the token.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.hpp"

namespace herald {

/// The result of decoding a literal: ok, or an error message (and a byte offset into the token).
struct LiteralError {
  std::string message;
  uint32_t offset = 0;  // where in the token the problem starts
  uint32_t length = 0;  // 0: the whole token
  bool tooLarge = false;
};

/// Decodes `1_000_000`; a value beyond int64 is an error with tooLarge set.
bool decodeInt(std::string_view text, int64_t& out, LiteralError& err);
/// Decodes `0.5`, `2.5e3`; rejects `.5`, `5.`, misplaced `_`, and values that are not finite.
bool decodeFloat(std::string_view text, double& out, LiteralError& err);
/// Decodes `5%` or `12.5%` into a fraction (0.05, 0.125).
bool decodePercent(std::string_view text, double& out, LiteralError& err);
/// Decodes `45s`, `30m`, `12h`, `7d`, `2w` into seconds.
bool decodeDuration(std::string_view text, int64_t& out, LiteralError& err);
/// Decodes `2026-03-01` and `2026-03-01T09:00[:30]`, checking calendar validity.
bool decodeDateTime(std::string_view text, CivilTime& out, LiteralError& err);
/// Decodes `09:00` into minutes since midnight.
bool decodeTimeOfDay(std::string_view text, int& minutes, LiteralError& err);

/// A decoded string and, for each byte of it (plus one past the end), the byte offset in the
/// token it came from, so places inside the string can be reported.
struct DecodedString {
  std::string text;
  std::vector<uint32_t> origin;
};
/// Decodes a `"..."` token (quotes included) with its escapes, or an `r"..."` token verbatim.
/// Reports every bad escape into `errors` and keeps going.
DecodedString decodeString(std::string_view token, std::vector<LiteralError>& errors);

/// Days in a month of a year (proleptic Gregorian).
int daysInMonth(int year, int month);

}  // namespace herald
