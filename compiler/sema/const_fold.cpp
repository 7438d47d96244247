#include "compiler/sema/const_fold.hpp"

#include <cmath>

#include "compiler/sema/builtins.hpp"

namespace herald {
namespace {

Folded value(ConstValue v) { return Folded{FoldStatus::Value, std::move(v), {}}; }
Folded notConstant() { return Folded{}; }
Folded fails(std::string why) { return Folded{FoldStatus::Fails, {}, std::move(why)}; }

ConstValue boolean(bool b) {
  ConstValue v;
  v.kind = TypeKind::Bool;
  v.boolean = b;
  return v;
}

ConstValue integer(TypeKind kind, int64_t i) {
  ConstValue v;
  v.kind = kind;
  v.integer = i;
  return v;
}

ConstValue real(double d) {
  ConstValue v;
  v.kind = TypeKind::Float;
  v.real = d;
  return v;
}

class Folder {
 public:
  explicit Folder(const Sema& sema) : s_(sema) {}

  Folded fold(const Expr& e) {
    if (++depth_ > 64) return notConstant();  // a cycle (reported elsewhere) or absurd nesting
    Folded r = foldNode(e);
    --depth_;
    return r;
  }

 private:
  Folded foldNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Literal: return literal(e.lit);
      case ExprKind::Name:
        if (e.ref == RefKind::Const) return fold(*s_.syms.values.list[e.refIndex]->value);
        return notConstant();
      case ExprKind::Unary: return unary(e);
      case ExprKind::Binary: return binary(e);
      case ExprKind::If: {
        Folded c = fold(*e.args[0]);
        if (!c.ok()) return c;
        return fold(c.value.boolean ? *e.args[1] : *e.args[2]);
      }
      default: return notConstant();
    }
  }

  static Folded literal(const Literal& l) {
    switch (l.kind) {
      case LitKind::Bool: return value(boolean(l.boolean));
      case LitKind::Int: return value(integer(TypeKind::Int, l.integer));
      case LitKind::Float: return value(real(l.real));
      case LitKind::Duration: return value(integer(TypeKind::Duration, l.integer));
      case LitKind::String: {
        ConstValue v;
        v.kind = TypeKind::String;
        v.text = l.text;
        return value(v);
      }
      default: return notConstant();
    }
  }

  Folded unary(const Expr& e) {
    Folded a = fold(*e.args[0]);
    if (!a.ok()) return a;
    ConstValue v = a.value;
    if (e.op == Op::Not && v.kind == TypeKind::Bool) return value(boolean(!v.boolean));
    if (e.op == Op::Neg) {
      if (v.kind == TypeKind::Float) return value(real(-v.real));
      if (v.kind == TypeKind::Int || v.kind == TypeKind::Duration) {
        if (v.integer == INT64_MIN) return fails("int overflow");
        return value(integer(v.kind, -v.integer));
      }
    }
    return notConstant();
  }

  Folded logic(const Expr& e) {
    bool isAnd = e.op == Op::And;
    Folded a = fold(*e.args[0]), b = fold(*e.args[1]);
    // The deciding value (false for and, true for or) wins whatever the other side is.
    for (const Folded* f : {&a, &b})
      if (f->ok() && f->value.kind == TypeKind::Bool && f->value.boolean != isAnd) return value(boolean(!isAnd));
    if (a.status == FoldStatus::Fails) return a;
    if (b.status == FoldStatus::Fails) return b;
    if (a.ok() && b.ok()) return value(boolean(isAnd));
    return notConstant();
  }

  Folded binary(const Expr& e) {
    if (e.op == Op::And || e.op == Op::Or) return logic(e);
    if (e.op == Op::Coalesce) return fold(*e.args[0]);  // a constant is never unknown
    Folded fa = fold(*e.args[0]);
    if (!fa.ok()) return fa;
    Folded fb = fold(*e.args[1]);
    if (!fb.ok()) return fb;
    const ConstValue &a = fa.value, &b = fb.value;
    bool numeric = (a.kind == TypeKind::Int || a.kind == TypeKind::Float) &&
                   (b.kind == TypeKind::Int || b.kind == TypeKind::Float);
    bool ints = a.kind == TypeKind::Int && b.kind == TypeKind::Int;
    switch (e.op) {
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        int cmp;
        if (numeric && !ints) cmp = a.number() < b.number() ? -1 : a.number() > b.number() ? 1 : 0;
        else if (a.kind == TypeKind::String && b.kind == TypeKind::String) cmp = a.text.compare(b.text);
        else if (a.kind == b.kind && a.kind == TypeKind::Bool) cmp = int(a.boolean) - int(b.boolean);
        else if (a.kind == b.kind) cmp = a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
        else return notConstant();
        bool r = e.op == Op::Eq ? cmp == 0 : e.op == Op::Ne ? cmp != 0 : e.op == Op::Lt ? cmp < 0
                 : e.op == Op::Le ? cmp <= 0 : e.op == Op::Gt ? cmp > 0 : cmp >= 0;
        return value(boolean(r));
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul: {
        if (ints || (a.kind == TypeKind::Duration && b.kind == TypeKind::Duration && e.op != Op::Mul)) {
          int64_t r;
          bool over = e.op == Op::Add ? __builtin_add_overflow(a.integer, b.integer, &r)
                      : e.op == Op::Sub ? __builtin_sub_overflow(a.integer, b.integer, &r)
                                        : __builtin_mul_overflow(a.integer, b.integer, &r);
          if (over) return fails("int overflow");
          return value(integer(a.kind, r));
        }
        if (numeric) {
          double r = e.op == Op::Add ? a.number() + b.number() : e.op == Op::Sub ? a.number() - b.number()
                                                                                  : a.number() * b.number();
          if (!std::isfinite(r)) return fails("result is not a finite number");
          return value(real(r));
        }
        return notConstant();
      }
      case Op::Div:
        if (numeric) {
          if (b.number() == 0) return fails("division by zero");
          double r = a.number() / b.number();
          if (!std::isfinite(r)) return fails("result is not a finite number");
          return value(real(r));
        }
        return notConstant();
      case Op::Mod:
        if (ints) {
          if (b.integer == 0) return fails("remainder by zero");
          if (b.integer == -1) return value(integer(TypeKind::Int, 0));
          return value(integer(TypeKind::Int, a.integer % b.integer));
        }
        return notConstant();
      default: return notConstant();
    }
  }

  const Sema& s_;
  int depth_ = 0;
};

}  // namespace

Folded foldConstant(const Sema& sema, const Expr& e) { return Folder(sema).fold(e); }

bool isConstantExpr(const Sema& sema, const Expr& root) {
  bool constant = true;
  walkExpr(const_cast<Expr*>(&root), [&](Expr* e) {
    switch (e->kind) {
      case ExprKind::Name:
        if (e->ref != RefKind::Const) constant = false;
        break;
      case ExprKind::Field:
      case ExprKind::Now:
      case ExprKind::Event: constant = false; break;
      case ExprKind::Call:
        if (e->ref == RefKind::Aggregate) {
          constant = false;
        } else if (e->ref == RefKind::Builtin) {
          auto b = static_cast<Builtin>(e->refIndex);
          if (b == Builtin::Has || b == Builtin::InList || b == Builtin::Bucket || b == Builtin::DaysSince ||
              b == Builtin::HoursSince)
            constant = false;
        }
        break;
      default: break;
    }
  });
  return constant;
}

}  // namespace herald
