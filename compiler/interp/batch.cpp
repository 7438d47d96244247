#include "compiler/interp/batch.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "compiler/interp/text.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

constexpr size_t kB = BatchEvaluator::kBlock;
enum : uint8_t { kKnown = 0, kUnknown = 1, kError = 2 };

/// The values of one node for one block of rows.
struct Vec {
  TypeKind kind = TypeKind::Error;
  uint8_t st[kB];
  int64_t i[kB];
  double f[kB];
  std::string_view s[kB];
  const uint32_t* setPtr[kB];
  uint32_t setLen[kB];
  std::vector<std::string> msg;   // error messages, by row in the block
  std::deque<std::string> arena;  // text computed in this block
  uint64_t stamp = 0;             // the block this Vec holds

  void fail(size_t r, std::string m) {
    st[r] = kError;
    if (msg.size() < kB) msg.resize(kB);
    msg[r] = std::move(m);
  }
};


}  // namespace

Value ColumnRow::field(int index) const {
  const ColumnView& c = in_.columns[index];
  if (!((c.valid[row_ >> 6] >> (row_ & 63)) & 1)) return Value::makeUnknown(c.type.kind);
  switch (c.type.kind) {
    case TypeKind::Bool: return Value::makeBool(c.ints[row_] != 0);
    case TypeKind::Int:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return Value::makeInt(c.ints[row_], c.type.kind);
    case TypeKind::Float: return Value::makeFloat(c.reals[row_]);
    case TypeKind::String: return Value::makeString(std::string(in_.dict->get(c.strings[row_])));
    case TypeKind::Enum: return Value::makeString((*c.type.members)[c.ints[row_]], TypeKind::Enum);
    case TypeKind::Set: {
      Value v;
      v.state = Value::State::Known;
      v.kind = TypeKind::Set;
      for (uint32_t k = c.setOffsets[row_]; k < c.setOffsets[row_ + 1]; ++k) v.set.emplace_back(in_.dict->get(c.setItems[k]));
      std::sort(v.set.begin(), v.set.end());
      return v;
    }
    default: return Value::makeUnknown();
  }
}

std::string_view customerIdOf(const BatchInput& in, size_t row) {
  return in.dict->get(in.columns[in.idColumn].strings[row]);
}

EvalContext rowContext(const BatchInput& in, ColumnRow& source, size_t row, int64_t now, const TimeZone& zone) {
  source.setRow(row);
  EvalContext ctx;
  ctx.customer = &source;
  ctx.now = now;
  ctx.zone = &zone;
  ctx.customerId = customerIdOf(in, row);
  ctx.history = in.history ? in.history(row) : nullptr;
  return ctx;
}

struct BatchEvaluator::Impl {
  const IrNode* root;
  const BatchInput& in;
  int64_t now;
  const TimeZone& zone;
  Interpreter interp;
  mutable ColumnRow rowSource;
  std::unordered_map<const IrNode*, std::unique_ptr<Vec>> vecs;
  uint64_t stamp = 0;
  size_t begin = 0, count = 0;
  std::vector<std::pair<size_t, std::string>> errors;  // of the last block

  Impl(const IrNode* r, const BatchInput& input, int64_t t, const TimeZone& z)
      : root(r), in(input), now(t), zone(z), rowSource(input) {}

  EvalContext context(size_t row) const { return rowContext(in, rowSource, row, now, zone); }

  const Vec& eval(const IrNode* n) {
    auto& slot = vecs[n];
    if (!slot) slot = std::make_unique<Vec>();
    Vec& v = *slot;
    if (v.stamp == stamp) return v;
    v.stamp = stamp;
    v.kind = n->type.kind;
    v.arena.clear();
    compute(n, v);
    return v;
  }

  void rowPath(const IrNode* n, Vec& out) {
    for (size_t r = 0; r < count; ++r) store(out, r, interp.eval(n, context(begin + r)), n->type);
  }

