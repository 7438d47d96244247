#include "compiler/ast/ast_printer.hpp"

#include <fmt/format.h>

#include "compiler/diag/diagnostic.hpp"

namespace herald {
namespace {

std::string civilText(const CivilTime& c, bool withTime) {
  std::string s = fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
  if (withTime) s += fmt::format("T{:02}:{:02}:{:02}", c.hour, c.minute, c.second);
  return s;
}

std::string timeText(const TimeOfDay& t) { return fmt::format("{:02}:{:02}", t.minutes / 60, t.minutes % 60); }

std::string literalText(const Literal& l) {
  switch (l.kind) {
    case LitKind::Bool: return l.boolean ? "true" : "false";
    case LitKind::Int: return std::to_string(l.integer);
    case LitKind::Float: {
      if (l.percent) return fmt::format("{}%", l.real * 100);
      std::string s = fmt::format("{}", l.real);
      return s.find_first_of(".eEn") == std::string::npos ? s + ".0" : s;
    }
    case LitKind::String: return jsonString(l.text);
    case LitKind::Duration: return fmt::format("{}s", l.integer);
    case LitKind::Date: return civilText(l.civil, false);
    case LitKind::Timestamp: return civilText(l.civil, true);
    case LitKind::TimeOfDay: return timeText(TimeOfDay{static_cast<int>(l.integer)});
  }
  return "";
}

class Printer {
 public:
  explicit Printer(const SourceManager* sources) : sources_(sources) {}

  std::string out;

  void line(int depth, const std::string& text, Span span = {}) {
    out.append(depth * 2, ' ');
    out += text;
    if (sources_ && span.valid()) {
      LineCol at = sources_->file(span.file).lineCol(span.offset);
      out += fmt::format("  @{}:{}", at.line, at.column);
    }
    out += '\n';
  }

  void expr(int depth, const char* label, const Expr* e) {
    if (e) line(depth, fmt::format("{}: {}", label, printExpr(*e)), e->span);
  }

  void ref(int depth, const char* label, const std::optional<Ref>& r) {
    if (r) line(depth, fmt::format("{}: {}", label, r->name), r->span);
  }

  void decl(const Decl& d) {
    line(1, fmt::format("{} {}", declKindText(d.kind), d.name.name), d.name.span);
    switch (d.kind) {
      case DeclKind::Customer:
      case DeclKind::Event:
        for (auto& f : static_cast<const SchemaDecl&>(d).fields) {
          std::string type = f.type.type.kind == TypeKind::Enum || f.type.name.empty() ? f.type.type.str()
                                                                                        : f.type.name;
          if (f.type.type.kind == TypeKind::Enum) {
            type = "enum(";
            for (size_t i = 0; i < f.type.members.size(); ++i) type += (i ? "," : "") + jsonString(f.type.members[i]);
            type += ")";
          } else if (f.type.type.kind == TypeKind::Set) {
            type = fmt::format("set<{}>", f.type.name);
          }
          if (f.type.type.optional && type.back() != '?') type += "?";
          line(2, fmt::format("field {}: {}", f.name.name, type), f.name.span);
        }
        break;
      case DeclKind::Const:
      case DeclKind::Let:
      case DeclKind::Segment:
        expr(2, "value", static_cast<const ValueDecl&>(d).value.get());
        break;
      case DeclKind::Offer:
        for (auto& f : static_cast<const OfferDecl&>(d).fields) expr(2, f.name.name.c_str(), f.value.get());
        break;
      case DeclKind::Channel: {
        auto& c = static_cast<const ChannelDecl&>(d);
        for (auto& f : c.fields) expr(2, f.name.name.c_str(), f.value.get());
        if (c.quietStart && c.quietEnd)
          line(2, fmt::format("quiet: {} to {}", timeText(*c.quietStart), timeText(*c.quietEnd)), c.quietSpan);
        break;
      }
      case DeclKind::Policy:
        for (auto& r : static_cast<const PolicyDecl&>(d).rules) {
          line(2, fmt::format("rule {}", jsonString(r.text)), r.span);
          expr(3, "count", r.count.get());
          expr(3, "window", r.window.get());
          ref(3, "on", r.on);
          ref(3, "same", r.same);
          if (r.kind == RuleKind::ExcludeList) line(3, fmt::format("exclude list {}", jsonString(r.list)));
        }
        break;
      case DeclKind::Campaign: campaign(static_cast<const CampaignDecl&>(d)); break;
      case DeclKind::Activity: activity(static_cast<const ActivityDecl&>(d)); break;
      case DeclKind::Response: response(static_cast<const ResponseDecl&>(d)); break;
    }
  }

