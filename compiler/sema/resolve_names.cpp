// Pass 2: resolves every name — in expressions (fields, named values, event and offer fields,
// functions, aggregates) and in clauses (channels, offers, policies, campaigns, events).

#include <fmt/format.h>

#include "compiler/sema/builtins.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

/// What `event` and `offer` mean where an expression stands.
struct Scope {
  int event = -1;                     // the event type `event` reads, or -1
  const char* place = "this clause";  // where we are, for messages
  const CampaignDecl* campaign = nullptr;
};

class Resolver {
 public:
  explicit Resolver(Sema& sema) : s_(sema), syms_(sema.syms) {}

  void run();
  void standalone(Expr& e) {
    Scope sc;
    sc.place = "an expression on the command line";
    expr(&e, sc);
  }

 private:
  void expr(Expr* e, const Scope& sc);
  void name(Expr* e);
  void field(Expr* e, const Scope& sc);
  void call(Expr* e, const Scope& sc);
  void aggregate(Expr* e, Aggregate agg, const Scope& sc);
  bool isEventRef(const Expr& e) const;
  bool isValueName(const std::string& n) const {
    return syms_.customerFields.count(n) || syms_.values.byName.count(n);
  }
  int eventField(int event, const Ref& field);

  template <typename D>
  D* clauseRef(const DeclList<D>& list, const Ref& ref, DiagCode code, const char* what) {
    if (ref.name.empty()) return nullptr;
    D* d = list.find(ref.name);
    if (d) {
      d->used = true;
      return d;
    }
    s_.diags.report(code, ref.span,
                    fmt::format("unknown {} '{}'{}", what, ref.name, didYouMean(ref.name, list.names())));
    return nullptr;
  }

  void campaign(CampaignDecl& c);
  void response(ResponseDecl& r);

  Sema& s_;
  Symbols& syms_;
};

void Resolver::run() {
  for (auto& owned : s_.pack.decls) {
    Decl& d = *owned;
    Scope none;
    switch (d.kind) {
      case DeclKind::Const:
        none.place = "a const";
        expr(static_cast<ValueDecl&>(d).value.get(), none);
        break;
      case DeclKind::Let:
        none.place = "a let";
        expr(static_cast<ValueDecl&>(d).value.get(), none);
        break;
      case DeclKind::Segment:
        none.place = "a segment";
        expr(static_cast<ValueDecl&>(d).value.get(), none);
        break;
      case DeclKind::Offer:
        for (auto& nv : static_cast<OfferDecl&>(d).fields) expr(nv.value.get(), none);
        break;
      case DeclKind::Channel:
        for (auto& nv : static_cast<ChannelDecl&>(d).fields) expr(nv.value.get(), none);
        break;
      case DeclKind::Policy:
        for (auto& r : static_cast<PolicyDecl&>(d).rules) {
          expr(r.count.get(), none);
          expr(r.window.get(), none);
          if (r.on) clauseRef(syms_.channels, *r.on, DiagCode::UnknownChannel, "channel");
        }
        break;
      case DeclKind::Campaign: campaign(static_cast<CampaignDecl&>(d)); break;
      case DeclKind::Activity: {
        auto& a = static_cast<ActivityDecl&>(d);
        for (auto& c : a.campaigns) clauseRef(syms_.campaigns, c, DiagCode::UnknownCampaign, "campaign");
        expr(a.perCustomer.get(), none);
        break;
      }
      case DeclKind::Response: response(static_cast<ResponseDecl&>(d)); break;
      case DeclKind::Customer:
      case DeclKind::Event: break;
    }
  }
}

void Resolver::campaign(CampaignDecl& c) {
  Scope sc;
  sc.campaign = &c;
  sc.place = "a batch campaign (without `trigger:`)";
  if (c.channel) clauseRef(syms_.channels, *c.channel, DiagCode::UnknownChannel, "channel");
  if (c.offer) clauseRef(syms_.offers, *c.offer, DiagCode::UnknownOffer, "offer");
  for (auto& p : c.policies) clauseRef(syms_.policies, p, DiagCode::UnknownPolicy, "policy");
  if (c.trigger) {
    if (clauseRef(syms_.events, c.trigger->event, DiagCode::UnknownEvent, "event type"))
      sc.event = syms_.events.indexOf(c.trigger->event.name);
    else
      sc.event = -2;  // unknown trigger: do not report every `event.f` again
    expr(c.trigger->where.get(), sc);
  }
  expr(c.audience.get(), sc);
  expr(c.priority.get(), sc);
  if (c.message)
    for (auto& p : c.message->pieces) expr(p.expr.get(), sc);
  Scope constant;
  for (Expr* e : {c.limit.get(), c.budget.get(), c.control.get(), c.delay.get()}) expr(e, constant);
}

