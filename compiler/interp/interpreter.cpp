#include "compiler/interp/interpreter.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>

#include "compiler/interp/text.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

using evalerror::kDivisionByZero;
using evalerror::kNotFinite;
using evalerror::kOverflow;

Value finite(double d) { return std::isfinite(d) ? Value::makeFloat(d) : Value::makeError(kNotFinite); }


/// -1, 0, 1 for two known values of one kind.
int compare(const Value& a, const Value& b) {
  switch (a.kind) {
    case TypeKind::Float: return a.real < b.real ? -1 : a.real > b.real ? 1 : 0;
    case TypeKind::String:
    case TypeKind::Enum: {
      int c = a.text.compare(b.text);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case TypeKind::Bool: return int(a.boolean) - int(b.boolean);
    default: return a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
  }
}

bool equal(const Value& a, const Value& b) {
  if ((a.kind == TypeKind::String || a.kind == TypeKind::Enum) && (b.kind == TypeKind::String || b.kind == TypeKind::Enum))
    return a.text == b.text;
  return compare(a, b) == 0;
}

Value arithmetic(Fn fn, const Value& a, const Value& b, TypeKind result) {
  int64_t r = 0;
  bool ints = a.kind != TypeKind::Float && b.kind != TypeKind::Float;
  switch (fn) {
    case Fn::Add:
      if (!ints) return finite(a.real + b.real);
      if (__builtin_add_overflow(a.integer, b.integer, &r)) return Value::makeError(kOverflow);
      return Value::makeInt(r, result);
    case Fn::Sub:
      if (!ints) return finite(a.real - b.real);
      if (__builtin_sub_overflow(a.integer, b.integer, &r)) return Value::makeError(kOverflow);
      return Value::makeInt(r, result);
    case Fn::Mul:
      if (result == TypeKind::Duration) {  // duration * number: a fraction of a second is dropped
        const Value& d = a.kind == TypeKind::Duration ? a : b;
        const Value& k = a.kind == TypeKind::Duration ? b : a;
        double x = static_cast<double>(d.integer) * k.number();
        if (!std::isfinite(x) || x >= 9.2233720368547758e18 || x < -9.2233720368547758e18)
          return Value::makeError(kOverflow);
        return Value::makeInt(static_cast<int64_t>(std::trunc(x)), TypeKind::Duration);
      }
      if (!ints) return finite(a.real * b.real);
      if (__builtin_mul_overflow(a.integer, b.integer, &r)) return Value::makeError(kOverflow);
      return Value::makeInt(r, result);
    case Fn::Div:
      if (a.kind == TypeKind::Duration) {
        if (b.integer == 0) return Value::makeError(kDivisionByZero);
        return finite(static_cast<double>(a.integer) / static_cast<double>(b.integer));
      }
      if (b.number() == 0) return Value::makeError(kDivisionByZero);
      return finite(a.number() / b.number());
    case Fn::Mod:
      if (b.integer == 0) return Value::makeError(kDivisionByZero);
      if (b.integer == -1) return Value::makeInt(0);
      return Value::makeInt(a.integer % b.integer);
    default: return Value::makeError("internal: not arithmetic");
  }
}

Value minMax(const std::vector<Value>& args, bool wantMax) {
  const Value* best = &args[0];
  for (const Value& v : args) {
    int c = compare(v, *best);
    if (wantMax ? c > 0 : c < 0) best = &v;
  }
  return *best;
}

Value roundLike(const Value& a, double (*f)(double)) {
  if (a.kind != TypeKind::Float) return a;
  return finite(f(a.real));
}

}  // namespace

