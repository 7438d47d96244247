// Pass 5: the rules of campaigns, activities, channels, policies, offers and responses
// (LANGUAGE.md section 4): required clauses, constant clause values and their ranges,
// schedules, windows and the time zone.

#include <date/tz.h>
#include <fmt/format.h>

#include <set>

#include "compiler/sema/const_fold.hpp"
#include "compiler/sema/cron.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

class RuleChecker {
 public:
  explicit RuleChecker(Sema& sema) : s_(sema) {}

  void run() {
    timezone();
    for (auto& owned : s_.pack.decls) {
      if (owned->name.name.empty()) continue;  // a declaration without a name: a syntax error said why
      switch (owned->kind) {
        case DeclKind::Campaign: campaign(static_cast<CampaignDecl&>(*owned)); break;
        case DeclKind::Activity: activity(static_cast<ActivityDecl&>(*owned)); break;
        case DeclKind::Channel: channel(static_cast<ChannelDecl&>(*owned)); break;
        case DeclKind::Policy: policy(static_cast<PolicyDecl&>(*owned)); break;
        case DeclKind::Offer: offer(static_cast<OfferDecl&>(*owned)); break;
        case DeclKind::Response: response(static_cast<ResponseDecl&>(*owned)); break;
        default: break;
      }
    }
  }

 private:
  /// The constant value of a clause of the wanted kind, or nothing (reported) when it is not one.
  std::optional<ConstValue> constant(Expr* e, const std::string& what, TypeKind want, DiagCode code) {
    if (!e || e->kind == ExprKind::Error || e->type.isError()) return std::nullopt;
    bool kindOk = want == TypeKind::Float ? e->type.isNumeric() : e->type.kind == want;
    if (!kindOk) {
      const char* wanted = want == TypeKind::Float ? "a number" : want == TypeKind::Int ? "an int" : "a duration";
      s_.diags.report(DiagCode::ClauseType, e->span, fmt::format("{} must be {}, found {}", what, wanted, e->type.str()));
      return std::nullopt;
    }
    if (!isConstantExpr(s_, *e)) {
      s_.diags.report(code, e->span, fmt::format("{} must be a constant, not depend on the customer", what));
      return std::nullopt;
    }
    Folded f = foldConstant(s_, *e);
    if (f.status == FoldStatus::Fails) {
      s_.diags.report(DiagCode::ConstantFails, e->span, fmt::format("{} cannot be computed: {}", what, f.error));
      return std::nullopt;
    }
    if (!f.ok()) return std::nullopt;
    return f.value;
  }

  void timezone() {
    if (!s_.pack.timezone) return;
    const std::string& tz = s_.pack.timezone->name;
    Span at = s_.pack.timezone->span;
    if (!tz.empty() && (tz[0] == '+' || tz[0] == '-')) {
      bool shape = tz.size() == 6 && std::isdigit(static_cast<unsigned char>(tz[1])) &&
                   std::isdigit(static_cast<unsigned char>(tz[2])) && tz[3] == ':' &&
                   std::isdigit(static_cast<unsigned char>(tz[4])) && std::isdigit(static_cast<unsigned char>(tz[5]));
      int minutes = shape ? ((tz[1] - '0') * 10 + (tz[2] - '0')) * 60 + (tz[4] - '0') * 10 + (tz[5] - '0') : 0;
      if (!shape || (tz[4] - '0') > 5 || minutes > 14 * 60)
        s_.diags.report(DiagCode::BadTimeZone, at,
                        fmt::format("time-zone offset \"{}\" must be +HH:MM or -HH:MM within ±14:00", tz));
      return;
    }
    try {
      date::locate_zone(tz);
    } catch (const std::exception&) {
      s_.diags.report(DiagCode::BadTimeZone, at,
                      fmt::format("unknown time zone \"{}\"; use an IANA name like \"Asia/Shanghai\" or an offset "
                                  "like \"+08:00\"",
                                  tz));
    }
  }