void Resolver::response(ResponseDecl& r) {
  Scope sc;
  sc.place = "this response clause";
  if (clauseRef(syms_.events, r.name, DiagCode::UnknownEvent, "event type"))
    sc.event = syms_.events.indexOf(r.name.name);
  else
    sc.event = -2;
  if (r.channel) clauseRef(syms_.channels, *r.channel, DiagCode::UnknownChannel, "channel");
  expr(r.attribution.get(), Scope{});
  for (auto& b : r.branches) {
    expr(b.cond.get(), sc);
    for (auto& nv : b.action.leadArgs) expr(nv.value.get(), sc);
  }
}

void Resolver::expr(Expr* e, const Scope& sc) {
  if (!e) return;
  switch (e->kind) {
    case ExprKind::Name: name(e); return;
    case ExprKind::Field: field(e, sc); return;
    case ExprKind::Call: call(e, sc); return;
    case ExprKind::Event:
      if (sc.event == -1)
        s_.diags.report(DiagCode::EventOutOfContext, e->span,
                        fmt::format("`event` is only readable in an event campaign (with `trigger:`), a response's "
                                    "`when`, or an aggregate's `where`, not in {}",
                                    sc.place));
      else
        s_.diags.report(DiagCode::NotAValue, e->span, "`event` needs a field: write event.FIELD");
      return;
    default:
      for (auto& a : e->args) expr(a.get(), sc);
      return;
  }
}

void Resolver::name(Expr* e) {
  const std::string& n = e->name;
  if (auto it = syms_.customerFields.find(n); it != syms_.customerFields.end()) {
    e->ref = RefKind::CustomerField;
    e->refIndex = it->second;
    return;
  }
  if (int i = syms_.values.indexOf(n); i >= 0) {
    ValueDecl* v = syms_.values.list[i];
    v->used = true;
    e->ref = v->kind == DeclKind::Const ? RefKind::Const : v->kind == DeclKind::Let ? RefKind::Let : RefKind::Segment;
    e->refIndex = i;
    return;
  }
  const char* kind = syms_.events.find(n)      ? "an event type"
                     : syms_.offers.find(n)    ? "an offer"
                     : syms_.channels.find(n)  ? "a channel"
                     : syms_.campaigns.find(n) ? "a campaign"
                     : syms_.policies.find(n)  ? "a policy"
                     : syms_.activities.find(n) ? "an activity"
                                                : nullptr;
  if (kind) {
    std::string hint = syms_.events.find(n) ? fmt::format("; count its events with count({} within 30d)", n)
                                            : std::string();
    s_.diags.report(DiagCode::NotAValue, e->span, fmt::format("'{}' is {}, not a value{}", n, kind, hint));
    return;
  }
  if (n == "offer") {
    s_.diags.report(DiagCode::NotAValue, e->span, "`offer` needs a field: write offer.FIELD");
    return;
  }
  std::vector<std::string> candidates;
  for (auto& [f, i] : syms_.customerFields) candidates.push_back(f);
  for (auto* v : syms_.values.list) candidates.push_back(v->name.name);
  std::string hint = didYouMean(n, candidates);
  s_.diags.report(DiagCode::UnknownName, e->span,
                  hint.empty() && syms_.customer
                      ? fmt::format("unknown name '{}': not a customer field, const, let or segment", n)
                      : fmt::format("unknown name '{}'{}", n, hint));
}

int Resolver::eventField(int event, const Ref& field) {
  if (field.name == "customer") return kEventCustomerField;
  if (field.name == "at") return kEventAtField;
  auto& fields = syms_.eventFields[event];
  if (auto it = fields.find(field.name); it != fields.end()) return it->second;
  std::vector<std::string> names{"customer", "at"};
  for (auto& [f, i] : fields) names.push_back(f);
  s_.diags.report(DiagCode::UnknownField, field.span,
                  fmt::format("unknown field '{}' in event '{}'{}", field.name, syms_.events.list[event]->name.name,
                              didYouMean(field.name, names)));
  return INT32_MIN;
}

