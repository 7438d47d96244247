// `herald explain PACK --customers F --customer ID (--campaign C | --segment S | --expr E) [--at T]`:
// why a customer is or is not in an audience — each sub-condition with its value and the values
// of the fields it reads, and a verdict naming the deciding conditions.

#include <cstdio>
#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "compiler/interp/interpreter.hpp"
#include "compiler/ir/lower.hpp"
#include "runtime/data/table_row.hpp"
#include "runtime/history/event_log.hpp"

namespace herald::cli {

bool evaluationInstant(const Options& o, const TimeZone& zone, const std::string& command, int64_t& now);
bool loadCustomerFile(const Compilation& c, const Options& o, const TimeZone& zone, const std::string& command,
                      LoadResult& out, int& exitCode);
bool loadHistories(const Compilation& c, const Options& o, const TimeZone& zone, const std::string& command,
                   std::unordered_map<std::string, CustomerHistory>& out, int& exitCode);
const Expr* pickTarget(Compilation& c, const Options& o, const std::string& command, int& exitCode);

namespace {

/// One explained condition: its text, value, the values it read, and the conditions inside it.
struct Node {
  std::string text;
  Value value;
  std::vector<std::pair<std::string, Value>> operands;
  std::vector<Node> children;
  bool logical = false;  // and / or / not / a named segment: its children explain it
  Op op = Op::None;
};

class Explainer {
 public:
  Explainer(const Compilation& c, Lowering& lowering, const EvalContext& ctx)
      : c_(c), lowering_(lowering), ctx_(ctx) {}

  Node explain(const Expr& e, int depth = 0) {
    Node n;
    n.text = textOf(e);
    n.value = interp_.eval(lowering_.lower(e), ctx_);
    if (depth > 12) return n;
    if (e.kind == ExprKind::Binary && (e.op == Op::And || e.op == Op::Or)) {
      n.logical = true;
      n.op = e.op;
      // Flatten `a and b and c` into one list.
      std::vector<const Expr*> parts;
      flatten(e, e.op, parts);
      for (const Expr* p : parts) n.children.push_back(explain(*p, depth + 1));
      return n;
    }
    if (e.kind == ExprKind::Unary && e.op == Op::Not) {
      n.logical = true;
      n.op = Op::Not;
      n.children.push_back(explain(*e.args[0], depth + 1));
      return n;
    }
    if (e.kind == ExprKind::Name && e.ref == RefKind::Segment) {
      n.logical = true;
      n.children.push_back(explain(*c_.sema().syms.values.list[e.refIndex]->value, depth + 1));
      return n;
    }
    collectOperands(e, n.operands);
    return n;
  }

 private:
  static void flatten(const Expr& e, Op op, std::vector<const Expr*>& out) {
    if (e.kind == ExprKind::Binary && e.op == op) {
      flatten(*e.args[0], op, out);
      flatten(*e.args[1], op, out);
    } else {
      out.push_back(&e);
    }
  }

  std::string textOf(const Expr& e) const {
    if (!e.span.valid()) return "?";
    const std::string& text = c_.sources().file(e.span.file).text();
    std::string s = text.substr(e.span.offset, e.span.length);
    std::string out;
    bool space = false;
    for (char ch : s) {  // one line: collapse runs of white space
      if (ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ') {
        space = true;
        continue;
      }
      if (space && !out.empty()) out += ' ';
      space = false;
      out += ch;
    }
    return out;
  }

  /// The fields, lets and aggregates a leaf condition reads, with their values.
  void collectOperands(const Expr& e, std::vector<std::pair<std::string, Value>>& out) {
    auto add = [&](const Expr& x) {
      std::string t = textOf(x);
      for (auto& [name, v] : out)
        if (name == t) return;
      out.emplace_back(t, interp_.eval(lowering_.lower(x), ctx_));
    };
    switch (e.kind) {
      case ExprKind::Name:
        if (e.ref == RefKind::CustomerField || e.ref == RefKind::Let) add(e);
        return;
      case ExprKind::Field:
        if (e.ref == RefKind::EventField) add(e);
        return;
      case ExprKind::Call:
        if (e.ref == RefKind::Aggregate) {
          add(e);
          return;
        }
        break;
      case ExprKind::Now: add(e); return;
      default: break;
    }
    for (auto& a : e.args) collectOperands(*a, out);
  }