int64_t periodsSince(int64_t now, int64_t at, int64_t unit) {
  // floor((now - at) / unit), exact for every pair (now - at may not fit 64 bits): with
  // x = unit * q + r (0 <= r < unit) for both, it is q(now) - q(at) - (r(now) < r(at)). The
  // quotients differ by less than 2^63 for unit >= 2, and a division by a constant is a multiply.
  auto floorDivMod = [unit](int64_t x, int64_t& r) {
    int64_t q = x / unit;
    r = x % unit;
    if (r < 0) r += unit, --q;
    return q;
  };
  int64_t rNow, rAt;
  int64_t qNow = floorDivMod(now, rNow), qAt = floorDivMod(at, rAt);
  return qNow - qAt - (rNow < rAt);
}

int64_t civilPart(const TimeZone& zone, Builtin part, int64_t at) {
  CivilTime c = zone.toCivil(at);
  switch (part) {
    case Builtin::Hour: return c.hour;
    case Builtin::Month: return c.month;
    case Builtin::Year: return c.year;
    case Builtin::Weekday: {
      int64_t days = daysFromCivil(c.year, c.month, c.day);
      return (days % 7 + 7 + 3) % 7 + 1;  // 1970-01-01 was a Thursday
    }
    default:  // Date: 00:00 of the day
      c.hour = c.minute = c.second = 0;
      return zone.toInstant(c);
  }
}

uint64_t stableBucket(std::string_view salt, std::string_view id, uint64_t n) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(salt);
  mix(":");
  mix(id);
  return h % n;
}

Value Interpreter::eval(const IrNode* n, const EvalContext& ctx) const {
  switch (n->kind) {
    case IrKind::Const: return n->value;
    case IrKind::Field: return ctx.customer ? ctx.customer->field(n->index) : Value::makeUnknown(n->type.kind);
    case IrKind::Now: return Value::makeInt(ctx.now, TypeKind::Timestamp);
    case IrKind::EventField: {
      if (!ctx.event) return Value::makeUnknown(n->type.kind);
      if (n->index == kEventAtField) return Value::makeInt(ctx.event->at, TypeKind::Timestamp);
      if (n->index == kEventCustomerField) return Value::makeString(ctx.event->customer);
      if (n->index < 0 || n->index >= static_cast<int>(ctx.event->fields.size())) return Value::makeUnknown();
      return ctx.event->fields[n->index];
    }
    case IrKind::Not: {
      Value a = eval(n->args[0], ctx);
      return a.known() ? Value::makeBool(!a.boolean) : a;
    }
    case IrKind::And:
    case IrKind::Or: {
      // Kleene logic; the deciding value absorbs an error on the other side (as in CEL).
      bool decider = n->kind == IrKind::Or;
      Value a = eval(n->args[0], ctx);
      Value b = eval(n->args[1], ctx);
      if ((a.known() && a.boolean == decider) || (b.known() && b.boolean == decider)) return Value::makeBool(decider);
      if (a.failed()) return a;
      if (b.failed()) return b;
      if (a.unknown() || b.unknown()) return Value::makeUnknown(TypeKind::Bool);
      return Value::makeBool(!decider);
    }
    case IrKind::If: {
      Value c = eval(n->args[0], ctx);
      if (c.failed()) return c;
      return eval(c.known() && c.boolean ? n->args[1] : n->args[2], ctx);
    }
    case IrKind::Coalesce: {
      Value a = eval(n->args[0], ctx);
      return a.unknown() ? eval(n->args[1], ctx) : a;
    }
    case IrKind::Aggregate: return aggregate(n, ctx);
    case IrKind::Call: return call(n, ctx);
  }
  return Value::makeError("internal: unknown node");
}

