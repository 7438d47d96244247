#pragma once
// The typed expression IR: a small DAG lowered from the checked AST. Names are gone (lets and
// segments are inlined and shared, consts folded, offer fields are constants); operators and
// built-ins are calls of one function table (stdlib/Builtins.def plus the operators below), so
// the interpreter and the JIT dispatch the same way.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.hpp"
#include "compiler/ir/value.hpp"
#include "compiler/sema/builtins.hpp"

namespace re2 {
class RE2;
}

namespace herald {

/// Functions an IR call may name: the operators, then every built-in of Builtins.def.
enum class Fn : uint16_t {
  // arithmetic (operand kinds decide int, float, timestamp and duration forms)
  Add, Sub, Mul, Div, Mod, Neg, IntToFloat,
  // comparisons of two operands of one kind (int/float already widened to float)
  Eq, Ne, Lt, Le, Gt, Ge,
  // text
  Matches, Contains, StartsWith, EndsWith,
  // membership: InItems(x, e1, e2, ...) for `in [..]`; InSet(x, set)
  InItems, InSet,
#define HERALD_BUILTIN(Id, Name, Min, Max, Sig) Id,
#include "stdlib/Builtins.def"
#undef HERALD_BUILTIN
};

/// The Fn of a built-in.
Fn builtinFn(Builtin b);
/// How a function is written, for explain and dumps.
const char* fnName(Fn fn);

enum class IrKind : uint8_t {
  Const,       // `value`
  Field,       // customer column `index`
  EventField,  // the current event's field `index` (kEventAtField, kEventCustomerField or declared)
  Now,
  Call,        // fn(args...): strict, any error or unknown argument decides (see interp)
  And, Or, Not, If, Coalesce,  // Kleene logic and lazy forms
  Aggregate,   // history aggregate `agg` over event type `eventType`, field `index`
};

/// One IR node. Nodes are owned by an IrProgram and may be shared (a segment used twice).
struct IrNode {
  IrKind kind = IrKind::Const;
  Type type;
  Span span;
  Fn fn = Fn::Add;
  std::vector<IrNode*> args;
  Value value;        // Const
  int index = -1;     // Field, EventField, Aggregate: the field read
  int eventType = -1; // Aggregate, EventField
  Aggregate agg = Aggregate::Count;
  IrNode* where = nullptr;      // Aggregate: per stored event
  int64_t within = -1;          // Aggregate: window in seconds, -1: all history
  std::string channel;          // contacts(on CHANNEL)
  std::string campaign;         // contacts(for campaign C)
  std::shared_ptr<re2::RE2> regex;  // Matches with a constant pattern
  const Expr* source = nullptr; // the AST node it came from (explain shows its text)
};

/// Owns IR nodes.
class IrProgram {
 public:
  IrNode* make(IrKind kind, Type type, Span span) {
    nodes_.push_back(std::make_unique<IrNode>());
    IrNode* n = nodes_.back().get();
    n->kind = kind;
    n->type = type;
    n->span = span;
    return n;
  }
  size_t size() const { return nodes_.size(); }

 private:
  std::vector<std::unique_ptr<IrNode>> nodes_;
};

}  // namespace herald