  void store(Vec& out, size_t r, const Value& v, const Type& type) {
    if (v.failed()) return out.fail(r, v.text);
    if (v.unknown()) {
      out.st[r] = kUnknown;
      return;
    }
    out.st[r] = kKnown;
    out.i[r] = v.kind == TypeKind::Bool ? v.boolean : v.integer;
    if (v.kind == TypeKind::Enum && type.members) {  // the member index, as enum columns hold it
      auto it = std::find(type.members->begin(), type.members->end(), v.text);
      out.i[r] = it - type.members->begin();
    }
    out.f[r] = v.real;
    if (v.kind == TypeKind::String || v.kind == TypeKind::Enum) out.s[r] = out.arena.emplace_back(v.text);
    if (v.kind == TypeKind::Set) {  // sets only come from columns in the row path's inputs: keep ids
      out.setPtr[r] = nullptr;
      out.setLen[r] = 0;
    }
  }

  void field(const IrNode* n, Vec& out) {
    const ColumnView& c = in.columns[n->index];
    for (size_t r = 0; r < count; ++r) {
      size_t row = begin + r;
      out.st[r] = ((c.valid[row >> 6] >> (row & 63)) & 1) ? kKnown : kUnknown;
    }
    switch (c.type.kind) {
      case TypeKind::Float: std::copy(c.reals + begin, c.reals + begin + count, out.f); break;
      case TypeKind::String:
        for (size_t r = 0; r < count; ++r) out.s[r] = out.st[r] == kKnown ? in.dict->get(c.strings[begin + r]) : "";
        break;
      case TypeKind::Enum:
        std::copy(c.ints + begin, c.ints + begin + count, out.i);
        for (size_t r = 0; r < count; ++r) out.s[r] = out.st[r] == kKnown ? std::string_view((*c.type.members)[out.i[r]]) : "";
        break;
      case TypeKind::Set:
        for (size_t r = 0; r < count; ++r) {
          out.setPtr[r] = c.setItems + c.setOffsets[begin + r];
          out.setLen[r] = c.setOffsets[begin + r + 1] - c.setOffsets[begin + r];
        }
        break;
      default: std::copy(c.ints + begin, c.ints + begin + count, out.i);
    }
  }

  void constant(const IrNode* n, Vec& out) {
    const Value& v = n->value;
    if (v.known() && (v.kind == TypeKind::String || v.kind == TypeKind::Enum)) {  // one copy for all rows
      std::string_view text = out.arena.emplace_back(v.text);
      for (size_t r = 0; r < count; ++r) {
        out.st[r] = kKnown;
        out.s[r] = text;
        out.i[r] = v.integer;
      }
      return;
    }
    for (size_t r = 0; r < count; ++r) store(out, r, v, n->type);
  }

