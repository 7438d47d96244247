#include "compiler/ir/lower.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "compiler/sema/const_fold.hpp"

namespace herald {

Fn builtinFn(Builtin b) { return static_cast<Fn>(static_cast<int>(Fn::InSet) + 1 + static_cast<int>(b)); }

const char* fnName(Fn fn) {
  static const char* kOps[] = {"+", "-", "*", "/", "%", "-", "float", "==", "!=", "<", "<=", ">", ">=",
                               "matches", "contains", "starts_with", "ends_with", "in", "in"};
  int i = static_cast<int>(fn);
  if (i < static_cast<int>(std::size(kOps))) return kOps[i];
  return builtinInfo(static_cast<Builtin>(i - static_cast<int>(std::size(kOps)))).name.data();
}

namespace {

Value toValue(const ConstValue& c) {
  switch (c.kind) {
    case TypeKind::Bool: return Value::makeBool(c.boolean);
    case TypeKind::Int: return Value::makeInt(c.integer);
    case TypeKind::Duration: return Value::makeInt(c.integer, TypeKind::Duration);
    case TypeKind::Float: return Value::makeFloat(c.real);
    case TypeKind::String: return Value::makeString(c.text);
    default: return Value::makeUnknown();
  }
}

/// A string constant met with an enum becomes an enum constant holding its member index too,
/// so columnar code can compare enums as small integers.
IrNode* asEnum(IrProgram& program, IrNode* n, const Type& enumType) {
  if (n->kind != IrKind::Const || n->type.kind != TypeKind::String || !n->value.known() || !enumType.members)
    return n;
  const auto& members = *enumType.members;
  auto it = std::find(members.begin(), members.end(), n->value.text);
  if (it == members.end()) return n;
  IrNode* c = program.make(IrKind::Const, enumType.withOptional(false), n->span);
  c->value = Value::makeString(n->value.text, TypeKind::Enum);
  c->value.integer = it - members.begin();
  c->source = n->source;
  return c;
}

}  // namespace

Lowering::Lowering(const Sema& sema, const TimeZone& zone, IrProgram& program)
    : sema_(sema), zone_(zone), program_(program), values_(sema.syms.values.list.size(), nullptr) {}

IrNode* Lowering::lower(const Expr& e) { return node(e); }

IrNode* Lowering::value(int index) {
  if (!values_[index]) values_[index] = node(*sema_.syms.values.list[index]->value);
  return values_[index];
}

IrNode* Lowering::constant(const Value& v, const Expr& e) {
  IrNode* n = program_.make(IrKind::Const, e.type, e.span);
  n->value = v;
  n->source = &e;
  return n;
}

IrNode* Lowering::call(Fn fn, Type type, const Expr& e, std::vector<IrNode*> args) {
  IrNode* n = program_.make(IrKind::Call, type, e.span);
  n->fn = fn;
  n->args = std::move(args);
  n->source = &e;
  return n;
}

IrNode* Lowering::widen(IrNode* n, TypeKind to) {
  if (to != TypeKind::Float || n->type.kind != TypeKind::Int) return n;
  if (n->kind == IrKind::Const && n->value.known()) {
    IrNode* c = program_.make(IrKind::Const, Type::of(TypeKind::Float), n->span);
    c->value = Value::makeFloat(static_cast<double>(n->value.integer));
    c->source = n->source;
    return c;
  }
  IrNode* w = program_.make(IrKind::Call, Type::of(TypeKind::Float, n->type.optional), n->span);
  w->fn = Fn::IntToFloat;
  w->args = {n};
  w->source = n->source;
  return w;
}

IrNode* Lowering::node(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: {
      const Literal& l = e.lit;
      switch (l.kind) {
        case LitKind::Bool: return constant(Value::makeBool(l.boolean), e);
        case LitKind::Int: return constant(Value::makeInt(l.integer), e);
        case LitKind::Float: return constant(Value::makeFloat(l.real), e);
        case LitKind::String: return constant(Value::makeString(l.text), e);
        case LitKind::Duration: return constant(Value::makeInt(l.integer, TypeKind::Duration), e);
        case LitKind::Date:
        case LitKind::Timestamp:
          return constant(Value::makeInt(zone_.toInstant(l.civil), TypeKind::Timestamp), e);
        case LitKind::TimeOfDay: break;
      }
      return constant(Value::makeUnknown(), e);
    }
    case ExprKind::Name:
      switch (e.ref) {
        case RefKind::CustomerField: {
          IrNode* n = program_.make(IrKind::Field, e.type, e.span);
          n->index = e.refIndex;
          n->source = &e;
          return n;
        }
        case RefKind::Const: return constant(toValue(foldConstant(sema_, e).value), e);
        case RefKind::Let:
        case RefKind::Segment: return value(e.refIndex);
        default: return constant(Value::makeUnknown(), e);
      }
    case ExprKind::Field: {
      if (e.ref == RefKind::OfferField) {
        const Expr& v = *sema_.syms.offers.list[e.refIndex]->fields[e.fieldIndex].value;
        Folded f = foldConstant(sema_, v);
        return constant(toValue(f.value), e);
      }
      IrNode* n = program_.make(IrKind::EventField, e.type, e.span);
      n->index = e.fieldIndex;
      n->eventType = e.eventIndex;
      n->source = &e;
      return n;
    }
    case ExprKind::Now: {
      IrNode* n = program_.make(IrKind::Now, e.type, e.span);
      n->source = &e;
      return n;
    }
    case ExprKind::Unary: {
      IrNode* a = node(*e.args[0]);
      if (e.op == Op::Not) {
        IrNode* n = program_.make(IrKind::Not, e.type, e.span);
        n->args = {a};
        n->source = &e;
        return n;
      }
      return call(Fn::Neg, e.type, e, {a});
    }
    case ExprKind::Binary: return binary(e);
    case ExprKind::Between: {
      IrNode* x = node(*e.args[0]);
      IrNode* lo = node(*e.args[1]);
      IrNode* hi = node(*e.args[2]);
      bool flt = x->type.kind == TypeKind::Float || lo->type.kind == TypeKind::Float || hi->type.kind == TypeKind::Float;
      TypeKind to = flt ? TypeKind::Float : x->type.kind;
      Type b = Type::of(TypeKind::Bool, e.type.optional);
      IrNode* ge = call(Fn::Ge, b, e, {widen(x, to), widen(lo, to)});
      IrNode* le = call(Fn::Le, b, e, {widen(x, to), widen(hi, to)});
      IrNode* n = program_.make(IrKind::And, e.type, e.span);
      n->args = {ge, le};
      n->source = &e;
      return n;
    }
    case ExprKind::In: {
      IrNode* x = node(*e.args[0]);
      const Expr& rhs = *e.args[1];
      IrNode* in;
      if (rhs.kind == ExprKind::List) {
        std::vector<IrNode*> items;
        bool flt = x->type.kind == TypeKind::Float;
        for (auto& item : rhs.args) {
          items.push_back(node(*item));
          flt |= items.back()->type.kind == TypeKind::Float;
        }
        std::vector<IrNode*> args{widen(x, flt ? TypeKind::Float : x->type.kind)};
        for (IrNode* item : items) {
          IrNode* w = widen(item, flt ? TypeKind::Float : item->type.kind);
          args.push_back(x->type.kind == TypeKind::Enum ? asEnum(program_, w, x->type) : w);
        }
        in = call(Fn::InItems, Type::of(TypeKind::Bool, e.type.optional), e, std::move(args));
      } else {
        in = call(Fn::InSet, Type::of(TypeKind::Bool, e.type.optional), e, {x, node(rhs)});
      }
      if (!e.negated) return in;
      IrNode* n = program_.make(IrKind::Not, e.type, e.span);
      n->args = {in};
      n->source = &e;
      return n;
    }
    case ExprKind::If: {
      IrNode* n = program_.make(IrKind::If, e.type, e.span);
      n->args = {node(*e.args[0]), widen(node(*e.args[1]), e.type.kind), widen(node(*e.args[2]), e.type.kind)};
      n->source = &e;
      return n;
    }
    case ExprKind::Call:
      if (e.ref == RefKind::Aggregate) return aggregate(e);
      return builtin(e);
    default: return constant(Value::makeUnknown(), e);
  }
}

