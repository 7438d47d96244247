// Pass 6: warnings a marketer wants to see — unused declarations, campaigns that never run,
// audiences that select nobody, and checks that can never matter.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compiler/sema/builtins.hpp"
#include "compiler/sema/const_fold.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {

void checkWarnings(Sema& sema) {
  Symbols& syms = sema.syms;
  DiagnosticEngine& diags = sema.diags;

  auto ascii = [](const std::string& n) {
    return std::all_of(n.begin(), n.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  };
  for (auto* v : syms.values.list) {
    if (v->used || v->broken || !ascii(v->name.name)) continue;  // already an error there
    DiagCode code = v->kind == DeclKind::Segment ? DiagCode::UnusedSegment
                    : v->kind == DeclKind::Let   ? DiagCode::UnusedLet
                                                 : DiagCode::UnusedConst;
    diags.report(code, v->name.span, fmt::format("{} '{}' is never used", declKindText(v->kind), v->name.name));
  }
  for (auto* o : syms.offers.list)
    if (!o->used) diags.report(DiagCode::UnusedOffer, o->name.span, fmt::format("offer '{}' is never used", o->name.name));
  for (auto* p : syms.policies.list)
    if (!p->used && p->name.name != "default")
      diags.report(DiagCode::UnusedPolicy, p->name.span,
                   fmt::format("policy '{}' is named by no campaign (only a policy called `default` applies "
                               "by itself)",
                               p->name.name));

  std::set<std::string> inActivity;
  for (auto* a : syms.activities.list)
    for (auto& c : a->campaigns) inActivity.insert(c.name);
  for (auto* c : syms.campaigns.list) {
    if (!inActivity.count(c->name.name))
      diags.report(DiagCode::CampaignNotInActivity, c->name.span,
                   fmt::format("campaign '{}' is in no activity, so it never runs", c->name.name));
    if (c->audience && !c->audience->type.isError()) {
      Folded f = foldConstant(sema, *c->audience);
      if (f.ok() && f.value.kind == TypeKind::Bool && !f.value.boolean)
        diags.report(DiagCode::AudienceAlwaysFalse, c->audience->span,
                     fmt::format("the audience of campaign '{}' is always false: it selects nobody", c->name.name));
    }
  }

  for (auto* r : syms.responses) {
    bool decided = false;
    for (auto& b : r->branches) {
      if (decided) {
        diags.report(DiagCode::UnreachableWhen, b.span, "this branch never runs: an earlier `when` is always true");
        break;
      }
      if (b.cond && !b.cond->type.isError()) {
        Folded f = foldConstant(sema, *b.cond);
        decided = f.ok() && f.value.kind == TypeKind::Bool && f.value.boolean;
      }
    }
  }

  forEachRootExpr(sema.pack, [&](Expr* root) {
    walkExpr(root, [&](Expr* e) {
      if (e->kind == ExprKind::Call && e->ref == RefKind::Builtin && static_cast<Builtin>(e->refIndex) == Builtin::Has &&
          e->args.size() == 1) {
        Expr* arg = e->args[0].get();
        bool field = arg->ref == RefKind::CustomerField || arg->ref == RefKind::EventField;
        if (field && !arg->type.isError() && !arg->type.optional)
          diags.report(DiagCode::HasOnRequired, e->span,
                       fmt::format("`has({})` is always true: the field is required, never missing",
                                   arg->kind == ExprKind::Field ? "event." + arg->name : arg->name));
      }
      if (e->kind == ExprKind::Binary && e->op == Op::Coalesce) {
        const Type& left = e->args[0]->type;
        if (!left.isError() && !left.optional && !e->type.isError())
          diags.report(DiagCode::CoalesceNotOptional, e->span,
                       "`??` never applies here: its left side is never unknown");
      }
    });
  });
}

}  // namespace herald
