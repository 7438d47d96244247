// Pass 4: types every expression (LANGUAGE.md section 3): int widens to float, `/` is float,
// `%` is int only, enum literals must be members, optional `T?` propagates, conditions are bool.

#include <fmt/format.h>
#include <re2/re2.h>

#include "compiler/sema/builtins.hpp"
#include "compiler/sema/const_fold.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

bool isText(const Type& t) { return t.kind == TypeKind::String || t.kind == TypeKind::Enum; }

/// The type both operands meet in (for `if` branches, `??`, equality); false when none.
bool unify(const Type& a, const Type& b, Type& out) {
  bool opt = a.optional || b.optional;
  if (a.isNumeric() && b.isNumeric()) {
    out = Type::of(a.kind == TypeKind::Int && b.kind == TypeKind::Int ? TypeKind::Int : TypeKind::Float, opt);
    return true;
  }
  if (a.kind == TypeKind::Enum && b.kind == TypeKind::Enum) {
    if (a.members && b.members && *a.members != *b.members) return false;
    out = a.withOptional(opt);
    return true;
  }
  if (isText(a) && isText(b)) {
    out = Type::of(TypeKind::String, opt);
    return true;
  }
  if (a.kind != b.kind) return false;
  out = a.withOptional(opt);
  return true;
}

class TypeChecker {
 public:
  explicit TypeChecker(Sema& sema) : s_(sema), syms_(sema.syms), valueState_(syms_.values.list.size(), 0) {
    s_.valueTypes.assign(syms_.values.list.size(), Type::error());
  }

  void run();
  Type type(Expr* e);

 private:
  Type compute(Expr* e);
  Type valueType(int index);
  Type unary(Expr* e);
  Type binary(Expr* e);
  Type comparison(Expr* e, Expr* lhs, Expr* rhs, Op op, Span at);
  Type text(Expr* e);
  Type in(Expr* e);
  Type ifExpr(Expr* e);
  Type builtin(Expr* e);
  Type aggregate(Expr* e);
  void checkEnumLiteral(const Type& enumType, Expr* other, const Expr* enumSide = nullptr);
  void expectBool(Expr* e, const std::string& what);
  void checkRegex(Expr* pattern);

  Sema& s_;
  Symbols& syms_;
  std::vector<int> valueState_;
  // A declaration the parser recovered in may have lost part of a clause: expectations about a
  // clause's type (bool audience, numeric priority) would only echo the syntax error.
  bool inBrokenDecl_ = false;
};

void TypeChecker::expectBool(Expr* e, const std::string& what) {
  if (!e) return;
  Type t = type(e);
  if (!t.isError() && t.kind != TypeKind::Bool && !inBrokenDecl_)
    s_.diags.report(DiagCode::NotBool, e->span, fmt::format("{} must be a bool condition, found {}", what, t.str()));
}

void TypeChecker::run() {
  for (size_t i = 0; i < syms_.values.list.size(); ++i) {
    ValueDecl* v = syms_.values.list[i];
    valueType(static_cast<int>(i));
    if (v->kind == DeclKind::Const && v->value && v->value->kind != ExprKind::Error) {
      if (!isConstantExpr(s_, *v->value)) {
        s_.diags.report(DiagCode::NotConstant, v->value->span,
                        fmt::format("const '{}' must not depend on the customer, events or `now`; use a `let`",
                                    v->name.name));
      } else if (Folded f = foldConstant(s_, *v->value); f.status == FoldStatus::Fails) {
        s_.diags.report(DiagCode::ConstantFails, v->value->span,
                        fmt::format("const '{}' cannot be computed: {}", v->name.name, f.error));
      }
    }
  }
  for (auto& owned : s_.pack.decls) {
    Decl& d = *owned;
    inBrokenDecl_ = d.broken;
    if (d.kind == DeclKind::Campaign) {
      auto& c = static_cast<CampaignDecl&>(d);
      if (c.trigger) expectBool(c.trigger->where.get(), "the trigger's `where`");
      expectBool(c.audience.get(), "the audience");
      if (c.priority) {
        Type t = type(c.priority.get());
        if (!t.isError() && !t.isNumeric() && !d.broken)
          s_.diags.report(DiagCode::NotNumeric, c.priority->span,
                          fmt::format("the priority must be a number, found {}", t.str()));
      }
      if (c.message)
        for (auto& p : c.message->pieces)
          if (p.expr) type(p.expr.get());
      for (Expr* e : {c.limit.get(), c.budget.get(), c.control.get(), c.delay.get()})
        if (e) type(e);
    } else if (d.kind == DeclKind::Response) {
      auto& r = static_cast<ResponseDecl&>(d);
      if (r.attribution) type(r.attribution.get());
      for (auto& b : r.branches) {
        expectBool(b.cond.get(), "a `when` condition");
        for (auto& nv : b.action.leadArgs) type(nv.value.get());
      }
    } else if (d.kind == DeclKind::Offer) {
      for (auto& nv : static_cast<OfferDecl&>(d).fields) type(nv.value.get());
    } else if (d.kind == DeclKind::Channel) {
      for (auto& nv : static_cast<ChannelDecl&>(d).fields) type(nv.value.get());
    } else if (d.kind == DeclKind::Policy) {
      for (auto& r : static_cast<PolicyDecl&>(d).rules) {
        type(r.count.get());
        type(r.window.get());
      }
    } else if (d.kind == DeclKind::Activity) {
      type(static_cast<ActivityDecl&>(d).perCustomer.get());
    }
  }
}

