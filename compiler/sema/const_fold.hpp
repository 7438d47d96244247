#pragma once
// Compile-time evaluation of constant expressions (consts, clause values, constant audiences).

#include <cstdint>
#include <string>

#include "compiler/sema/sema.hpp"

namespace herald {

/// A constant value. Durations are seconds in `integer`.
struct ConstValue {
  TypeKind kind = TypeKind::Error;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  double number() const { return kind == TypeKind::Float ? real : static_cast<double>(integer); }
};

enum class FoldStatus { Value, NotConstant, Fails };

/// The outcome of folding: a value, "depends on the customer", or an evaluation error.
struct Folded {
  FoldStatus status = FoldStatus::NotConstant;
  ConstValue value;
  std::string error;  // Fails: "division by zero", "int overflow"
  bool ok() const { return status == FoldStatus::Value; }
};

/// Folds an expression whose names are resolved. `and`/`or` fold when one side decides
/// (`x and false` is false whatever x is), as Kleene logic and error absorption say.
Folded foldConstant(const Sema& sema, const Expr& e);

/// True when the expression reads nothing of the customer, the event, the history or `now`.
bool isConstantExpr(const Sema& sema, const Expr& e);

}  // namespace herald
