#pragma once
// A runtime value of the reference interpreter: known, unknown (SQL's NULL), or an error of
// this one evaluation (overflow, division by zero, ...).

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ast/type.hpp"

namespace herald {

struct Value {
  enum class State : uint8_t { Known, Unknown, Error };
  State state = State::Unknown;
  TypeKind kind = TypeKind::Error;
  bool boolean = false;
  int64_t integer = 0;  // Int, Timestamp (instant), Duration (seconds)
  double real = 0;
  std::string text;               // String, Enum; Error: the message
  std::vector<std::string> set;   // Set: members, sorted, no repeats

  bool known() const { return state == State::Known; }
  bool unknown() const { return state == State::Unknown; }
  bool failed() const { return state == State::Error; }

  static Value makeUnknown(TypeKind k = TypeKind::Error) {
    Value v;
    v.kind = k;
    return v;
  }
  static Value makeError(std::string message) {
    Value v;
    v.state = State::Error;
    v.text = std::move(message);
    return v;
  }
  static Value makeBool(bool b) {
    Value v;
    v.state = State::Known;
    v.kind = TypeKind::Bool;
    v.boolean = b;
    return v;
  }
  static Value makeInt(int64_t i, TypeKind k = TypeKind::Int) {
    Value v;
    v.state = State::Known;
    v.kind = k;
    v.integer = i;
    return v;
  }
  static Value makeFloat(double d) {
    Value v;
    v.state = State::Known;
    v.kind = TypeKind::Float;
    v.real = d;
    return v;
  }
  static Value makeString(std::string s, TypeKind k = TypeKind::String) {
    Value v;
    v.state = State::Known;
    v.kind = k;
    v.text = std::move(s);
    return v;
  }
  /// The numeric value as a double (Int or Float).
  double number() const { return kind == TypeKind::Float ? real : static_cast<double>(integer); }
};

/// The messages of evaluation errors, as printed by `herald eval` ({"error": "..."}).
namespace evalerror {
inline constexpr const char* kOverflow = "int overflow";
inline constexpr const char* kDivisionByZero = "division by zero";
inline constexpr const char* kSqrtNegative = "sqrt of a negative number";
inline constexpr const char* kLogNonPositive = "log of a non-positive number";
inline constexpr const char* kNotFinite = "result is not a finite number";
}  // namespace evalerror

}  // namespace herald
