#pragma once
// Lowering: checked AST → typed IR. Run only on a pack without errors.

#include <vector>

#include "compiler/ir/ir.hpp"
#include "compiler/sema/sema.hpp"
#include "stdlib/time.hpp"

namespace herald {

class Lowering {
 public:
  Lowering(const Sema& sema, const TimeZone& zone, IrProgram& program);
  /// Lowers one checked expression; lets and segments it uses are lowered once and shared.
  IrNode* lower(const Expr& e);
  /// The lowered value of a let or segment (by index in Symbols::values).
  IrNode* value(int index);

 private:
  IrNode* node(const Expr& e);
  IrNode* call(Fn fn, Type type, const Expr& e, std::vector<IrNode*> args);
  IrNode* widen(IrNode* n, TypeKind to);
  IrNode* constant(const Value& v, const Expr& e);
  IrNode* binary(const Expr& e);
  IrNode* builtin(const Expr& e);
  IrNode* aggregate(const Expr& e);

  const Sema& sema_;
  const TimeZone& zone_;
  IrProgram& program_;
  std::vector<IrNode*> values_;
};

}  // namespace herald