Type TypeChecker::valueType(int index) {
  if (valueState_[index] == 2) return s_.valueTypes[index];
  if (valueState_[index] == 1) return Type::error();  // a cycle, reported by check_cycles
  valueState_[index] = 1;
  ValueDecl* decl = syms_.values.list[index];
  Type t = decl->value ? type(decl->value.get()) : Type::error();
  // A segment the parser recovered in is not trusted to be what was written: uses of it are not
  // checked against a type that only echoes the syntax error.
  if (decl->kind == DeclKind::Segment && !t.isError() && t.kind != TypeKind::Bool) {
    if (!decl->broken)
      s_.diags.report(DiagCode::NotBool, decl->value->span,
                      fmt::format("segment '{}' must be a bool condition, found {}", decl->name.name, t.str()));
    t = Type::error();
  }
  s_.valueTypes[index] = t;
  valueState_[index] = 2;
  return t;
}

Type TypeChecker::type(Expr* e) {
  if (!e) return Type::error();
  Type t = compute(e);
  e->type = t;
  return t;
}

Type TypeChecker::compute(Expr* e) {
  switch (e->kind) {
    case ExprKind::Error:
    case ExprKind::Event: return Type::error();
    case ExprKind::Now: return Type::of(TypeKind::Timestamp);
    case ExprKind::Literal:
      switch (e->lit.kind) {
        case LitKind::Bool: return Type::of(TypeKind::Bool);
        case LitKind::Int: return Type::of(TypeKind::Int);
        case LitKind::Float: return Type::of(TypeKind::Float);
        case LitKind::String: return Type::of(TypeKind::String);
        case LitKind::Duration: return Type::of(TypeKind::Duration);
        case LitKind::Date:
        case LitKind::Timestamp: return Type::of(TypeKind::Timestamp);
        case LitKind::TimeOfDay:
          s_.diags.report(DiagCode::TimeOfDayValue, e->span,
                          "a time of day is only for schedules and quiet hours; in expressions use hour(...) or a "
                          "timestamp like 2026-03-01T09:00");
          return Type::error();
      }
      return Type::error();
    case ExprKind::Name:
      switch (e->ref) {
        case RefKind::CustomerField: return syms_.customerFieldType(e->refIndex);
        case RefKind::Const:
        case RefKind::Let:
        case RefKind::Segment: return valueType(e->refIndex);
        default: return Type::error();
      }
    case ExprKind::Field:
      if (e->ref == RefKind::EventField) return syms_.eventFieldType(e->eventIndex, e->fieldIndex);
      if (e->ref == RefKind::OfferField) {
        Expr* v = syms_.offers.list[e->refIndex]->fields[e->fieldIndex].value.get();
        return type(v).withOptional(false);
      }
      return Type::error();
    case ExprKind::List:
      s_.diags.report(DiagCode::ListOutsideIn, e->span, "a list [...] may only follow `in` or `not in`");
      for (auto& a : e->args) type(a.get());
      return Type::error();
    case ExprKind::Unary: return unary(e);
    case ExprKind::Binary: return binary(e);
    case ExprKind::Between: {
      if (e->args[0]->type.isError()) type(e->args[0].get());
      if (e->args[0]->type.kind == TypeKind::Enum) {
        type(e->args[1].get());
        type(e->args[2].get());
        s_.diags.report(DiagCode::EnumOrdering, e->span,
                        "enums cannot be ordered with `between`; compare them with == or `in [...]`");
        return Type::error();
      }
      Type a = comparison(e, e->args[0].get(), e->args[1].get(), Op::Ge, e->span);
      Type b = comparison(e, e->args[0].get(), e->args[2].get(), Op::Le, e->span);
      if (a.isError() || b.isError()) return Type::error();
      return Type::of(TypeKind::Bool, a.optional || b.optional);
    }
    case ExprKind::In: return in(e);
    case ExprKind::If: return ifExpr(e);
    case ExprKind::Call:
      if (e->ref == RefKind::Builtin) return builtin(e);
      if (e->ref == RefKind::Aggregate) return aggregate(e);
      for (auto& a : e->args) type(a.get());
      if (e->filters) {
        type(e->filters->where.get());
        type(e->filters->within.get());
      }
      return Type::error();
  }
  return Type::error();
}