void Resolver::field(Expr* e, const Scope& sc) {
  Expr* base = e->args[0].get();
  Ref fieldRef{e->name, e->nameSpan};
  if (base->kind == ExprKind::Event) {
    if (sc.event == -1) {
      s_.diags.report(DiagCode::EventOutOfContext, e->span,
                      fmt::format("`event.{}` is only readable in an event campaign (with `trigger:`), a response's "
                                  "`when`, or an aggregate's `where`, not in {}",
                                  e->name, sc.place));
      return;
    }
    if (sc.event < 0) return;  // the event type itself is unknown, reported already
    int f = eventField(sc.event, fieldRef);
    if (f == INT32_MIN) return;
    e->ref = RefKind::EventField;
    e->eventIndex = sc.event;
    e->fieldIndex = f;
    return;
  }
  if (base->kind == ExprKind::Name && base->name == "offer" && !isValueName("offer")) {
    if (!sc.campaign) {
      s_.diags.report(DiagCode::OfferWithoutOffer, e->span,
                      fmt::format("`offer.{}` reads a campaign's offer; {} has none", e->name, sc.place));
      return;
    }
    if (!sc.campaign->offer) {
      s_.diags.report(DiagCode::OfferWithoutOffer, e->span,
                      fmt::format("campaign '{}' has no `offer:` clause, so `offer.{}` has nothing to read",
                                  sc.campaign->name.name, e->name));
      return;
    }
    int o = syms_.offers.indexOf(sc.campaign->offer->name);
    if (o < 0) return;  // unknown offer, reported at the clause
    OfferDecl* offer = syms_.offers.list[o];
    std::vector<std::string> names;
    for (size_t i = 0; i < offer->fields.size(); ++i) {
      if (offer->fields[i].name.name == e->name) {
        e->ref = RefKind::OfferField;
        e->refIndex = o;
        e->fieldIndex = static_cast<int>(i);
        return;
      }
      names.push_back(offer->fields[i].name.name);
    }
    s_.diags.report(DiagCode::UnknownField, e->nameSpan,
                    fmt::format("unknown field '{}' in offer '{}'{}", e->name, offer->name.name,
                                didYouMean(e->name, names)));
    return;
  }
  if (base->kind == ExprKind::Name && !isValueName(base->name) && syms_.events.find(base->name)) {
    s_.diags.report(DiagCode::NotAValue, e->span,
                    fmt::format("`{}.{}` reads stored events: use it inside sum(...), avg(...), min(...), max(...) "
                                "or last(...)",
                                base->name, e->name));
    return;
  }
  expr(base, sc);
  if (base->kind == ExprKind::Name && base->ref == RefKind::Unresolved) return;
  if (base->kind == ExprKind::Name && base->ref == RefKind::CustomerField && base->name == "customer") return;
  if (base->kind == ExprKind::Error) return;
  s_.diags.report(DiagCode::NotAField, e->nameSpan,
                  base->kind == ExprKind::Name && base->ref == RefKind::CustomerField
                      ? fmt::format("'{}' is a customer field and has no field '{}'", base->name, e->name)
                      : fmt::format("this value has no field '{}'", e->name));
}

bool Resolver::isEventRef(const Expr& e) const {
  const Expr* n = e.kind == ExprKind::Field ? e.args[0].get() : &e;
  return n->kind == ExprKind::Name && !isValueName(n->name) && syms_.events.find(n->name);
}

void Resolver::call(Expr* e, const Scope& sc) {
  Aggregate agg;
  bool maybeAgg = findAggregate(e->name, agg);
  if (maybeAgg && (agg == Aggregate::Min || agg == Aggregate::Max) && !e->filters &&
      (e->args.size() != 1 || !isEventRef(*e->args[0])))
    maybeAgg = false;
  if (maybeAgg) {
    aggregate(e, agg, sc);
    return;
  }
  Builtin b;
  if (findBuiltin(e->name, b)) {
    e->ref = RefKind::Builtin;
    e->refIndex = static_cast<int>(b);
    const BuiltinInfo& info = builtinInfo(b);
    int n = static_cast<int>(e->args.size());
    if (n < info.minArgs || n > info.maxArgs) {
      std::string want = info.minArgs == info.maxArgs ? fmt::format("{}", info.minArgs)
                         : info.maxArgs >= 16         ? fmt::format("at least {}", info.minArgs)
                                                      : fmt::format("{} to {}", info.minArgs, info.maxArgs);
      s_.diags.report(DiagCode::BadArguments, e->span,
                      fmt::format("{} takes {} argument{}, not {}: {}", e->name, want,
                                  info.minArgs == 1 && info.maxArgs == 1 ? "" : "s", n, info.signature));
      e->ref = RefKind::Unresolved;
    }
    if (e->filters)
      s_.diags.report(DiagCode::BadAggregate, e->filters->span,
                      fmt::format("`where`, `within`, `on` and `for` belong to history aggregates "
                                  "(count, sum, avg, min, max, last, contacts, responses), not to {}",
                                  e->name));
  } else {
    s_.diags.report(DiagCode::UnknownFunction, e->nameSpan,
                    fmt::format("unknown function '{}'{}", e->name, didYouMean(e->name, callableNames())));
  }
  for (auto& a : e->args) expr(a.get(), sc);
}

