// The host side of generated code: JitBinding (frames over a table's columns, fallbacks to
// the interpreter) and the C functions generated code calls back into. No LLVM headers here.

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <unordered_map>

#include "compiler/interp/text.hpp"
#include "compiler/jit/jit.hpp"
#include "compiler/jit/jit_abi.hpp"

namespace herald {

namespace {

constexpr const char* kMessages[] = {
    "",
    evalerror::kOverflow,
    evalerror::kDivisionByZero,
    evalerror::kSqrtNegative,
    evalerror::kLogNonPositive,
    evalerror::kNotFinite,
    "bucket needs n >= 1",
    "invalid regular expression",
};

}  // namespace

const char* jitErrorMessage(int64_t code) {
  return code > 0 && code < static_cast<int64_t>(std::size(kMessages)) ? kMessages[code] : "internal: unknown error";
}

int64_t jitErrorCode(const std::string& message) {
  for (size_t k = 1; k < std::size(kMessages); ++k)
    if (message == kMessages[k]) return static_cast<int64_t>(k);
  return 0;
}

JitPack::JitPack(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JitPack::~JitPack() = default;
size_t JitPack::size() const { return impl_->plan.roots.size(); }
const IrNode* JitPack::root(size_t i) const { return impl_->plan.roots[i]; }
bool JitPack::compiled(size_t i) const { return impl_->rows[i] || impl_->kernels[i]; }
const std::string& JitPack::fallbackReason(size_t i) const { return impl_->plan.fallback[i]; }
double JitPack::compileSeconds() const { return impl_->seconds; }
bool JitPack::fromCache() const { return impl_->cached; }
bool JitPack::firstTier() const { return impl_->firstTier; }

struct JitBinding::Impl {
  const JitPack::Impl& pack;
  const BatchInput& in;
  int64_t now;
  const TimeZone& zone;
  std::function<bool(std::string_view)> inList;
  std::vector<JitColumn> columns;
  std::deque<std::vector<int8_t>> narrowCopies;  // JitColumn::narrow (a deque: they never move)
  std::vector<int64_t> strIds;
  std::vector<std::vector<int8_t>> tables;  // by JitTable index
  std::vector<const int8_t*> tablePointers;
  JitFrame frame{};
  Interpreter interp;
  ColumnRow rowSource;
  std::vector<std::unique_ptr<BatchEvaluator>> fallbacks;  // by root, made when first needed
  std::vector<std::string> extraErrors;                     // aggregate errors not in kMessages
  std::unordered_map<std::string, size_t> constants;        // text -> constant index (made when needed)
  std::unordered_map<std::string, size_t> madeIds;          // text made at run time -> its index in made
  std::deque<std::string_view> made;                        // views of madeIds' keys (nodes never move)

  Impl(const JitPack::Impl& p, const BatchInput& input, int64_t t, const TimeZone& z,
       std::function<bool(std::string_view)> lists)
      : pack(p), in(input), now(t), zone(z), inList(std::move(lists)), rowSource(input) {
    for (const ColumnView& c : in.columns)
      columns.push_back(JitColumn{c.valid, c.ints, c.reals, c.strings, c.setOffsets, c.setItems, narrowCopy(c)});
    for (size_t k = 0; k < pack.plan.strings.size(); ++k) {
      uint32_t id = in.dict ? in.dict->find(pack.plan.strings[k]) : UINT32_MAX;
      strIds.push_back(id == UINT32_MAX ? -static_cast<int64_t>(k) - 1 : static_cast<int64_t>(id));
    }
    for (const JitTable& t : pack.plan.tables) buildTable(t);
    for (const auto& t : tables) tablePointers.push_back(t.data());
    frame = JitFrame{columns.data(), strIds.data(), now, this, tablePointers.data()};
    fallbacks.resize(pack.plan.roots.size());
  }

  /// The values of an int, enum or bool column as bytes when they all fit (JitColumn::narrow).
  const int8_t* narrowCopy(const ColumnView& c) {
    TypeKind k = c.type.kind;
    if (!c.ints || in.rows == 0 || !(k == TypeKind::Int || k == TypeKind::Enum || k == TypeKind::Bool)) return nullptr;
    for (size_t r = 0; r < in.rows; ++r)
      if (c.ints[r] < INT8_MIN || c.ints[r] > INT8_MAX) return nullptr;
    std::vector<int8_t>& bytes = narrowCopies.emplace_back(in.rows);
    for (size_t r = 0; r < in.rows; ++r) bytes[r] = static_cast<int8_t>(c.ints[r]);
    return bytes.data();
  }

  /// Fills one JitTable for this table of customers (see jit_abi.hpp).
  void buildTable(const JitTable& t) {
    std::vector<int8_t>& out = tables.emplace_back();
    const ColumnView& c = in.columns[t.column];
    if (t.kind == JitTable::Kind::RowHasString) {
      out.assign(std::max<size_t>(in.rows, 1), 0);
      int64_t needle = strIds[t.string];
      if (needle < 0) return;  // no customer holds the string
      for (size_t r = 0; r < in.rows; ++r)
        for (uint32_t k = c.setOffsets[r]; k < c.setOffsets[r + 1]; ++k)
          if (c.setItems[k] == needle) out[r] = 1;
      return;
    }
    // A text test, computed once per distinct value the column holds.
    constexpr int8_t kUnset = INT8_MIN;
    out.assign(std::max<size_t>(in.dict->size(), 1), kUnset);
    std::string_view constant = t.string >= 0 ? std::string_view(pack.plan.strings[t.string]) : std::string_view();
    const IrNode* n = t.node;
    for (size_t r = 0; r < in.rows; ++r) {
      if (!((c.valid[r >> 6] >> (r & 63)) & 1)) continue;
      uint32_t id = c.strings[r];
      if (out[id] != kUnset) continue;
      std::string_view x = in.dict->get(id);
      switch (n->fn) {
        case Fn::Matches: out[id] = RE2::PartialMatch(x, *n->regex); break;
        case Fn::Contains: out[id] = x.find(constant) != std::string_view::npos; break;
        case Fn::StartsWith: out[id] = x.substr(0, constant.size()) == constant; break;
        case Fn::EndsWith:
          out[id] = x.size() >= constant.size() && x.substr(x.size() - constant.size()) == constant;
          break;
        default: {  // an ordering: the sign of (first operand <=> second)
          int cmp = t.fieldFirst ? x.compare(constant) : constant.compare(x);
          out[id] = static_cast<int8_t>(cmp < 0 ? -1 : cmp > 0 ? 1 : 0);
        }
      }
    }
  }

  /// The text of a string id: the dictionary's (>= 0), a constant's, or one made at run time.
  std::string_view text(int64_t id) const {
    if (id >= 0) return in.dict->get(static_cast<uint32_t>(id));
    size_t k = static_cast<size_t>(-id - 1);
    return k < pack.plan.strings.size() ? std::string_view(pack.plan.strings[k]) : made[k - pack.plan.strings.size()];
  }

  /// The id of any text, so equal texts get equal ids (ids compare strings for generated code).
  int64_t intern(std::string_view s) {
    if (uint32_t d = in.dict->find(s); d != UINT32_MAX) return d;
    if (constants.empty())
      for (size_t k = 0; k < pack.plan.strings.size(); ++k) constants.emplace(pack.plan.strings[k], k);
    if (auto it = constants.find(std::string(s)); it != constants.end()) return -static_cast<int64_t>(it->second) - 1;
    auto [it, added] = madeIds.emplace(std::string(s), made.size());
    if (added) made.emplace_back(it->first);
    return -static_cast<int64_t>(pack.plan.strings.size() + it->second) - 1;
  }

  EvalContext context(size_t row) {
    EvalContext ctx = rowContext(in, rowSource, row, now, zone);
    ctx.inList = inList;
    return ctx;
  }

  /// A JitOut of expression i as the interpreter's Value.
  Value toValue(size_t i, uint8_t state, const JitOut& out) const {
    const Type& type = pack.plan.roots[i]->type;
    if (state == 1) return Value::makeUnknown(type.kind);
    if (state == 2)
      return Value::makeError(out.i >= kJitErrorExtra ? extraErrors[out.i - kJitErrorExtra] : jitErrorMessage(out.i));
    switch (type.kind) {
      case TypeKind::Bool: return Value::makeBool(out.i != 0);
      case TypeKind::Float: return Value::makeFloat(out.f);
      case TypeKind::String: return Value::makeString(std::string(text(out.i)));
      case TypeKind::Enum: return Value::makeString((*type.members)[out.i], TypeKind::Enum);
      default: return Value::makeInt(out.i, type.kind);
    }
  }
};

JitBinding::JitBinding(const JitPack& pack, const BatchInput& input, int64_t now, const TimeZone& zone,
                       std::function<bool(std::string_view)> inList)
    : impl_(std::make_unique<Impl>(pack.impl(), input, now, zone, std::move(inList))) {}

JitBinding::~JitBinding() = default;

void JitBinding::evaluateBits(size_t i, size_t begin, size_t end, uint64_t* truth, uint64_t* unknown) {
  Impl& m = *impl_;
  end = std::min(end, begin + BatchEvaluator::kBlock);
  if (JitKernelFn kernel = m.pack.kernels[i]) return kernel(&m.frame, begin, end, truth, unknown);
  uint8_t states[BatchEvaluator::kBlock];
  interpret(i, begin, end, states);
  packStates(states, end - begin, truth, unknown);
}

void JitBinding::evaluate(size_t i, size_t begin, size_t end, uint8_t* out) {
  Impl& m = *impl_;
  end = std::min(end, begin + BatchEvaluator::kBlock);
  if (JitByteKernelFn kernel = m.pack.byteKernels[i]) return kernel(&m.frame, begin, end, out);
  interpret(i, begin, end, out);
}

/// Expression i over rows [begin, end) without native code: the columnar interpreter, or row by
/// row when lists are named (the columnar interpreter knows no lists).
void JitBinding::interpret(size_t i, size_t begin, size_t end, uint8_t* out) {
  Impl& m = *impl_;
  if (m.inList) {
    for (size_t r = begin; r < end; ++r) {
      Value v = m.interp.eval(m.pack.plan.roots[i], m.context(r));
      out[r - begin] = v.failed() ? 3 : v.unknown() ? 2 : v.boolean ? 1 : 0;
    }
    return;
  }
  auto& fallback = m.fallbacks[i];
  if (!fallback) fallback = std::make_unique<BatchEvaluator>(m.pack.plan.roots[i], m.in, m.now, m.zone);
  fallback->evaluate(begin, end, out);
}

std::string JitBinding::errorOf(size_t i, size_t row) {
  Value v = value(i, row);
  return v.failed() ? v.text : "";
}

Value JitBinding::value(size_t i, size_t row) {
  Impl& m = *impl_;
  if (JitRowFn fn = m.pack.rows[i]) {
    JitOut out{};
    uint8_t state = fn(&m.frame, row, &out);
    return m.toValue(i, state, out);
  }
  if (JitByteKernelFn kernel = m.pack.byteKernels[i]) {  // a bool: its kernel over one row
    uint8_t state = 0;
    kernel(&m.frame, row, row + 1, &state);
    if (state == 3) {  // the message, as the interpreter gives it
      Value v = m.interp.eval(m.pack.plan.roots[i], m.context(row));
      return v.failed() ? v : Value::makeError("internal: the JIT and the interpreter disagree on an error");
    }
    return state == 2 ? Value::makeUnknown(TypeKind::Bool) : Value::makeBool(state == 1);
  }
  return m.interp.eval(m.pack.plan.roots[i], m.context(row));
}

}  // namespace herald

// ------------------------------------------------------------------------------------ host ABI

using herald::JitBinding;

namespace {
JitBinding::Impl& binding(const void* host) { return *static_cast<JitBinding::Impl*>(const_cast<void*>(host)); }
}  // namespace

extern "C" {

int64_t herald_jit_text_cmp(const void* host, int64_t a, int64_t b) {
  int c = binding(host).text(a).compare(binding(host).text(b));
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int64_t herald_jit_text_op(const void* host, int64_t op, int64_t a, int64_t b) {
  std::string_view x = binding(host).text(a), y = binding(host).text(b);
  switch (op) {
    case 0: return x.find(y) != std::string_view::npos;
    case 1: return x.substr(0, y.size()) == y;
    default: return x.size() >= y.size() && x.substr(x.size() - y.size()) == y;
  }
}

int64_t herald_jit_text_len(const void* host, int64_t id) { return herald::codePointCount(binding(host).text(id)); }

int64_t herald_jit_matches(const void* host, int64_t regex, int64_t id) {
  JitBinding::Impl& m = binding(host);
  return RE2::PartialMatch(m.text(id), *m.pack.plan.regexes[regex]->regex);
}

int64_t herald_jit_in_set(const uint32_t* items, int64_t count, int64_t id) {
  return id >= 0 && count > 0 && std::binary_search(items, items + count, static_cast<uint32_t>(id));
}

int64_t herald_jit_in_list(const void* host, int64_t id) {
  JitBinding::Impl& m = binding(host);
  return m.inList && m.inList(m.text(id));
}

int64_t herald_jit_civil(const void* host, int64_t which, int64_t at) {
  static constexpr herald::Builtin kParts[] = {herald::Builtin::Hour, herald::Builtin::Weekday, herald::Builtin::Month,
                                               herald::Builtin::Year, herald::Builtin::Date};
  return herald::civilPart(binding(host).zone, kParts[which], at);
}

int64_t herald_jit_bucket(const void* host, int64_t salt, int64_t n, int64_t row) {
  JitBinding::Impl& m = binding(host);
  std::string_view id = herald::customerIdOf(m.in, static_cast<size_t>(row));
  return static_cast<int64_t>(herald::stableBucket(m.text(salt), id, static_cast<uint64_t>(n)));
}

int64_t herald_jit_aggregate(const void* host, int64_t index, int64_t row, herald::JitOut* out) {
  JitBinding::Impl& m = binding(host);
  herald::Value v = m.interp.eval(m.pack.plan.aggregates[index], m.context(static_cast<size_t>(row)));
  if (v.failed()) {
    int64_t code = herald::jitErrorCode(v.text);
    if (!code) {
      code = herald::kJitErrorExtra + static_cast<int64_t>(m.extraErrors.size());
      m.extraErrors.push_back(v.text);
    }
    out->i = code;
    return 2;
  }
  if (!v.known()) return 1;
  out->i = v.kind == herald::TypeKind::Bool ? v.boolean : v.kind == herald::TypeKind::String ? m.intern(v.text) : v.integer;
  out->f = v.real;  // aggregates of enums are not planned (see Planner)
  return 0;
}

int64_t herald_jit_text_map(const void* host, int64_t op, int64_t id) {
  JitBinding::Impl& m = binding(host);
  std::string_view x = m.text(id);
  return m.intern(op == 0 ? herald::simpleLower(x) : op == 1 ? herald::simpleUpper(x) : herald::trimWhiteSpace(x));
}

double herald_jit_log(double x) { return std::log(x); }
double herald_jit_exp(double x) { return std::exp(x); }

}  // extern "C"