  static int cmp(const Vec& a, const Vec& b, size_t r) {
    switch (a.kind) {
      case TypeKind::Float: return a.f[r] < b.f[r] ? -1 : a.f[r] > b.f[r] ? 1 : 0;
      case TypeKind::String:
      case TypeKind::Enum: {
        int c = a.s[r].compare(b.s[r]);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      default: return a.i[r] < b.i[r] ? -1 : a.i[r] > b.i[r] ? 1 : 0;
    }
  }

  bool call(const IrNode* n, Vec& out) {
    Fn fn = n->fn;
    if (fn == builtinFn(Builtin::Has)) {
      const Vec& a = eval(n->args[0]);
      for (size_t r = 0; r < count; ++r) {
        out.st[r] = kKnown;
        out.i[r] = a.st[r] == kKnown;
      }
      return true;
    }
    bool supported = fn <= Fn::InSet || fn == builtinFn(Builtin::Len) || fn == builtinFn(Builtin::DaysSince) ||
                     fn == builtinFn(Builtin::HoursSince);
    if (!supported || (fn == Fn::Matches && !n->regex)) return false;
    std::vector<const Vec*> args;
    for (const IrNode* a : n->args) args.push_back(&eval(a));
    if (fn == Fn::InItems) {
      const Vec& x = *args[0];
      bool anyError = false, anyUnknownItem = false;
      for (size_t r = 0; r < count; ++r)
        for (const Vec* a : args) {
          anyError |= a->st[r] == kError;
          anyUnknownItem |= a != &x && a->st[r] == kUnknown;
        }
      if (!anyError && !anyUnknownItem) {
        bool ints = x.kind != TypeKind::Float && x.kind != TypeKind::String &&
                    (x.kind != TypeKind::Enum || (args.size() > 1 && args[1]->kind == TypeKind::Enum));
        for (size_t r = 0; r < count; ++r) {
          out.st[r] = x.st[r];
          out.i[r] = 0;
        }
        for (size_t k = 1; k < args.size(); ++k) {
          const Vec& item = *args[k];
          if (ints)
            for (size_t r = 0; r < count; ++r) out.i[r] |= x.i[r] == item.i[r];
          else if (x.kind == TypeKind::Float)
            for (size_t r = 0; r < count; ++r) out.i[r] |= x.f[r] == item.f[r];
          else
            for (size_t r = 0; r < count; ++r) out.i[r] |= x.s[r] == item.s[r];
        }
        return true;
      }
      for (size_t r = 0; r < count; ++r) {
        for (const Vec* a : args)
          if (a->st[r] == kError) {
            out.fail(r, a->msg[r]);
            goto next;
          }
        if (x.st[r] == kUnknown) {
          out.st[r] = kUnknown;
          continue;
        }
        {
          bool found = false, unknown = false;
          for (size_t k = 1; k < args.size() && !found; ++k) {
            if (args[k]->st[r] == kUnknown) unknown = true;
            else found = cmp(x, *args[k], r) == 0;
          }
          out.st[r] = found || !unknown ? kKnown : kUnknown;
          out.i[r] = found;
        }
      next:;
      }
      return true;
    }
    const Vec& a = *args[0];
    const Vec* b = args.size() > 1 ? args[1] : nullptr;
    if (fn >= Fn::Eq && fn <= Fn::Ge) {
      compare(fn, a, *b, out);
      return true;
    }
    // States first, in one pass: an error in any operand, else an unknown, decides the row.
    bool anyError = false;
    for (size_t r = 0; r < count; ++r) {
      uint8_t st = 0;
      for (const Vec* v : args) st |= v->st[r];
      out.st[r] = st;
      anyError |= (st & kError) != 0;
    }
    if (anyError)
      for (size_t r = 0; r < count; ++r)
        if (out.st[r] & kError)
          for (const Vec* v : args)
            if (v->st[r] == kError) {
              out.fail(r, v->msg[r]);
              break;
            }
    // Then one loop per function; rows that are not known are computed too where that is
    // harmless (their result is ignored), and skipped where it could fail.
    auto each = [&](auto f) {
      for (size_t r = 0; r < count; ++r) out.i[r] = f(r);
    };
    switch (fn) {
      case Fn::Contains: each([&](size_t r) { return a.s[r].find(b->s[r]) != std::string_view::npos; }); break;
      case Fn::StartsWith: each([&](size_t r) { return a.s[r].substr(0, b->s[r].size()) == b->s[r]; }); break;
      case Fn::EndsWith:
        each([&](size_t r) {
          return a.s[r].size() >= b->s[r].size() && a.s[r].substr(a.s[r].size() - b->s[r].size()) == b->s[r];
        });
        break;
      case Fn::Matches:
        for (size_t r = 0; r < count; ++r)
          if (out.st[r] == kKnown) out.i[r] = RE2::PartialMatch(a.s[r], *n->regex);
        break;
      case Fn::InSet: {
        bool constantNeedle = n->args[0]->kind == IrKind::Const;
        uint32_t constantId = constantNeedle ? in.dict->find(n->args[0]->value.text) : UINT32_MAX;
        for (size_t r = 0; r < count; ++r) {
          if (out.st[r] != kKnown) continue;
          uint32_t id = constantNeedle ? constantId : in.dict->find(a.s[r]);
          out.i[r] = id != UINT32_MAX && std::binary_search(b->setPtr[r], b->setPtr[r] + b->setLen[r], id);
        }
        break;
      }
      case Fn::IntToFloat:
        for (size_t r = 0; r < count; ++r) out.f[r] = static_cast<double>(a.i[r]);
        break;
      case Fn::Neg:
        for (size_t r = 0; r < count; ++r) {
          if (out.st[r] != kKnown) continue;
          if (a.kind == TypeKind::Float) out.f[r] = -a.f[r];
          else if (a.i[r] == INT64_MIN) out.fail(r, evalerror::kOverflow);
          else out.i[r] = -a.i[r];
        }
        break;
      case Fn::Add:
      case Fn::Sub:
      case Fn::Mul:
      case Fn::Div:
      case Fn::Mod:
        for (size_t r = 0; r < count; ++r)
          if (out.st[r] == kKnown) arithmetic(fn, n->type.kind, a, *b, out, r);
        break;
      default:
        if (fn == builtinFn(Builtin::Len)) {
          if (a.kind == TypeKind::Set) each([&](size_t r) { return static_cast<int64_t>(a.setLen[r]); });
          else each([&](size_t r) { return codePointCount(a.s[r]); });
        } else if (fn == builtinFn(Builtin::DaysSince)) {
          each([&](size_t r) { return periodsSince(now, a.i[r], 86400); });
        } else {
          each([&](size_t r) { return periodsSince(now, a.i[r], 3600); });
        }
    }
    return true;
  }

  /// Comparisons: the rows' states in one pass, then one loop per operand kind and operator.
  void compare(Fn fn, const Vec& a, const Vec& b, Vec& out) {
    bool anyError = false;
    for (size_t r = 0; r < count; ++r) {
      uint8_t s = a.st[r] | b.st[r];
      out.st[r] = s;
      anyError |= (s & kError) != 0;
    }
    if (anyError)
      for (size_t r = 0; r < count; ++r)
        if (out.st[r] & kError) out.fail(r, a.st[r] == kError ? a.msg[r] : b.msg[r]);
    auto loop = [&](auto get) {
      switch (fn) {
        case Fn::Eq: for (size_t r = 0; r < count; ++r) out.i[r] = get(r) == 0; break;
        case Fn::Ne: for (size_t r = 0; r < count; ++r) out.i[r] = get(r) != 0; break;
        case Fn::Lt: for (size_t r = 0; r < count; ++r) out.i[r] = get(r) < 0; break;
        case Fn::Le: for (size_t r = 0; r < count; ++r) out.i[r] = get(r) <= 0; break;
        case Fn::Gt: for (size_t r = 0; r < count; ++r) out.i[r] = get(r) > 0; break;
        default: for (size_t r = 0; r < count; ++r) out.i[r] = get(r) >= 0; break;
      }
    };
    switch (a.kind) {
      case TypeKind::Float: loop([&](size_t r) { return (a.f[r] > b.f[r]) - (a.f[r] < b.f[r]); }); break;
      case TypeKind::Enum:
        if (b.kind == TypeKind::Enum) {  // same members (the checker made sure): compare indexes
          loop([&](size_t r) { return (a.i[r] > b.i[r]) - (a.i[r] < b.i[r]); });
          break;
        }
        [[fallthrough]];
      case TypeKind::String: loop([&](size_t r) { return a.s[r].compare(b.s[r]); }); break;
      default: loop([&](size_t r) { return (a.i[r] > b.i[r]) - (a.i[r] < b.i[r]); }); break;
    }
  }

  void arithmetic(Fn fn, TypeKind result, const Vec& a, const Vec& b, Vec& out, size_t r) {
    auto finite = [&](double d) {
      if (std::isfinite(d)) out.f[r] = d;
      else out.fail(r, evalerror::kNotFinite);
    };
    bool ints = a.kind != TypeKind::Float && b.kind != TypeKind::Float;
    int64_t x = 0;
    switch (fn) {
      case Fn::Add:
        if (!ints) return finite(a.f[r] + b.f[r]);
        if (__builtin_add_overflow(a.i[r], b.i[r], &x)) return out.fail(r, evalerror::kOverflow);
        break;
      case Fn::Sub:
        if (!ints) return finite(a.f[r] - b.f[r]);
        if (__builtin_sub_overflow(a.i[r], b.i[r], &x)) return out.fail(r, evalerror::kOverflow);
        break;
      case Fn::Mul:
        if (result == TypeKind::Duration) {
          bool aDur = a.kind == TypeKind::Duration;
          double d = static_cast<double>(aDur ? a.i[r] : b.i[r]) * (aDur ? b.f[r] : a.f[r]);
          if (!std::isfinite(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18)
            return out.fail(r, evalerror::kOverflow);
          x = static_cast<int64_t>(std::trunc(d));
          break;
        }
        if (!ints) return finite(a.f[r] * b.f[r]);
        if (__builtin_mul_overflow(a.i[r], b.i[r], &x)) return out.fail(r, evalerror::kOverflow);
        break;
      case Fn::Div:
        if (a.kind == TypeKind::Duration) {
          if (b.i[r] == 0) return out.fail(r, evalerror::kDivisionByZero);
          return finite(static_cast<double>(a.i[r]) / static_cast<double>(b.i[r]));
        }
        if (b.f[r] == 0) return out.fail(r, evalerror::kDivisionByZero);
        return finite(a.f[r] / b.f[r]);
      default:  // Mod
        if (b.i[r] == 0) return out.fail(r, evalerror::kDivisionByZero);
        x = b.i[r] == -1 ? 0 : a.i[r] % b.i[r];
    }
    out.i[r] = x;
  }

  void compute(const IrNode* n, Vec& out) {
    switch (n->kind) {
      case IrKind::Const: return constant(n, out);
      case IrKind::Field: return field(n, out);
      case IrKind::Now:
        for (size_t r = 0; r < count; ++r) {
          out.st[r] = kKnown;
          out.i[r] = now;
        }
        return;
      case IrKind::Not: {
        const Vec& a = eval(n->args[0]);
        for (size_t r = 0; r < count; ++r) {
          out.st[r] = a.st[r];
          out.i[r] = !a.i[r];
          if (a.st[r] == kError) out.fail(r, a.msg[r]);
        }
        return;
      }
      case IrKind::And:
      case IrKind::Or: {
        const Vec& a = eval(n->args[0]);
        const Vec& b = eval(n->args[1]);
        int64_t decider = n->kind == IrKind::Or;
        bool anyError = false;
        for (size_t r = 0; r < count; ++r) anyError |= ((a.st[r] | b.st[r]) & kError) != 0;
        if (!anyError) {
          // Kleene logic without errors: known if either side decides or both are known.
          for (size_t r = 0; r < count; ++r) {
            bool da = a.st[r] == kKnown && a.i[r] == decider, db = b.st[r] == kKnown && b.i[r] == decider;
            bool decided = da | db;
            out.i[r] = decided ? decider : !decider;
            out.st[r] = decided ? kKnown : (a.st[r] | b.st[r]);
          }
          return;
        }
        for (size_t r = 0; r < count; ++r) {
          if ((a.st[r] == kKnown && a.i[r] == decider) || (b.st[r] == kKnown && b.i[r] == decider)) {
            out.st[r] = kKnown;
            out.i[r] = decider;
          } else if (a.st[r] == kError) {
            out.fail(r, a.msg[r]);
          } else if (b.st[r] == kError) {
            out.fail(r, b.msg[r]);
          } else if (a.st[r] == kUnknown || b.st[r] == kUnknown) {
            out.st[r] = kUnknown;
          } else {
            out.st[r] = kKnown;
            out.i[r] = !decider;
          }
        }
        return;
      }
      case IrKind::If:
      case IrKind::Coalesce: {
        bool isIf = n->kind == IrKind::If;
        const Vec& c = eval(n->args[0]);
        const Vec& x = eval(n->args[isIf ? 1 : 0]);
        const Vec& y = eval(n->args[isIf ? 2 : 1]);
        for (size_t r = 0; r < count; ++r) {
          const Vec* pick;
          if (isIf) {
            if (c.st[r] == kError) {
              out.fail(r, c.msg[r]);
              continue;
            }
            pick = c.st[r] == kKnown && c.i[r] ? &x : &y;
          } else {
            pick = c.st[r] == kUnknown ? &y : &c;
          }
          copyRow(*pick, out, r);
        }
        return;
      }
      case IrKind::Call:
        if (call(n, out)) return;
        return rowPath(n, out);
      default: return rowPath(n, out);
    }
  }

  static void copyRow(const Vec& from, Vec& to, size_t r) {
    to.st[r] = from.st[r];
    if (from.st[r] == kError) return to.fail(r, from.msg[r]);
    to.i[r] = from.i[r];
    to.f[r] = from.f[r];
    to.s[r] = from.s[r];
    to.setPtr[r] = from.setPtr[r];
    to.setLen[r] = from.setLen[r];
  }
};

BatchEvaluator::BatchEvaluator(const IrNode* root, const BatchInput& input, int64_t now, const TimeZone& zone)
    : impl_(std::make_unique<Impl>(root, input, now, zone)) {}

BatchEvaluator::~BatchEvaluator() = default;

void BatchEvaluator::evaluate(size_t begin, size_t end, uint8_t* out) {
  Impl& m = *impl_;
  m.begin = begin;
  m.count = std::min(end - begin, kBlock);
  ++m.stamp;
  m.errors.clear();
  const Vec& v = m.eval(m.root);
  for (size_t r = 0; r < m.count; ++r) {
    if (v.st[r] == kError) {
      out[r] = 3;
      m.errors.emplace_back(begin + r, v.msg[r]);
    } else {
      out[r] = v.st[r] == kUnknown ? 2 : (v.kind == TypeKind::Bool && v.i[r]) ? 1 : 0;
    }
  }
}

std::string BatchEvaluator::errorOf(size_t row) const {
  for (auto& [r, m] : impl_->errors)
    if (r == row) return m;
  return "";
}

Value BatchEvaluator::valueOf(size_t row) const { return impl_->interp.eval(impl_->root, impl_->context(row)); }

void packStates(const uint8_t* states, size_t n, uint64_t* truth, uint64_t* unknown) {
  // Eight states at a time: the multiply gathers bit 0 of each byte into the top byte, in order.
  auto gather = [](uint64_t eight) { return (eight & 0x0101010101010101ull) * 0x0102040810204080ull >> 56; };
  for (size_t w = 0; w * 64 < n; ++w) {
    uint64_t t = 0, u = 0;
    size_t rows = std::min<size_t>(64, n - w * 64), k = 0;
    for (; k + 8 <= rows; k += 8) {
      uint64_t eight;
      std::memcpy(&eight, states + w * 64 + k, 8);
      t |= gather(eight) << k;
      u |= gather(eight >> 1) << k;
    }
    for (; k < rows; ++k) {
      t |= uint64_t(states[w * 64 + k] & 1) << k;
      u |= uint64_t(states[w * 64 + k] >> 1 & 1) << k;
    }
    truth[w] = t;
    unknown[w] = u;
  }
}

}  // namespace herald