Type TypeChecker::unary(Expr* e) {
  Type t = type(e->args[0].get());
  if (t.isError()) return t;
  if (e->op == Op::Not) {
    if (t.kind == TypeKind::Bool) return t;
    s_.diags.report(DiagCode::OperandTypes, e->span, fmt::format("`not` needs a bool, found {}", t.str()));
    return Type::error();
  }
  if (t.isNumeric() || t.kind == TypeKind::Duration) return t;
  s_.diags.report(DiagCode::OperandTypes, e->span, fmt::format("cannot negate a {}", t.str()));
  return Type::error();
}

void TypeChecker::checkEnumLiteral(const Type& enumType, Expr* other, const Expr* enumSide) {
  if (enumType.kind != TypeKind::Enum || !enumType.members) return;
  Folded f = foldConstant(s_, *other);
  if (!f.ok() || f.value.kind != TypeKind::String) return;
  for (auto& m : *enumType.members)
    if (m == f.value.text) return;
  std::string hint = didYouMean(f.value.text, *enumType.members);
  std::string owner = enumSide && enumSide->kind == ExprKind::Name ? fmt::format("'{}', which is ", enumSide->name) : "";
  s_.diags.report(DiagCode::NotEnumMember, other->span,
                  fmt::format("\"{}\" is not a value of {}{}{}", f.value.text, owner,
                              enumType.withOptional(false).str(), hint));
}

Type TypeChecker::comparison(Expr* e, Expr* lhs, Expr* rhs, Op op, Span at) {
  Type a = lhs->type.isError() ? type(lhs) : lhs->type;
  Type b = rhs->type.isError() ? type(rhs) : rhs->type;
  if (a.isError() || b.isError()) return Type::error();
  bool opt = a.optional || b.optional;
  bool equality = op == Op::Eq || op == Op::Ne;
  if (equality) {
    Type common;
    if (unify(a, b, common) && a.kind != TypeKind::Set && a.kind != TypeKind::List) {
      checkEnumLiteral(a, rhs, lhs);
      checkEnumLiteral(b, lhs, rhs);
      return Type::of(TypeKind::Bool, opt);
    }
  } else {
    if (a.kind == TypeKind::Enum || b.kind == TypeKind::Enum) {
      s_.diags.report(DiagCode::EnumOrdering, at,
                      fmt::format("enums cannot be ordered with `{}`; compare them with == or `in [...]`", opText(op)));
      return Type::error();
    }
    bool ordered = (a.isNumeric() && b.isNumeric()) ||
                   (a.kind == b.kind && (a.kind == TypeKind::String || a.kind == TypeKind::Timestamp ||
                                         a.kind == TypeKind::Duration));
    if (ordered) return Type::of(TypeKind::Bool, opt);
  }
  s_.diags.report(DiagCode::OperandTypes, at,
                  fmt::format("cannot compare {} with {} using `{}`", a.str(), b.str(),
                              e->kind == ExprKind::Between ? "between" : opText(op)));
  return Type::error();
}

