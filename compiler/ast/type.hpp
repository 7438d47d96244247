#pragma once
// The types of Herald values (LANGUAGE.md section 3).

#include <cstdint>
#include <string>
#include <vector>

namespace herald {

/// The kind of a value's type. `Error` marks an expression that already failed to check.
enum class TypeKind : uint8_t { Error, Bool, Int, Float, String, Timestamp, Duration, Enum, Set, List, TimeOfDay };

/// A value type; `optional` means the value may be unknown (`T?`).
struct Type {
  TypeKind kind = TypeKind::Error;
  bool optional = false;
  /// Members of an enum type, owned by the declaring field (stable for the pack's lifetime).
  const std::vector<std::string>* members = nullptr;
  /// Element kind of a list literal.
  TypeKind elem = TypeKind::Error;

  static Type of(TypeKind k, bool opt = false) { return Type{k, opt, nullptr, TypeKind::Error}; }
  static Type error() { return Type{}; }
  bool isError() const { return kind == TypeKind::Error; }
  bool isNumeric() const { return kind == TypeKind::Int || kind == TypeKind::Float; }
  /// The same type, optional or not.
  Type withOptional(bool opt) const {
    Type t = *this;
    t.optional = opt;
    return t;
  }
  /// How the type is written in the language: `int?`, `enum("A","B")`, `set<string>`.
  std::string str() const;
};

bool sameType(const Type& a, const Type& b);

}  // namespace herald