Value Interpreter::call(const IrNode* n, const EvalContext& ctx) const {
  if (n->fn == builtinFn(Builtin::Has)) return Value::makeBool(eval(n->args[0], ctx).known());
  std::vector<Value> args;
  args.reserve(n->args.size());
  for (const IrNode* a : n->args) args.push_back(eval(a, ctx));
  // Operands first: any error is the call's error, else any unknown makes it unknown.
  for (const Value& v : args)
    if (v.failed()) return v;
  if (n->fn == Fn::InItems) {
    if (args[0].unknown()) return Value::makeUnknown(TypeKind::Bool);
    bool sawUnknown = false;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].unknown()) sawUnknown = true;
      else if (equal(args[0], args[i])) return Value::makeBool(true);
    }
    return sawUnknown ? Value::makeUnknown(TypeKind::Bool) : Value::makeBool(false);
  }
  for (const Value& v : args)
    if (v.unknown()) return Value::makeUnknown(n->type.kind);
  const Value& a = args[0];
  TypeKind result = n->type.kind;
  switch (n->fn) {
    case Fn::Add:
    case Fn::Sub:
    case Fn::Mul:
    case Fn::Div:
    case Fn::Mod: return arithmetic(n->fn, a, args[1], result);
    case Fn::Neg:
      if (a.kind == TypeKind::Float) return Value::makeFloat(-a.real);
      if (a.integer == INT64_MIN) return Value::makeError(kOverflow);
      return Value::makeInt(-a.integer, a.kind);
    case Fn::IntToFloat: return Value::makeFloat(static_cast<double>(a.integer));
    case Fn::Eq: return Value::makeBool(equal(a, args[1]));
    case Fn::Ne: return Value::makeBool(!equal(a, args[1]));
    case Fn::Lt: return Value::makeBool(compare(a, args[1]) < 0);
    case Fn::Le: return Value::makeBool(compare(a, args[1]) <= 0);
    case Fn::Gt: return Value::makeBool(compare(a, args[1]) > 0);
    case Fn::Ge: return Value::makeBool(compare(a, args[1]) >= 0);
    case Fn::Matches: {
      if (n->regex) return Value::makeBool(RE2::PartialMatch(a.text, *n->regex));
      RE2 re(args[1].text, RE2::Quiet);
      return re.ok() ? Value::makeBool(RE2::PartialMatch(a.text, re)) : Value::makeError("invalid regular expression");
    }
    case Fn::Contains: return Value::makeBool(a.text.find(args[1].text) != std::string::npos);
    case Fn::StartsWith: return Value::makeBool(a.text.compare(0, args[1].text.size(), args[1].text) == 0);
    case Fn::EndsWith:
      return Value::makeBool(a.text.size() >= args[1].text.size() &&
                             a.text.compare(a.text.size() - args[1].text.size(), std::string::npos, args[1].text) == 0);
    case Fn::InSet: return Value::makeBool(std::binary_search(args[1].set.begin(), args[1].set.end(), a.text));
    default: break;
  }
  auto b = static_cast<Builtin>(static_cast<int>(n->fn) - static_cast<int>(builtinFn(Builtin::Len)));
  switch (b) {
    case Builtin::Len:
      return Value::makeInt(a.kind == TypeKind::Set ? static_cast<int64_t>(a.set.size()) : codePointCount(a.text));
    case Builtin::Lower: return Value::makeString(simpleLower(a.text));
    case Builtin::Upper: return Value::makeString(simpleUpper(a.text));
    case Builtin::Trim: return Value::makeString(trimWhiteSpace(a.text));
    case Builtin::Abs:
      if (a.kind == TypeKind::Float) return Value::makeFloat(std::fabs(a.real));
      if (a.integer == INT64_MIN) return Value::makeError(kOverflow);
      return Value::makeInt(a.integer < 0 ? -a.integer : a.integer, a.kind);
    case Builtin::Min: return minMax(args, false);
    case Builtin::Max: return minMax(args, true);
    case Builtin::Clamp: {
      Value low = minMax({a, args[1]}, true);
      return minMax({low, args[2]}, false);
    }
    case Builtin::Round: return roundLike(a, [](double x) { return std::round(x); });
    case Builtin::Floor: return roundLike(a, [](double x) { return std::floor(x); });
    case Builtin::Ceil: return roundLike(a, [](double x) { return std::ceil(x); });
    case Builtin::Sqrt:
      if (a.number() < 0) return Value::makeError(evalerror::kSqrtNegative);
      return finite(std::sqrt(a.number()));
    case Builtin::Log:
      if (a.number() <= 0) return Value::makeError(evalerror::kLogNonPositive);
      return finite(std::log(a.number()));
    case Builtin::Exp: return finite(std::exp(a.number()));
    case Builtin::Sigmoid: return finite(1.0 / (1.0 + std::exp(-a.number())));
    case Builtin::DaysSince: return Value::makeInt(periodsSince(ctx.now, a.integer, 86400));
    case Builtin::HoursSince: return Value::makeInt(periodsSince(ctx.now, a.integer, 3600));
    case Builtin::Hour:
    case Builtin::Weekday:
    case Builtin::Month:
    case Builtin::Year:
    case Builtin::Date: {
      TimeZone utc;
      int64_t part = civilPart(ctx.zone ? *ctx.zone : utc, b, a.integer);
      return Value::makeInt(part, b == Builtin::Date ? TypeKind::Timestamp : TypeKind::Int);
    }
    case Builtin::Has: break;  // handled above
    case Builtin::InList: return Value::makeBool(ctx.inList && ctx.inList(a.text));
    case Builtin::Bucket:
      if (args[1].integer < 1) return Value::makeError("bucket needs n >= 1");
      return Value::makeInt(static_cast<int64_t>(stableBucket(a.text, ctx.customerId, args[1].integer)));
  }
  return Value::makeError("internal: unknown function");
}