Type TypeChecker::binary(Expr* e) {
  Op op = e->op;
  if (op == Op::Eq || op == Op::Ne || op == Op::Lt || op == Op::Le || op == Op::Gt || op == Op::Ge)
    return comparison(e, e->args[0].get(), e->args[1].get(), op, e->span);
  if (op == Op::Matches || op == Op::Contains || op == Op::StartsWith || op == Op::EndsWith) return text(e);
  Type a = type(e->args[0].get());
  Type b = type(e->args[1].get());
  if (a.isError() || b.isError()) return Type::error();
  bool opt = a.optional || b.optional;
  auto fail = [&](std::string msg) {
    s_.diags.report(op == Op::Mod ? DiagCode::ModNotInt : DiagCode::OperandTypes, e->span, std::move(msg));
    return Type::error();
  };
  auto is = [](const Type& t, TypeKind k) { return t.kind == k; };
  switch (op) {
    case Op::And:
    case Op::Or:
      if (is(a, TypeKind::Bool) && is(b, TypeKind::Bool)) return Type::of(TypeKind::Bool, opt);
      return fail(fmt::format("`{}` needs bool operands, found {} and {}", opText(op), a.str(), b.str()));
    case Op::Add:
    case Op::Sub:
      if (a.isNumeric() && b.isNumeric())
        return Type::of(is(a, TypeKind::Int) && is(b, TypeKind::Int) ? TypeKind::Int : TypeKind::Float, opt);
      if (is(a, TypeKind::Duration) && is(b, TypeKind::Duration)) return Type::of(TypeKind::Duration, opt);
      if (is(a, TypeKind::Timestamp) && is(b, TypeKind::Duration)) return Type::of(TypeKind::Timestamp, opt);
      if (op == Op::Add && is(a, TypeKind::Duration) && is(b, TypeKind::Timestamp))
        return Type::of(TypeKind::Timestamp, opt);
      if (op == Op::Sub && is(a, TypeKind::Timestamp) && is(b, TypeKind::Timestamp))
        return Type::of(TypeKind::Duration, opt);
      if (op == Op::Add && isText(a) && isText(b))
        return fail("`+` does not join strings; build text in a message with {placeholders}");
      return fail(fmt::format("cannot {} {} and {}", op == Op::Add ? "add" : "subtract", a.str(), b.str()));
    case Op::Mul:
      if (a.isNumeric() && b.isNumeric())
        return Type::of(is(a, TypeKind::Int) && is(b, TypeKind::Int) ? TypeKind::Int : TypeKind::Float, opt);
      if ((is(a, TypeKind::Duration) && b.isNumeric()) || (a.isNumeric() && is(b, TypeKind::Duration)))
        return Type::of(TypeKind::Duration, opt);
      return fail(fmt::format("cannot multiply {} by {}", a.str(), b.str()));
    case Op::Div:
      if ((a.isNumeric() && b.isNumeric()) || (is(a, TypeKind::Duration) && is(b, TypeKind::Duration)))
        return Type::of(TypeKind::Float, opt);
      return fail(fmt::format("cannot divide {} by {}", a.str(), b.str()));
    case Op::Mod:
      if (is(a, TypeKind::Int) && is(b, TypeKind::Int)) return Type::of(TypeKind::Int, opt);
      return fail(fmt::format("`%` needs two ints, found {} and {}", a.str(), b.str()));
    case Op::Coalesce: {
      Type common;
      if (!unify(a, b, common))
        return fail(fmt::format("`??` needs a replacement of the same type: {} ?? {}", a.str(), b.str()));
      checkEnumLiteral(a, e->args[1].get(), e->args[0].get());
      return common.withOptional(b.optional);
    }
    default: return Type::error();
  }
}

void TypeChecker::checkRegex(Expr* pattern) {
  Folded f = foldConstant(s_, *pattern);
  if (!f.ok() || f.value.kind != TypeKind::String) {
    s_.diags.report(DiagCode::PatternNotConstant, pattern->span,
                    "a `matches` pattern must be a constant string (a literal, r\"...\" or a const), so it is "
                    "checked once here");
    return;
  }
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(f.value.text, options);
  if (!re.ok())
    s_.diags.report(DiagCode::BadRegex, pattern->span, fmt::format("invalid regular expression: {}", re.error()));
}

Type TypeChecker::text(Expr* e) {
  Type a = type(e->args[0].get());
  Type b = type(e->args[1].get());
  if (a.isError() || b.isError()) return Type::error();
  if (!isText(a) || b.kind != TypeKind::String) {
    s_.diags.report(DiagCode::OperandTypes, e->span,
                    fmt::format("`{}` needs strings, found {} and {}", opText(e->op), a.str(), b.str()));
    return Type::error();
  }
  if (e->op == Op::Matches) checkRegex(e->args[1].get());
  return Type::of(TypeKind::Bool, a.optional || b.optional);
}