  void campaign(CampaignDecl& c) {
    auto missing = [&](const char* clause) {
      s_.diags.report(DiagCode::MissingClause, c.name.span,
                      fmt::format("campaign '{}' is missing its `{}:` clause", c.name.name, clause));
    };
    if (!c.channel && !c.broken) missing("channel");
    if (!c.audience && !c.broken) missing("audience");
    if (c.delay && !c.trigger)
      s_.diags.report(DiagCode::DelayWithoutTrigger, c.delay->span,
                      "`delay` applies to event campaigns; add a `trigger:` or remove the delay");
    if (auto v = constant(c.control.get(), "`control`", TypeKind::Float, DiagCode::ControlRange)) {
      double share = v->number();
      if (share < 0 || share > 1)
        s_.diags.report(DiagCode::ControlRange, c.control->span,
                        fmt::format("`control` is a share between 0% and 100%, found {}; write e.g. 5%", share));
    }
    if (auto v = constant(c.limit.get(), "`limit`", TypeKind::Int, DiagCode::BadLimit); v && v->integer < 1)
      s_.diags.report(DiagCode::BadLimit, c.limit->span, "`limit` must be at least 1 contact per run");
    if (auto v = constant(c.budget.get(), "`budget`", TypeKind::Float, DiagCode::BadLimit); v && v->number() < 0)
      s_.diags.report(DiagCode::BadLimit, c.budget->span, "`budget` cannot be negative");
    if (auto v = constant(c.delay.get(), "`delay`", TypeKind::Duration, DiagCode::BadDuration); v && v->integer <= 0)
      s_.diags.report(DiagCode::BadDuration, c.delay->span, "`delay` must be a positive duration");
  }

  void activity(ActivityDecl& a) {
    if (!a.hasCampaigns && !a.broken)
      s_.diags.report(DiagCode::MissingClause, a.name.span,
                      fmt::format("activity '{}' is missing its `campaigns:` clause", a.name.name));
    std::set<std::string> seen;
    for (auto& c : a.campaigns)
      if (!seen.insert(c.name).second)
        s_.diags.report(DiagCode::DuplicateInActivity, c.span,
                        fmt::format("campaign '{}' is listed twice in activity '{}'", c.name, a.name.name));
    Schedule& s = a.schedule;
    if (s.kind == ScheduleKind::Weekly) {
      static const std::vector<std::string> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
      static const std::vector<std::string> kLong = {"sunday",   "monday", "tuesday", "wednesday",
                                                     "thursday", "friday", "saturday"};
      for (auto& d : s.days) {
        int found = -1;
        for (int k = 0; k < 7; ++k)
          if (d.name == kDays[k] || d.name == kLong[k]) found = k;
        if (found < 0)
          s_.diags.report(DiagCode::BadSchedule, d.span,
                          fmt::format("'{}' is not a day; write mon, tue, wed, thu, fri, sat or sun{}", d.name,
                                      didYouMean(d.name, kDays)));
        else if (s.weekdays & (1u << found))
          s_.diags.report(DiagCode::BadSchedule, d.span, fmt::format("'{}' is listed twice", d.name));
        else
          s.weekdays |= static_cast<uint8_t>(1u << found);
      }
    } else if (s.kind == ScheduleKind::Cron) {
      CronError err;
      if (!parseCron(s.cronText, s.cron, err)) {
        // The string's text starts one byte after its opening quote (cron strings hold no escapes).
        Span at{s.span.file, static_cast<uint32_t>(s.span.offset + 1 + err.offset),
                static_cast<uint32_t>(std::max<size_t>(err.length, 1))};
        if (at.offset + at.length > s.span.offset + s.span.length) at = s.span;
        s_.diags.report(DiagCode::BadSchedule, at, fmt::format("invalid cron: {}", err.message));
      }
    }
    if (a.windowFrom && a.windowTo) {
      auto key = [](const CivilTime& c) { return c.year * 10000 + c.month * 100 + c.day; };
      if (key(*a.windowTo) < key(*a.windowFrom))
        s_.diags.report(DiagCode::BadWindow, a.windowSpan, "the window ends before it starts");
    }
    if (auto v = constant(a.perCustomer.get(), "`per_customer`", TypeKind::Int, DiagCode::BadLimit);
        v && v->integer < 1)
      s_.diags.report(DiagCode::BadLimit, a.perCustomer->span, "`per_customer` must be at least 1");
  }