Value Interpreter::aggregate(const IrNode* n, const EvalContext& ctx) const {
  const CustomerHistory* h = ctx.history;
  auto inWindow = [&](int64_t at) { return at <= ctx.now && (n->within < 0 || at > ctx.now - n->within); };
  if (n->agg == Aggregate::Contacts) {
    int64_t count = 0;
    if (h)
      for (const ContactRecord& c : h->contacts)
        if (inWindow(c.at) && (n->channel.empty() || c.channel == n->channel) &&
            (n->campaign.empty() || c.campaign == n->campaign))
          ++count;
    return Value::makeInt(count);
  }
  if (n->agg == Aggregate::Responses) {
    int64_t count = 0;
    if (h)
      for (int64_t at : h->responses) count += inWindow(at);
    return Value::makeInt(count);
  }
  int64_t count = 0;
  double sum = 0;
  Value best = Value::makeUnknown(n->type.kind);
  int64_t bestAt = INT64_MIN;
  if (h) {
    for (const EventRecord& ev : h->events) {
      if (ev.type != n->eventType || !inWindow(ev.at)) continue;
      if (n->where) {
        EvalContext inner = ctx;
        inner.event = &ev;
        Value keep = eval(n->where, inner);
        if (keep.failed()) return keep;
        if (!keep.known() || !keep.boolean) continue;
      }
      if (n->agg == Aggregate::Count) {
        ++count;
        continue;
      }
      Value v = n->index == kEventAtField         ? Value::makeInt(ev.at, TypeKind::Timestamp)
                : n->index == kEventCustomerField ? Value::makeString(ev.customer)
                : n->index >= 0 && n->index < static_cast<int>(ev.fields.size()) ? ev.fields[n->index]
                                                                                  : Value::makeUnknown();
      if (!v.known()) continue;  // an event without the (optional) field does not take part
      ++count;
      switch (n->agg) {
        case Aggregate::Sum:
        case Aggregate::Avg: sum += v.number(); break;
        case Aggregate::Min:
          if (best.unknown() || compare(v, best) < 0) best = v;
          break;
        case Aggregate::Max:
          if (best.unknown() || compare(v, best) > 0) best = v;
          break;
        case Aggregate::Last:
          if (ev.at >= bestAt) {
            best = v;
            bestAt = ev.at;
          }
          break;
        default: break;
      }
    }
  }
  switch (n->agg) {
    case Aggregate::Count: return Value::makeInt(count);
    case Aggregate::Sum: return finite(sum);
    case Aggregate::Avg: return count ? finite(sum / count) : Value::makeUnknown(TypeKind::Float);
    default: return best;
  }
}

}  // namespace herald