void Resolver::aggregate(Expr* e, Aggregate agg, const Scope& sc) {
  e->ref = RefKind::Aggregate;
  e->refIndex = static_cast<int>(agg);
  const char* name = aggregateName(agg);
  AggFilters* f = e->filters.get();
  bool history = agg == Aggregate::Contacts || agg == Aggregate::Responses;
  auto bad = [&](Span at, std::string msg) {
    s_.diags.report(DiagCode::BadAggregate, at, std::move(msg));
    e->ref = RefKind::Unresolved;
  };
  if (history) {
    if (!e->args.empty())
      bad(e->args[0]->span, fmt::format("{} takes no arguments, only filters: {}(on sms within 7d)", name, name));
    if (f && f->where) bad(f->where->span, fmt::format("{} takes no `where`", name));
    if (f && agg == Aggregate::Responses && (f->on || f->forKind))
      bad(f->span, "responses takes only `within`: responses(within 30d)");
    if (f && f->on) clauseRef(syms_.channels, *f->on, DiagCode::UnknownChannel, "channel");
    if (f && f->forKind) {
      if (f->forKind->name != "campaign")
        bad(f->forKind->span, fmt::format("write `for campaign NAME`, not `for {}`", f->forKind->name));
      else
        clauseRef(syms_.campaigns, *f->forName, DiagCode::UnknownCampaign, "campaign");
    }
  } else {
    if (f && (f->on || f->forKind))
      bad(f->span, fmt::format("`on` and `for` belong to contacts(...); {} takes `where` and `within`", name));
    bool wantsField = agg != Aggregate::Count;
    std::string shape = wantsField ? fmt::format("{}(recharge.amount within 90d)", name)
                                   : std::string("count(recharge within 30d)");
    Expr* arg = e->args.size() == 1 ? e->args[0].get() : nullptr;
    Expr* evName = arg && arg->kind == ExprKind::Field ? arg->args[0].get() : arg;
    if (!arg || (arg->kind == ExprKind::Field) != wantsField || evName->kind != ExprKind::Name) {
      bad(arg ? arg->span : e->span, fmt::format("{} needs {}: {}", name,
                                                 wantsField ? "an event field" : "an event type", shape));
    } else if (int ev = syms_.events.indexOf(evName->name); ev < 0) {
      s_.diags.report(DiagCode::UnknownEvent, evName->span,
                      fmt::format("unknown event type '{}'{}", evName->name,
                                  didYouMean(evName->name, syms_.events.names())));
      e->ref = RefKind::Unresolved;
    } else {
      syms_.events.list[ev]->used = true;
      e->eventIndex = ev;
      evName->ref = RefKind::EventType;
      evName->eventIndex = ev;
      if (wantsField) {
        int fi = eventField(ev, Ref{arg->name, arg->nameSpan});
        if (fi == INT32_MIN) {
          e->ref = RefKind::Unresolved;
        } else {
          e->fieldIndex = fi;
          arg->ref = RefKind::EventField;
          arg->eventIndex = ev;
          arg->fieldIndex = fi;
        }
      }
      if (f && f->where) {
        Scope inner = sc;
        inner.event = ev;
        expr(f->where.get(), inner);
      }
    }
  }
  if (f && f->within) expr(f->within.get(), sc);
}

}  // namespace

void resolveNames(Sema& sema) { Resolver(sema).run(); }

void resolveStandaloneExpr(Sema& sema, Expr& e) { Resolver(sema).standalone(e); }

}  // namespace herald