  void campaign(const CampaignDecl& c) {
    if (c.trigger) {
      line(2, fmt::format("trigger: {}", c.trigger->event.name), c.trigger->span);
      expr(3, "where", c.trigger->where.get());
    }
    ref(2, "channel", c.channel);
    ref(2, "offer", c.offer);
    expr(2, "audience", c.audience.get());
    expr(2, "priority", c.priority.get());
    expr(2, "limit per run", c.limit.get());
    expr(2, "budget", c.budget.get());
    expr(2, "control", c.control.get());
    expr(2, "delay", c.delay.get());
    for (auto& p : c.policies) line(2, fmt::format("policy: {}", p.name), p.span);
    if (c.message) {
      line(2, "message", c.message->span);
      for (auto& piece : c.message->pieces) {
        if (piece.expr) expr(3, "placeholder", piece.expr.get());
        else line(3, fmt::format("text: {}", jsonString(piece.text)));
      }
    }
  }

  void activity(const ActivityDecl& a) {
    for (auto& c : a.campaigns) line(2, fmt::format("campaign: {}", c.name), c.span);
    const Schedule& s = a.schedule;
    switch (s.kind) {
      case ScheduleKind::Manual: line(2, "schedule: manual", s.span); break;
      case ScheduleKind::Daily: line(2, fmt::format("schedule: daily at {}", timeText(s.at)), s.span); break;
      case ScheduleKind::Weekly: {
        std::string days;
        for (auto& d : s.days) days += (days.empty() ? "" : ",") + d.name;
        line(2, fmt::format("schedule: weekly on {} at {}", days, timeText(s.at)), s.span);
        break;
      }
      case ScheduleKind::Cron: line(2, fmt::format("schedule: cron {}", jsonString(s.cronText)), s.span); break;
      case ScheduleKind::Once: line(2, fmt::format("schedule: once at {}", civilText(s.once, true)), s.span); break;
    }
    if (a.windowFrom && a.windowTo)
      line(2, fmt::format("window: {} to {}", civilText(*a.windowFrom, false), civilText(*a.windowTo, false)),
           a.windowSpan);
    expr(2, "per_customer", a.perCustomer.get());
  }

  void response(const ResponseDecl& r) {
    ref(2, "channel", r.channel);
    expr(2, "attribution", r.attribution.get());
    for (auto& b : r.branches) {
      static const char* kActions[] = {"order", "dnd", "dnd all", "ignore", "lead", "list add", "list remove"};
      std::string act = kActions[static_cast<int>(b.action.kind)];
      if (!b.action.list.empty()) act += " " + jsonString(b.action.list);
      if (b.cond) line(2, fmt::format("when {} -> {}", printExpr(*b.cond), act), b.span);
      else line(2, fmt::format("else -> {}", act), b.span);
      for (auto& arg : b.action.leadArgs) expr(3, arg.name.name.c_str(), arg.value.get());
    }
  }

 private:
  const SourceManager* sources_;
};

}  // namespace

std::string printExpr(const Expr& e) {
  auto args = [&](size_t from) {
    std::string s;
    for (size_t i = from; i < e.args.size(); ++i) s += " " + printExpr(*e.args[i]);
    return s;
  };
  switch (e.kind) {
    case ExprKind::Literal: return literalText(e.lit);
    case ExprKind::Name: return e.name;
    case ExprKind::Field: return fmt::format("{}.{}", printExpr(*e.args[0]), e.name);
    case ExprKind::Now: return "now";
    case ExprKind::Event: return "event";
    case ExprKind::Error: return "<error>";
    case ExprKind::Unary:
    case ExprKind::Binary: return fmt::format("({}{})", opText(e.op), args(0));
    case ExprKind::Between: return fmt::format("(between{})", args(0));
    case ExprKind::In: return fmt::format("({}{})", e.negated ? "not in" : "in", args(0));
    case ExprKind::If: return fmt::format("(if{})", args(0));
    case ExprKind::List: {
      std::string s = "[";
      for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + printExpr(*e.args[i]);
      return s + "]";
    }
    case ExprKind::Call: {
      std::string s = fmt::format("(call {}{}", e.name, args(0));
      if (e.filters) {
        if (e.filters->on) s += " on " + e.filters->on->name;
        if (e.filters->forKind) s += fmt::format(" for {} {}", e.filters->forKind->name, e.filters->forName->name);
        if (e.filters->where) s += " where " + printExpr(*e.filters->where);
        if (e.filters->within) s += " within " + printExpr(*e.filters->within);
      }
      return s + ")";
    }
  }
  return "";
}

std::string printAst(const Pack& pack, const SourceManager* sources) {
  Printer p(sources);
  p.line(0, fmt::format("pack {}", pack.name.name), pack.name.span);
  if (pack.timezone) p.line(1, fmt::format("timezone {}", jsonString(pack.timezone->name)), pack.timezone->span);
  for (auto& d : pack.decls) p.decl(*d);
  return p.out;
}

}  // namespace herald