IrNode* Lowering::binary(const Expr& e) {
  IrNode* a = node(*e.args[0]);
  IrNode* b = node(*e.args[1]);
  switch (e.op) {
    case Op::And:
    case Op::Or:
    case Op::Coalesce: {
      IrNode* n = program_.make(e.op == Op::And ? IrKind::And : e.op == Op::Or ? IrKind::Or : IrKind::Coalesce, e.type,
                                e.span);
      n->args = {widen(a, e.type.kind), widen(b, e.type.kind)};
      n->source = &e;
      return n;
    }
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      bool flt = a->type.kind == TypeKind::Float || b->type.kind == TypeKind::Float;
      Fn fn = e.op == Op::Eq ? Fn::Eq : e.op == Op::Ne ? Fn::Ne : e.op == Op::Lt ? Fn::Lt
              : e.op == Op::Le ? Fn::Le : e.op == Op::Gt ? Fn::Gt : Fn::Ge;
      if (flt) {
        a = widen(a, TypeKind::Float);
        b = widen(b, TypeKind::Float);
      }
      if (a->type.kind == TypeKind::Enum) b = asEnum(program_, b, a->type);
      if (b->type.kind == TypeKind::Enum) a = asEnum(program_, a, b->type);
      return call(fn, e.type, e, {a, b});
    }
    case Op::Matches: {
      IrNode* n = call(Fn::Matches, e.type, e, {a, b});
      if (b->kind == IrKind::Const && b->value.known()) {
        RE2::Options options;
        options.set_log_errors(false);
        n->regex = std::make_shared<RE2>(b->value.text, options);
      }
      return n;
    }
    case Op::Contains: return call(Fn::Contains, e.type, e, {a, b});
    case Op::StartsWith: return call(Fn::StartsWith, e.type, e, {a, b});
    case Op::EndsWith: return call(Fn::EndsWith, e.type, e, {a, b});
    default: break;
  }
  Fn fn = e.op == Op::Add ? Fn::Add : e.op == Op::Sub ? Fn::Sub : e.op == Op::Mul ? Fn::Mul
          : e.op == Op::Div ? Fn::Div : Fn::Mod;
  // Numbers meet in float when either is float, and `/` of numbers is always float.
  bool numeric = a->type.isNumeric() && b->type.isNumeric();
  if (numeric && (e.type.kind == TypeKind::Float)) {
    a = widen(a, TypeKind::Float);
    b = widen(b, TypeKind::Float);
  }
  if (fn == Fn::Mul && e.type.kind == TypeKind::Duration) {  // duration * number: the number as float
    a = a->type.kind == TypeKind::Duration ? a : widen(a, TypeKind::Float);
    b = b->type.kind == TypeKind::Duration ? b : widen(b, TypeKind::Float);
  }
  return call(fn, e.type, e, {a, b});
}

IrNode* Lowering::builtin(const Expr& e) {
  auto b = static_cast<Builtin>(e.refIndex);
  std::vector<IrNode*> args;
  for (auto& a : e.args) args.push_back(node(*a));
  if ((b == Builtin::Min || b == Builtin::Max || b == Builtin::Clamp) && e.type.kind == TypeKind::Float)
    for (auto& a : args) a = widen(a, TypeKind::Float);
  return call(builtinFn(b), e.type, e, std::move(args));
}

IrNode* Lowering::aggregate(const Expr& e) {
  IrNode* n = program_.make(IrKind::Aggregate, e.type, e.span);
  n->agg = static_cast<Aggregate>(e.refIndex);
  n->eventType = e.eventIndex;
  n->index = e.fieldIndex;
  n->source = &e;
  if (e.filters) {
    if (e.filters->where) n->where = node(*e.filters->where);
    if (e.filters->within) n->within = foldConstant(sema_, *e.filters->within).value.integer;
    if (e.filters->on) n->channel = e.filters->on->name;
    if (e.filters->forName) n->campaign = e.filters->forName->name;
  }
  return n;
}

}  // namespace herald