  const Compilation& c_;
  Lowering& lowering_;
  const EvalContext& ctx_;
  Interpreter interp_;
};

std::string valueText(const Value& v) {
  if (v.failed()) return "error: " + v.text;
  if (v.unknown()) return "unknown";
  return valueJson(v);
}

void printTree(const Node& n, const std::string& prefix, bool last, bool root, std::string& out) {
  std::string line = root ? "" : prefix + (last ? "└─ " : "├─ ");
  line += n.text + "  → " + valueText(n.value);
  if (!n.operands.empty()) {
    line += "  (";
    for (size_t i = 0; i < n.operands.size(); ++i)
      line += (i ? ", " : "") + n.operands[i].first + " = " + valueText(n.operands[i].second);
    line += ")";
  }
  out += line + "\n";
  std::string childPrefix = root ? "" : prefix + (last ? "   " : "│  ");
  for (size_t i = 0; i < n.children.size(); ++i)
    printTree(n.children[i], childPrefix, i + 1 == n.children.size(), false, out);
}

std::string nodeJson(const Node& n) {
  std::string s = fmt::format("{{\"condition\":{},\"value\":{}", jsonString(n.text),
                              n.value.failed() ? "null" : valueJson(n.value));
  if (n.value.failed()) s += ",\"error\":" + jsonString(n.value.text);
  if (!n.operands.empty()) {
    s += ",\"operands\":{";
    for (size_t i = 0; i < n.operands.size(); ++i)
      s += fmt::format("{}{}:{}", i ? "," : "", jsonString(n.operands[i].first), valueJson(n.operands[i].second));
    s += "}";
  }
  if (!n.children.empty()) {
    s += ",\"children\":[";
    for (size_t i = 0; i < n.children.size(); ++i) s += (i ? "," : "") + nodeJson(n.children[i]);
    s += "]";
  }
  return s + "}";
}

bool isTrue(const Value& v) { return v.known() && v.kind == TypeKind::Bool && v.boolean; }
bool isFalse(const Value& v) { return v.known() && v.kind == TypeKind::Bool && !v.boolean; }

/// The deepest conditions that decide the value: for a false `and`, its false (else unknown or
/// failed) parts; for a true `or`, its true part; through `not` and named segments.
void deciders(const Node& n, std::vector<const Node*>& out) {
  if (!n.logical || n.children.empty()) {
    out.push_back(&n);
    return;
  }
  if (n.op == Op::Not) {  // `not (x)` reads better as the reason than "x is false"
    out.push_back(&n);
    return;
  }
  if (n.op == Op::None) {
    deciders(n.children[0], out);
    return;
  }
  bool isAnd = n.op == Op::And;
  // The value that decides: false for `and`, true for `or`; when absent, the failed and unknown parts.
  std::vector<const Node*> picked;
  for (const Node& c : n.children)
    if (isAnd ? isFalse(c.value) : isTrue(c.value)) picked.push_back(&c);
  if (picked.empty())
    for (const Node& c : n.children)
      if (!c.value.known()) picked.push_back(&c);
  if (picked.empty()) {  // all parts agree: every one of them decides
    for (const Node& c : n.children) picked.push_back(&c);
  }
  for (const Node* c : picked) deciders(*c, out);
}

std::string verdict(const Node& root, const std::string& what) {
  std::vector<const Node*> why;
  deciders(root, why);
  std::string reasons;
  for (size_t i = 0; i < why.size() && i < 6; ++i)
    reasons += fmt::format("{}`{}` is {}", i ? ", " : "", why[i]->text, valueText(why[i]->value));
  if (why.size() > 6) reasons += fmt::format(" and {} more", why.size() - 6);
  if (isTrue(root.value)) return fmt::format("selected by {}: {}", what, reasons);
  if (root.value.failed()) return fmt::format("not selected by {}: the evaluation failed ({})", what, reasons);
  if (root.value.unknown()) return fmt::format("not selected by {}: it is unknown because {}", what, reasons);
  if (isFalse(root.value)) return fmt::format("not selected by {}: {}", what, reasons);
  return fmt::format("{} is {}", what, valueText(root.value));
}

}  // namespace

int runExplain(const Args& args) {
  Options o;
  std::string error;
  if (!parseOptions(args, {"--customers", "--customer", "--events", "--at", "--expr", "--segment", "--campaign"},
                    {"--json"}, o, error)) {
    std::fprintf(stderr, "herald explain: %s\n%s", error.c_str(), helpText("explain").c_str());
    return 2;
  }
  if (o.positional.size() != 1 || !o.values.count("--customer")) {
    std::fputs(helpText("explain").c_str(), stderr);
    return 2;
  }
  int exitCode = 0;
  auto c = compileForRun("explain", o.positional[0], exitCode);
  if (!c) return exitCode;
  TimeZone zone;
  if (c->pack().timezone) TimeZone::parse(c->pack().timezone->name, zone);
  int64_t now = 0;
  if (!evaluationInstant(o, zone, "explain", now)) return 2;
  const Expr* target = pickTarget(*c, o, "explain", exitCode);
  if (!target) return exitCode;
  LoadResult loaded;
  if (!loadCustomerFile(*c, o, zone, "explain", loaded, exitCode)) return exitCode;
  std::unordered_map<std::string, CustomerHistory> histories;
  if (!loadHistories(*c, o, zone, "explain", histories, exitCode)) return exitCode;
  std::string id = o.get("--customer");
  int64_t rowIndex = loaded.table.findRow(id);
  if (rowIndex < 0) {
    std::fprintf(stderr, "herald explain: no customer '%s' in %s\n", id.c_str(), o.get("--customers").c_str());
    return 1;
  }
  TableRow row(loaded.table);
  row.setRow(static_cast<size_t>(rowIndex));
  EvalContext ctx;
  ctx.customer = &row;
  ctx.customerId = loaded.table.id(static_cast<size_t>(rowIndex));
  ctx.now = now;
  ctx.zone = &zone;
  auto h = histories.find(id);
  ctx.history = h == histories.end() ? nullptr : &h->second;

  IrProgram program;
  Lowering lowering(c->sema(), zone, program);
  Explainer explainer(*c, lowering, ctx);
  Node root = explainer.explain(*target);
  std::string what = o.values.count("--campaign")  ? fmt::format("the audience of campaign {}", o.get("--campaign"))
                     : o.values.count("--segment") ? fmt::format("segment {}", o.get("--segment"))
                                                   : std::string("the expression");
  std::string out;
  if (o.has("--json")) {
    out = fmt::format("{{\"customer\":{},\"at\":\"{}\",\"target\":{},\"value\":{},\"verdict\":{},\"tree\":{}}}\n",
                      jsonString(id), formatInstantUtc(now), jsonString(what),
                      root.value.failed() ? "null" : valueJson(root.value), jsonString(verdict(root, what)),
                      nodeJson(root));
  } else {
    out = fmt::format("customer {} at {}: {}\n\n", id, formatInstantUtc(now), what);
    printTree(root, "", true, true, out);
    out += "\n" + verdict(root, what) + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace herald::cli