Type TypeChecker::in(Expr* e) {
  Type x = type(e->args[0].get());
  Expr* rhs = e->args[1].get();
  if (rhs->kind == ExprKind::List) {
    bool bad = false;
    Type elem;
    for (auto& item : rhs->args) {
      Type t = type(item.get());
      if (t.isError() || x.isError()) {
        bad = true;
        continue;
      }
      Type common;
      if (!unify(x, t, common) || t.kind == TypeKind::Set) {
        s_.diags.report(DiagCode::BadIn, item->span,
                        fmt::format("list item of type {} cannot be compared with {}", t.str(), x.str()));
        bad = true;
        continue;
      }
      checkEnumLiteral(x, item.get(), e->args[0].get());
      elem = t;
    }
    rhs->type = Type::of(TypeKind::List);
    rhs->type.elem = elem.kind;
    if (bad || x.isError()) return Type::error();
    return Type::of(TypeKind::Bool, x.optional);
  }
  Type set = type(rhs);
  if (x.isError() || set.isError()) return Type::error();
  if (set.kind != TypeKind::Set) {
    s_.diags.report(DiagCode::BadIn, rhs->span,
                    fmt::format("`in` needs a list [...] or a set<string>, found {}", set.str()));
    return Type::error();
  }
  if (!isText(x)) {
    s_.diags.report(DiagCode::BadIn, e->args[0]->span,
                    fmt::format("a set<string> holds strings; {} cannot be in it", x.str()));
    return Type::error();
  }
  return Type::of(TypeKind::Bool, x.optional || set.optional);
}

Type TypeChecker::ifExpr(Expr* e) {
  expectBool(e->args[0].get(), "the condition of `if`");
  Type a = type(e->args[1].get());
  Type b = type(e->args[2].get());
  if (a.isError() || b.isError()) return Type::error();
  Type common;
  if (!unify(a, b, common)) {
    s_.diags.report(DiagCode::IfBranches, e->span,
                    fmt::format("`if` branches must have one type: `then` gives {}, `else` gives {}", a.str(), b.str()));
    return Type::error();
  }
  checkEnumLiteral(a, e->args[2].get());
  checkEnumLiteral(b, e->args[1].get());
  return common;
}