  void channel(ChannelDecl& c) {
    for (auto& f : c.fields)
      if (auto v = constant(f.value.get(), "`cost`", TypeKind::Float, DiagCode::BadLimit); v && v->number() < 0)
        s_.diags.report(DiagCode::BadLimit, f.value->span, "a channel's `cost` cannot be negative");
    if (c.quietStart && c.quietEnd && c.quietStart->minutes == c.quietEnd->minutes)
      s_.diags.report(DiagCode::BadQuietHours, c.quietSpan,
                      "quiet hours start and end at the same time; give a window like 21:00 to 08:00");
  }

  void policy(PolicyDecl& p) {
    for (auto& r : p.rules) {
      if (r.kind == RuleKind::MaxContacts) {
        if (auto v = constant(r.count.get(), "the number of contacts", TypeKind::Int, DiagCode::BadPolicyRule);
            v && v->integer < 1)
          s_.diags.report(DiagCode::BadPolicyRule, r.count->span,
                          "`max N contacts` needs N >= 1; to stop contacts use `exclude list` or a dnd list");
      }
      if (r.kind != RuleKind::ExcludeList) {
        if (auto v = constant(r.window.get(), "a policy window", TypeKind::Duration, DiagCode::BadPolicyRule);
            v && v->integer <= 0)
          s_.diags.report(DiagCode::BadPolicyRule, r.window->span, "a policy window must be a positive duration");
      } else if (r.list.empty()) {
        s_.diags.report(DiagCode::BadPolicyRule, r.span, "`exclude list` needs a list name");
      }
    }
  }

  void offer(OfferDecl& o) {
    std::set<std::string> seen;
    for (auto& f : o.fields) {
      if (!seen.insert(f.name.name).second)
        s_.diags.report(DiagCode::DuplicateField, f.name.span,
                        fmt::format("field '{}' is given twice in offer '{}'", f.name.name, o.name.name));
      Expr* v = f.value.get();
      if (!v) continue;
      bool literal = v->kind == ExprKind::Literal ||
                     (v->kind == ExprKind::Unary && v->op == Op::Neg && v->args[0]->kind == ExprKind::Literal &&
                      (v->args[0]->lit.kind == LitKind::Int || v->args[0]->lit.kind == LitKind::Float));
      if (!literal && v->kind != ExprKind::Error)
        s_.diags.report(DiagCode::BadOfferField, v->span,
                        fmt::format("offer field '{}' must be a literal value like 30.0 or \"5G-30GB\"", f.name.name));
    }
  }

  void response(ResponseDecl& r) {
    if (auto v = constant(r.attribution.get(), "`attribution`", TypeKind::Duration, DiagCode::BadDuration);
        v && v->integer <= 0)
      s_.diags.report(DiagCode::BadDuration, r.attribution->span, "`attribution` must be a positive duration");
    for (auto& b : r.branches) {
      if (b.action.kind != ActionKind::Lead) continue;
      bool queue = false, due = false, unknown = false;
      for (auto& arg : b.action.leadArgs) {
        const std::string& n = arg.name.name;
        if (n == "queue" && !queue) {
          queue = true;
          if (arg.value && !arg.value->type.isError() && arg.value->type.kind != TypeKind::String)
            s_.diags.report(DiagCode::BadLead, arg.value->span, "`queue:` takes a string, e.g. \"sales\"");
        } else if (n == "due" && !due) {
          due = true;
          if (auto v = constant(arg.value.get(), "`due`", TypeKind::Duration, DiagCode::BadLead); v && v->integer <= 0)
            s_.diags.report(DiagCode::BadLead, arg.value->span, "`due` must be a positive duration");
        } else if (n == "queue" || n == "due") {
          s_.diags.report(DiagCode::BadLead, arg.name.span, fmt::format("`{}:` is given twice", n));
        } else {
          unknown = true;
          s_.diags.report(DiagCode::BadLead, arg.name.span,
                          fmt::format("lead takes `queue:` and `due:`, not `{}:`{}", n, didYouMean(n, {"queue", "due"})));
        }
      }
      if ((!queue || !due) && !unknown)
        s_.diags.report(DiagCode::BadLead, b.action.span,
                        fmt::format("lead needs {}: write lead(queue: \"sales\", due: 2d)",
                                    !queue && !due ? "`queue:` and `due:`" : !queue ? "`queue:`" : "`due:`"));
    }
  }

  Sema& s_;
};

}  // namespace

void checkRules(Sema& sema) { RuleChecker(sema).run(); }

}  // namespace herald
