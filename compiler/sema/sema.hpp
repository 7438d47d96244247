#pragma once
// The checker: names, types, cycles and campaign rules over a parsed pack. One pass per file;
// `check` runs them in order. Passes report diagnostics and annotate the AST in place.

#include <map>
#include <string>
#include <vector>

#include "compiler/ast/ast.hpp"
#include "compiler/diag/diagnostic.hpp"

namespace herald {

/// Event fields every event has besides its declared ones.
constexpr int kEventCustomerField = -2;
constexpr int kEventAtField = -3;

/// A named declaration kind and its index in its list.
template <typename D>
struct DeclList {
  std::vector<D*> list;
  std::map<std::string, int> byName;
  D* find(const std::string& name) const {
    auto it = byName.find(name);
    return it == byName.end() ? nullptr : list[it->second];
  }
  int indexOf(const std::string& name) const {
    auto it = byName.find(name);
    return it == byName.end() ? -1 : it->second;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto* d : list) out.push_back(d->name.name);
    return out;
  }
};

/// Everything a pack declares, by kind.
struct Symbols {
  SchemaDecl* customer = nullptr;
  std::map<std::string, int> customerFields;
  DeclList<SchemaDecl> events;
  std::vector<std::map<std::string, int>> eventFields;  // per event, declared fields
  DeclList<ValueDecl> values;                           // const, let and segment share one namespace
  DeclList<OfferDecl> offers;
  DeclList<ChannelDecl> channels;
  DeclList<PolicyDecl> policies;
  DeclList<CampaignDecl> campaigns;
  DeclList<ActivityDecl> activities;
  std::vector<ResponseDecl*> responses;

  /// The type of a customer field / an event field (including `customer` and `at`).
  Type customerFieldType(int index) const;
  Type eventFieldType(int event, int field) const;
  const std::string& eventFieldName(int event, int field) const;
};

/// State shared by the passes.
struct Sema {
  const SourceManager& sources;
  DiagnosticEngine& diags;
  Pack& pack;
  Symbols syms;
  std::vector<Type> valueTypes;  // per values.list entry, filled by check_types
  Sema(const SourceManager& s, DiagnosticEngine& d, Pack& p) : sources(s), diags(d), pack(p) {}
};

// The passes, in the order `checkPack` runs them.
void collectDecls(Sema& sema);
void resolveNames(Sema& sema);
void checkCycles(Sema& sema);
void checkTypes(Sema& sema);
void checkRules(Sema& sema);
void checkWarnings(Sema& sema);

/// Runs every pass over a parsed pack.
void checkPack(Sema& sema);

/// Checks an expression given on its own (`herald eval --expr`) against a checked pack.
void checkStandaloneExpr(Sema& sema, Expr& e);

/// Calls `f(expr)` for every expression node under `e`, parents first (aggregate filters included).
template <typename F>
void walkExpr(Expr* e, F&& f) {
  if (!e) return;
  f(e);
  for (auto& a : e->args) walkExpr(a.get(), f);
  if (e->filters) {
    walkExpr(e->filters->where.get(), f);
    walkExpr(e->filters->within.get(), f);
  }
}

/// Calls `f(expr)` for the root of every expression the pack holds.
template <typename F>
void forEachRootExpr(Pack& pack, F&& f) {
  for (auto& d : pack.decls) {
    switch (d->kind) {
      case DeclKind::Const:
      case DeclKind::Let:
      case DeclKind::Segment: f(static_cast<ValueDecl&>(*d).value.get()); break;
      case DeclKind::Offer:
        for (auto& nv : static_cast<OfferDecl&>(*d).fields) f(nv.value.get());
        break;
      case DeclKind::Channel:
        for (auto& nv : static_cast<ChannelDecl&>(*d).fields) f(nv.value.get());
        break;
      case DeclKind::Policy:
        for (auto& r : static_cast<PolicyDecl&>(*d).rules) {
          f(r.count.get());
          f(r.window.get());
        }
        break;
      case DeclKind::Campaign: {
        auto& c = static_cast<CampaignDecl&>(*d);
        if (c.trigger) f(c.trigger->where.get());
        for (Expr* e : {c.audience.get(), c.priority.get(), c.limit.get(), c.budget.get(), c.control.get(),
                        c.delay.get()})
          f(e);
        if (c.message)
          for (auto& p : c.message->pieces) f(p.expr.get());
        break;
      }
      case DeclKind::Activity: f(static_cast<ActivityDecl&>(*d).perCustomer.get()); break;
      case DeclKind::Response: {
        auto& r = static_cast<ResponseDecl&>(*d);
        f(r.attribution.get());
        for (auto& b : r.branches) {
          f(b.cond.get());
          for (auto& nv : b.action.leadArgs) f(nv.value.get());
        }
        break;
      }
      case DeclKind::Customer:
      case DeclKind::Event: break;
    }
  }
}

}  // namespace herald