Type TypeChecker::builtin(Expr* e) {
  auto b = static_cast<Builtin>(e->refIndex);
  std::vector<Type> args;
  bool anyError = false, opt = false;
  for (auto& a : e->args) {
    args.push_back(type(a.get()));
    anyError |= args.back().isError();
    opt |= args.back().optional;
  }
  if (anyError) return Type::error();
  const BuiltinInfo& info = builtinInfo(b);
  auto bad = [&]() {
    std::string found;
    for (size_t i = 0; i < args.size(); ++i) found += (i ? ", " : "") + args[i].str();
    s_.diags.report(DiagCode::BadArguments, e->span,
                    fmt::format("{} does not take ({}): {}", info.name, found, info.signature));
    return Type::error();
  };
  auto allNumeric = [&] {
    for (auto& t : args)
      if (!t.isNumeric()) return false;
    return true;
  };
  auto allInt = [&] {
    for (auto& t : args)
      if (t.kind != TypeKind::Int) return false;
    return true;
  };
  auto allKind = [&](TypeKind k) {
    for (auto& t : args)
      if (t.kind != k) return false;
    return true;
  };
  const Type& a0 = args[0];
  switch (b) {
    case Builtin::Len:
      if (isText(a0) || a0.kind == TypeKind::Set) return Type::of(TypeKind::Int, opt);
      return bad();
    case Builtin::Lower:
    case Builtin::Upper:
    case Builtin::Trim:
      if (isText(a0)) return Type::of(TypeKind::String, opt);
      return bad();
    case Builtin::Abs:
    case Builtin::Round:
    case Builtin::Floor:
    case Builtin::Ceil:
      if (a0.isNumeric() || (b == Builtin::Abs && a0.kind == TypeKind::Duration)) return a0;
      return bad();
    case Builtin::Min:
    case Builtin::Max:
    case Builtin::Clamp:
      if (allNumeric()) return Type::of(allInt() ? TypeKind::Int : TypeKind::Float, opt);
      if (allKind(TypeKind::Duration)) return Type::of(TypeKind::Duration, opt);
      if (allKind(TypeKind::Timestamp)) return Type::of(TypeKind::Timestamp, opt);
      return bad();
    case Builtin::Sqrt:
    case Builtin::Log:
    case Builtin::Exp:
    case Builtin::Sigmoid:
      if (a0.isNumeric()) return Type::of(TypeKind::Float, opt);
      return bad();
    case Builtin::DaysSince:
    case Builtin::HoursSince:
    case Builtin::Hour:
    case Builtin::Weekday:
    case Builtin::Month:
    case Builtin::Year:
      if (a0.kind == TypeKind::Timestamp) return Type::of(TypeKind::Int, opt);
      return bad();
    case Builtin::Date:
      if (a0.kind == TypeKind::Timestamp) return Type::of(TypeKind::Timestamp, opt);
      return bad();
    case Builtin::Has: {
      Expr* arg = e->args[0].get();
      bool field = (arg->kind == ExprKind::Name && arg->ref == RefKind::CustomerField) ||
                   (arg->kind == ExprKind::Field && arg->ref == RefKind::EventField);
      if (!field) {
        s_.diags.report(DiagCode::HasNotField, arg->span, "`has` takes a field, e.g. has(age)");
        return Type::error();
      }
      return Type::of(TypeKind::Bool);
    }
    case Builtin::InList:
      if (isText(a0)) return Type::of(TypeKind::Bool, opt);
      return bad();
    case Builtin::Bucket: {
      if (!isText(a0) || args[1].kind != TypeKind::Int) return bad();
      Folded n = foldConstant(s_, *e->args[1]);
      if (n.ok() && n.value.integer < 1) {
        s_.diags.report(DiagCode::BadArguments, e->args[1]->span, "bucket needs n >= 1 buckets");
        return Type::error();
      }
      return Type::of(TypeKind::Int, opt);
    }
  }
  return Type::error();
}

Type TypeChecker::aggregate(Expr* e) {
  auto agg = static_cast<Aggregate>(e->refIndex);
  AggFilters* f = e->filters.get();
  if (f && f->where) expectBool(f->where.get(), "an aggregate's `where`");
  if (f && f->within) {
    Type w = type(f->within.get());
    if (!w.isError()) {
      Folded v = foldConstant(s_, *f->within);
      if (w.kind != TypeKind::Duration || !isConstantExpr(s_, *f->within))
        s_.diags.report(DiagCode::BadAggregate, f->within->span,
                        fmt::format("`within` takes a constant duration like 30d, found {}", w.str()));
      else if (v.ok() && v.value.integer <= 0)
        s_.diags.report(DiagCode::BadAggregate, f->within->span, "`within` must be a positive duration");
    }
  }
  if (agg == Aggregate::Count || agg == Aggregate::Contacts || agg == Aggregate::Responses)
    return Type::of(TypeKind::Int);
  Type field = syms_.eventFieldType(e->eventIndex, e->fieldIndex);
  if (e->args.size() == 1) e->args[0]->type = field;
  if (field.isError()) return field;
  const char* name = aggregateName(agg);
  switch (agg) {
    case Aggregate::Sum:
    case Aggregate::Avg:
      if (!field.isNumeric()) {
        s_.diags.report(DiagCode::BadAggregate, e->args[0]->span,
                        fmt::format("{} needs a number field, found {}", name, field.str()));
        return Type::error();
      }
      return Type::of(TypeKind::Float, agg == Aggregate::Avg);
    case Aggregate::Min:
    case Aggregate::Max:
      if (!field.isNumeric() && field.kind != TypeKind::Timestamp && field.kind != TypeKind::Duration &&
          field.kind != TypeKind::String) {
        s_.diags.report(DiagCode::BadAggregate, e->args[0]->span,
                        fmt::format("{} needs a field that can be ordered, found {}", name, field.str()));
        return Type::error();
      }
      return field.withOptional(true);
    default: return field.withOptional(true);
  }
}

}  // namespace

void checkTypes(Sema& sema) { TypeChecker(sema).run(); }

void checkStandaloneExprTypes(Sema& sema, Expr& e) { TypeChecker(sema).type(&e); }

}  // namespace herald
