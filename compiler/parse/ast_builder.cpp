#include "compiler/parse/ast_builder.hpp"

#include <fmt/format.h>

#include <functional>

namespace herald {
namespace {

using P = HeraldParser;


}  // namespace

// ---------------------------------------------------------------- places

Span AstBuilder::spanOf(antlr4::Token* token) const {
  if (!token || token->getType() == antlr4::Token::EOF) return Span{};
  return input_.span(token->getStartIndex(), token->getStopIndex());
}

Span AstBuilder::spanOf(antlr4::ParserRuleContext* ctx) const {
  if (!ctx || !ctx->getStart()) return Span{};
  Span first = spanOf(ctx->getStart());
  antlr4::Token* stop = ctx->getStop();
  if (!stop || stop->getType() == antlr4::Token::EOF || stop->getTokenIndex() < ctx->getStart()->getTokenIndex())
    return first;
  return Span::cover(first, spanOf(stop));
}

Span AstBuilder::subSpan(antlr4::Token* token, uint32_t byteOffset, uint32_t byteLength) const {
  std::string text = token->getText();
  auto cps = [&](uint32_t bytes) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < bytes && i < text.size(); ++i)
      if (!isUtf8Continuation(static_cast<unsigned char>(text[i]))) ++n;
    return n;
  };
  size_t first = token->getStartIndex() + cps(byteOffset);
  if (byteLength == 0) return spanOf(token);
  size_t last = token->getStartIndex() + cps(byteOffset + byteLength) - 1;
  return input_.span(first, last);
}

Ref AstBuilder::refOf(P::IdentContext* ctx) const {
  if (!ctx) return Ref{};
  return Ref{ctx->getText(), spanOf(ctx)};
}

void AstBuilder::reportLiteral(antlr4::Token* token, DiagCode code, const LiteralError& err) {
  diags_.report(err.tooLarge ? DiagCode::IntTooLarge : code, subSpan(token, err.offset, err.length), err.message);
}

bool AstBuilder::repeated(bool& seen, const Ref& clause, std::string_view owner) {
  if (seen) {
    diags_.report(DiagCode::RepeatedClause, clause.span,
                  fmt::format("clause '{}' is given twice in {}", clause.name, owner));
    return true;
  }
  seen = true;
  return false;
}

void AstBuilder::badClause(DiagCode code, Span at, std::string message) {
  diags_.report(code, at, std::move(message));
  const std::string& text = source_.text();
  size_t end = text.find('\n', at.offset);
  diags_.quietAfter(at, end == std::string::npos ? static_cast<uint32_t>(text.size()) : static_cast<uint32_t>(end));
}

// ---------------------------------------------------------------- file

std::unique_ptr<Pack> AstBuilder::buildPack(P::FileContext* ctx) {
  auto pack = std::make_unique<Pack>();
  pack->file = input_.file;
  if (!ctx) return pack;
  if (auto* h = ctx->header()) {
    pack->name = refOf(h->ident());
  } else {
    Span at = spanOf(ctx->getStart());
    if (!at.valid()) at = Span{input_.file, 0, 0};
    diags_.report(DiagCode::MissingPack, at, "a pack must start with `pack NAME`");
  }
  if (auto* tz = ctx->timezone(); tz && tz->STRING())
    pack->timezone = Ref{decodeStringToken(tz->STRING()->getSymbol()), spanOf(tz->STRING())};
  for (auto* d : ctx->decl())
    if (auto built = decl(d)) pack->decls.push_back(std::move(built));
  // A syntax error between two declarations (say, after a complete `segment s = tier` comes
  // `= "A"`) belongs to the declaration before it.
  for (const Diagnostic& diag : diags_.all()) {
    if (diag.span.file != input_.file || diag.code != DiagCode::SyntaxError) continue;
    for (size_t i = 0; i < pack->decls.size(); ++i) {
      uint32_t begin = pack->decls[i]->span.offset;
      uint32_t end = i + 1 < pack->decls.size() ? pack->decls[i + 1]->span.offset : UINT32_MAX;
      if (diag.span.offset >= begin && diag.span.offset < end) pack->decls[i]->broken = true;
    }
  }
  return pack;
}

ExprPtr AstBuilder::buildExprOnly(P::ExprOnlyContext* ctx) { return ctx ? expr(ctx->expr()) : errorExpr({}); }

namespace {

// True when the parser recovered from an error somewhere inside `tree`.
bool hasSyntaxError(antlr4::tree::ParseTree* tree) {
  if (dynamic_cast<antlr4::tree::ErrorNode*>(tree)) return true;
  if (auto* ctx = dynamic_cast<antlr4::ParserRuleContext*>(tree); ctx && ctx->exception) return true;
  for (auto* child : tree->children)
    if (hasSyntaxError(child)) return true;
  return false;
}

}  // namespace

std::unique_ptr<Decl> AstBuilder::decl(P::DeclContext* ctx) {
  if (!ctx) return nullptr;
  std::unique_ptr<Decl> d = declOf(ctx);
  if (d) d->broken = hasSyntaxError(ctx);
  return d;
}

std::unique_ptr<Decl> AstBuilder::declOf(P::DeclContext* ctx) {
  if (auto* c = ctx->customerDecl())
    return schema(DeclKind::Customer, Ref{"customer", spanOf(c->CUSTOMER())}, c->fieldDecl(), c);
  if (auto* c = ctx->eventDecl()) return schema(DeclKind::Event, refOf(c->ident()), c->fieldDecl(), c);
  if (auto* c = ctx->constDecl()) return valueDecl(DeclKind::Const, c->ident(), c->expr(), c);
  if (auto* c = ctx->letDecl()) return valueDecl(DeclKind::Let, c->ident(), c->expr(), c);
  if (auto* c = ctx->segmentDecl()) return valueDecl(DeclKind::Segment, c->ident(), c->expr(), c);
  if (auto* c = ctx->offerDecl()) return offer(c);
  if (auto* c = ctx->channelDecl()) return channel(c);
  if (auto* c = ctx->policyDecl()) return policy(c);
  if (auto* c = ctx->campaignDecl()) return campaign(c);
  if (auto* c = ctx->activityDecl()) return activity(c);
  if (auto* c = ctx->responseDecl()) return response(c);
  return nullptr;
}

std::unique_ptr<Decl> AstBuilder::schema(DeclKind kind, Ref name, const std::vector<P::FieldDeclContext*>& fields,
                                         antlr4::ParserRuleContext* ctx) {
  auto d = std::make_unique<SchemaDecl>(kind);
  d->name = std::move(name);
  d->span = spanOf(ctx);
  for (auto* f : fields) {
    if (!f || !f->ident()) continue;
    d->fields.push_back(FieldDecl{refOf(f->ident()), typeRef(f->typeRef())});
  }
  return d;
}

TypeRef AstBuilder::typeRef(P::TypeRefContext* ctx) {
  TypeRef t;
  t.span = spanOf(ctx);
  if (auto* e = dynamic_cast<P::EnumTypeContext*>(ctx)) {
    t.type = Type::of(TypeKind::Enum, e->QMARK() != nullptr);
    for (auto* s : e->STRING()) {
      t.members.push_back(decodeStringToken(s->getSymbol()));
      t.memberSpans.push_back(spanOf(s));
    }
  } else if (auto* s = dynamic_cast<P::SetTypeContext*>(ctx)) {
    t.type = Type::of(TypeKind::Set, s->QMARK() != nullptr);
    t.name = s->ident() ? s->ident()->getText() : "";
  } else if (auto* n = dynamic_cast<P::NamedTypeContext*>(ctx)) {
    t.name = n->ident() ? n->ident()->getText() : "";
    static const std::pair<const char*, TypeKind> kNames[] = {
        {"bool", TypeKind::Bool},           {"int", TypeKind::Int},           {"float", TypeKind::Float},
        {"string", TypeKind::String},       {"timestamp", TypeKind::Timestamp}, {"duration", TypeKind::Duration}};
    t.type = Type::of(TypeKind::Error, n->QMARK() != nullptr);
    for (auto& [word, kind] : kNames)
      if (t.name == word) t.type.kind = kind;
  }
  return t;
}

std::unique_ptr<Decl> AstBuilder::valueDecl(DeclKind kind, P::IdentContext* name, P::ExprContext* value,
                                            antlr4::ParserRuleContext* ctx) {
  auto d = std::make_unique<ValueDecl>(kind);
  d->name = refOf(name);
  d->span = spanOf(ctx);
  d->value = expr(value);
  return d;
}

NamedValue AstBuilder::namedValue(P::NamedValueContext* ctx) {
  if (!ctx) return NamedValue{};
  return NamedValue{refOf(ctx->ident()), expr(ctx->expr())};
}

std::unique_ptr<Decl> AstBuilder::offer(P::OfferDeclContext* ctx) {
  auto d = std::make_unique<OfferDecl>();
  d->name = refOf(ctx->ident());
  d->span = spanOf(ctx);
  for (auto* f : ctx->namedValue()) d->fields.push_back(namedValue(f));
  return d;
}

std::unique_ptr<Decl> AstBuilder::channel(P::ChannelDeclContext* ctx) {
  auto d = std::make_unique<ChannelDecl>();
  d->name = refOf(ctx->ident());
  d->span = spanOf(ctx);
  bool seenCost = false, seenQuiet = false;
  std::string owner = fmt::format("channel '{}'", d->name.name);
  for (auto* f : ctx->channelField()) {
    if (auto* q = dynamic_cast<P::QuietFieldContext*>(f)) {
      if (repeated(seenQuiet, Ref{"quiet", spanOf(q->QUIET())}, owner)) continue;
      if (q->TIME().size() == 2) {
        d->quietStart = timeOfDay(q->TIME(0));
        d->quietEnd = timeOfDay(q->TIME(1));
      }
      d->quietSpan = spanOf(q);
    } else if (auto* o = dynamic_cast<P::OtherChannelFieldContext*>(f)) {
      Ref name = refOf(o->ident());
      if (name.name == "cost") {
        if (repeated(seenCost, name, owner)) continue;
        d->fields.push_back(NamedValue{name, expr(o->expr())});
      } else if (name.name == "quiet") {
        badClause(DiagCode::BadQuietHours, spanOf(o->expr()), "write quiet hours as `quiet: 21:00 to 08:00`");
      } else {
        badClause(DiagCode::UnknownClause, name.span,
                      fmt::format("unknown clause '{}' in channel; a channel has `cost` and `quiet`{}", name.name,
                                  didYouMean(name.name, {"cost", "quiet"})));
      }
    }
  }
  return d;
}

std::unique_ptr<Decl> AstBuilder::policy(P::PolicyDeclContext* ctx) {
  auto d = std::make_unique<PolicyDecl>();
  d->name = refOf(ctx->ident());
  d->span = spanOf(ctx);
  for (auto* r : ctx->policyRule()) {
    PolicyRule rule;
    rule.span = spanOf(r);
    std::vector<P::RuleScopeContext*> scopes;
    if (auto* m = dynamic_cast<P::MaxRuleContext*>(r)) {
      rule.kind = RuleKind::MaxContacts;
      rule.count = expr(m->expr(0));
      rule.window = expr(m->expr(1));
      scopes = m->ruleScope();
    } else if (auto* m = dynamic_cast<P::MinRuleContext*>(r)) {
      rule.kind = RuleKind::MinBetween;
      rule.window = expr(m->expr());
      scopes = m->ruleScope();
    } else if (auto* e = dynamic_cast<P::ExcludeRuleContext*>(r)) {
      rule.kind = RuleKind::ExcludeList;
      if (e->STRING()) rule.list = decodeStringToken(e->STRING()->getSymbol());
    }
    for (auto* s : scopes) {
      if (auto* on = dynamic_cast<P::OnScopeContext*>(s)) {
        if (rule.on) diags_.report(DiagCode::BadPolicyRule, spanOf(s), "a rule takes `on CHANNEL` once");
        rule.on = refOf(on->ident());
      } else if (auto* same = dynamic_cast<P::SameScopeContext*>(s)) {
        Ref what = refOf(same->ident());
        if (rule.same) {
          diags_.report(DiagCode::BadPolicyRule, spanOf(s), "a rule takes one `for same ...`");
        } else if (what.name != "campaign" && what.name != "offer") {
          diags_.report(DiagCode::BadPolicyRule, what.span,
                        fmt::format("`for same` takes `campaign` or `offer`, not '{}'", what.name));
        } else {
          rule.same = what;
        }
      }
    }
    // Normalised text of the rule, used as the reason of a suppression.
    std::vector<std::string> words;
    std::function<void(antlr4::tree::ParseTree*)> collect = [&](antlr4::tree::ParseTree* t) {
      if (auto* term = dynamic_cast<antlr4::tree::TerminalNode*>(t)) {
        if (term->getSymbol()->getType() != antlr4::Token::EOF && !dynamic_cast<antlr4::tree::ErrorNode*>(t))
          words.push_back(term->getText());
        return;
      }
      for (auto* child : t->children) collect(child);
    };
    collect(r);
    for (size_t i = 0; i < words.size(); ++i) rule.text += (i ? " " : "") + words[i];
    d->rules.push_back(std::move(rule));
  }
  return d;
}

std::unique_ptr<Decl> AstBuilder::campaign(P::CampaignDeclContext* ctx) {
  auto d = std::make_unique<CampaignDecl>();
  d->name = refOf(ctx->ident());
  d->span = spanOf(ctx);
  std::string owner = fmt::format("campaign '{}'", d->name.name);
  bool seenChannel = false, seenOffer = false, seenLimit = false, seenPolicy = false, seenMessage = false,
       seenTrigger = false;
  for (auto* c : ctx->campaignClause()) {
    Ref word{c->getStart()->getText(), spanOf(c->getStart())};
    if (auto* x = dynamic_cast<P::ChannelClauseContext*>(c)) {
      if (!repeated(seenChannel, word, owner)) d->channel = refOf(x->ident());
    } else if (auto* x = dynamic_cast<P::OfferClauseContext*>(c)) {
      if (!repeated(seenOffer, word, owner)) d->offer = refOf(x->ident());
    } else if (auto* x = dynamic_cast<P::LimitClauseContext*>(c)) {
      if (!repeated(seenLimit, word, owner)) d->limit = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::PolicyClauseContext*>(c)) {
      if (!repeated(seenPolicy, word, owner))
        for (auto* id : x->ident()) d->policies.push_back(refOf(id));
    } else if (auto* x = dynamic_cast<P::MessageClauseContext*>(c)) {
      if (!repeated(seenMessage, word, owner) && x->STRING()) d->message = message(x->STRING()->getSymbol());
    } else if (auto* x = dynamic_cast<P::TriggerClauseContext*>(c)) {
      if (!repeated(seenTrigger, word, owner)) {
        Trigger t;
        t.event = refOf(x->ident());
        t.where = x->expr() ? expr(x->expr()) : nullptr;
        t.span = spanOf(x);
        d->trigger = std::move(t);
      }
    } else if (auto* x = dynamic_cast<P::ExprClauseContext*>(c)) {
      campaignExprClause(*d, x);
    }
  }
  return d;
}

void AstBuilder::campaignExprClause(CampaignDecl& c, P::ExprClauseContext* ctx) {
  Ref name = refOf(ctx->ident());
  std::string owner = fmt::format("campaign '{}'", c.name.name);
  ExprPtr* slot = name.name == "audience"   ? &c.audience
                  : name.name == "priority" ? &c.priority
                  : name.name == "budget"   ? &c.budget
                  : name.name == "control"  ? &c.control
                  : name.name == "delay"    ? &c.delay
                                            : nullptr;
  if (slot) {
    if (*slot) {
      diags_.report(DiagCode::RepeatedClause, name.span, fmt::format("clause '{}' is given twice in {}", name.name, owner));
      return;
    }
    *slot = expr(ctx->expr());
    return;
  }
  static const char* kShapes[][2] = {{"channel", "`channel: NAME` takes a channel's name"},
                                     {"offer", "`offer: NAME` takes an offer's name"},
                                     {"policy", "`policy: NAME, NAME` takes policy names"},
                                     {"limit", "write the limit as `limit: N per run`"},
                                     {"message", "`message:` takes a string"},
                                     {"trigger", "write `trigger: EVENT` or `trigger: EVENT where CONDITION`"}};
  for (auto& [word, hint] : kShapes) {
    if (name.name == word) {
      badClause(DiagCode::ClauseType, spanOf(ctx->expr()), hint);
      // The clause is there, only malformed: keep it (nameless) so it is not also reported missing.
      if (name.name == "channel") c.channel = Ref{};
      if (name.name == "offer") c.offer = Ref{};
      return;
    }
  }
  std::vector<std::string> known = {"channel", "offer",   "audience", "priority", "limit",  "budget",
                                    "control", "policy",  "message",  "trigger",  "delay"};
  badClause(DiagCode::UnknownClause, name.span,
                fmt::format("unknown clause '{}' in campaign{}", name.name, didYouMean(name.name, known)));
}

std::unique_ptr<Decl> AstBuilder::activity(P::ActivityDeclContext* ctx) {
  auto d = std::make_unique<ActivityDecl>();
  d->name = refOf(ctx->ident());
  d->span = spanOf(ctx);
  std::string owner = fmt::format("activity '{}'", d->name.name);
  bool seenSchedule = false, seenWindow = false, seenPerCustomer = false;
  for (auto* c : ctx->activityClause()) {
    Ref word{c->getStart()->getText(), spanOf(c->getStart())};
    if (auto* x = dynamic_cast<P::CampaignsClauseContext*>(c)) {
      if (repeated(d->hasCampaigns, word, owner)) continue;
      for (auto* id : x->ident()) d->campaigns.push_back(refOf(id));
    } else if (auto* x = dynamic_cast<P::ScheduleClauseContext*>(c)) {
      if (!repeated(seenSchedule, word, owner)) schedule(d->schedule, x->schedule());
    } else if (auto* x = dynamic_cast<P::WindowClauseContext*>(c)) {
      if (repeated(seenWindow, word, owner)) continue;
      d->windowSpan = spanOf(x);
      if (x->DATE().size() == 2) {
        d->windowFrom = civil(x->DATE(0));
        d->windowTo = civil(x->DATE(1));
      }
    } else if (auto* x = dynamic_cast<P::OtherActivityClauseContext*>(c)) {
      Ref name = refOf(x->ident());
      if (name.name == "per_customer") {
        if (!repeated(seenPerCustomer, name, owner)) d->perCustomer = expr(x->expr());
      } else if (name.name == "schedule") {
        badClause(DiagCode::BadSchedule, spanOf(x->expr()),
                      "a schedule is `daily at HH:MM`, `weekly on mon, thu at HH:MM`, `cron \"...\"`, "
                      "`once at TIMESTAMP` or `manual`");
      } else if (name.name == "window" || name.name == "campaigns") {
        badClause(DiagCode::ClauseType, spanOf(x->expr()),
                      name.name == "window" ? "write the window as `window: 2026-03-01 to 2026-04-30`"
                                            : "`campaigns:` takes campaign names separated by commas");
      } else {
        badClause(DiagCode::UnknownClause, name.span,
                      fmt::format("unknown clause '{}' in activity{}", name.name,
                                  didYouMean(name.name, {"campaigns", "schedule", "window", "per_customer"})));
      }
    }
  }
  return d;
}

void AstBuilder::schedule(Schedule& out, P::ScheduleContext* ctx) {
  if (!ctx) return;
  out.span = spanOf(ctx);
  if (auto* s = dynamic_cast<P::DailyScheduleContext*>(ctx)) {
    out.kind = ScheduleKind::Daily;
    if (auto t = timeOfDay(s->TIME())) out.at = *t;
  } else if (auto* s = dynamic_cast<P::WeeklyScheduleContext*>(ctx)) {
    out.kind = ScheduleKind::Weekly;
    if (auto t = timeOfDay(s->TIME())) out.at = *t;
    for (auto* id : s->ident()) out.days.push_back(refOf(id));
  } else if (auto* s = dynamic_cast<P::CronScheduleContext*>(ctx)) {
    out.kind = ScheduleKind::Cron;
    if (s->STRING()) out.cronText = decodeStringToken(s->STRING()->getSymbol());
    out.span = spanOf(s->STRING());
  } else if (auto* s = dynamic_cast<P::OnceScheduleContext*>(ctx)) {
    out.kind = ScheduleKind::Once;
    auto* node = s->TIMESTAMP() ? s->TIMESTAMP() : s->DATE();
    if (auto c = civil(node)) out.once = *c;
  } else {
    out.kind = ScheduleKind::Manual;
  }
}

std::unique_ptr<Decl> AstBuilder::response(P::ResponseDeclContext* ctx) {
  auto d = std::make_unique<ResponseDecl>();
  d->name = refOf(ctx->ident());
  d->span = spanOf(ctx);
  std::string owner = fmt::format("response '{}'", d->name.name);
  bool seenChannel = false, seenAttribution = false;
  Span elseSpan;
  for (auto* item : ctx->responseItem()) {
    if (auto* w = dynamic_cast<P::WhenItemContext*>(item)) {
      if (elseSpan.valid())
        diags_.report(DiagCode::ElseNotLast, spanOf(w->WHEN()), "`when` after `else`: `else` must come last");
      d->branches.push_back(WhenBranch{expr(w->expr()), action(w->action()), spanOf(w)});
    } else if (auto* e = dynamic_cast<P::ElseItemContext*>(item)) {
      if (elseSpan.valid())
        diags_.report(DiagCode::ElseNotLast, spanOf(e->ELSE()), "a response has one `else`");
      elseSpan = spanOf(e);
      d->branches.push_back(WhenBranch{nullptr, action(e->action()), spanOf(e)});
    } else if (auto* c = dynamic_cast<P::ResponseChannelContext*>(item)) {
      if (!repeated(seenChannel, Ref{"channel", spanOf(c->CHANNEL())}, owner)) d->channel = refOf(c->ident());
    } else if (auto* c = dynamic_cast<P::ResponseClauseContext*>(item)) {
      Ref name = refOf(c->ident());
      if (name.name == "attribution") {
        if (!repeated(seenAttribution, name, owner)) d->attribution = expr(c->expr());
      } else {
        badClause(DiagCode::UnknownClause, name.span,
                      fmt::format("unknown clause '{}' in response{}", name.name,
                                  didYouMean(name.name, {"channel", "attribution", "when"})));
      }
    }
  }
  return d;
}

Action AstBuilder::action(P::ActionContext* ctx) {
  Action a;
  if (!ctx) return a;
  a.span = spanOf(ctx);
  if (auto* s = dynamic_cast<P::SimpleActionContext*>(ctx)) {
    std::string word = s->getText();
    if (word == "order") {
      a.kind = ActionKind::Order;
    } else if (word == "dnd") {
      a.kind = ActionKind::Dnd;
    } else if (word == "ignore") {
      a.kind = ActionKind::Ignore;
    } else if (word == "lead") {
      diags_.report(DiagCode::BadAction, a.span, "write a lead as `lead(queue: \"sales\", due: 2d)`");
    } else if (word == "list") {
      diags_.report(DiagCode::BadAction, a.span, "write `list add \"NAME\"` or `list remove \"NAME\"`");
    } else {
      diags_.report(DiagCode::BadAction, a.span,
                    fmt::format("unknown action '{}'; actions are order, dnd, dnd all, lead(...), list add, "
                                "list remove and ignore{}",
                                word, didYouMean(word, {"order", "dnd", "ignore", "lead"})));
    }
  } else if (dynamic_cast<P::DndAllActionContext*>(ctx)) {
    a.kind = ActionKind::DndAll;
  } else if (auto* l = dynamic_cast<P::LeadActionContext*>(ctx)) {
    a.kind = ActionKind::Lead;
    for (auto* nv : l->namedValue()) a.leadArgs.push_back(namedValue(nv));
  } else if (auto* l = dynamic_cast<P::ListActionContext*>(ctx)) {
    std::string verb = l->ident() ? l->ident()->getText() : "";
    if (verb == "add" || verb == "remove") {
      a.kind = verb == "add" ? ActionKind::ListAdd : ActionKind::ListRemove;
    } else {
      diags_.report(DiagCode::BadAction, spanOf(l->ident()),
                    fmt::format("write `list add \"NAME\"` or `list remove \"NAME\"`, not `list {}`", verb));
    }
    if (l->STRING()) a.list = decodeStringToken(l->STRING()->getSymbol());
  }
  return a;
}

// ---------------------------------------------------------------- literals in clauses

std::string AstBuilder::decodeStringToken(antlr4::Token* token) {
  std::vector<LiteralError> errors;
  DecodedString s = decodeString(token->getText(), errors);
  for (auto& e : errors) reportLiteral(token, DiagCode::BadEscape, e);
  return std::move(s.text);
}

std::optional<TimeOfDay> AstBuilder::timeOfDay(antlr4::tree::TerminalNode* node) {
  if (!node) return std::nullopt;
  LiteralError err;
  int minutes = 0;
  if (!decodeTimeOfDay(node->getText(), minutes, err)) {
    reportLiteral(node->getSymbol(), DiagCode::BadDateTime, err);
    return std::nullopt;
  }
  return TimeOfDay{minutes};
}

std::optional<CivilTime> AstBuilder::civil(antlr4::tree::TerminalNode* node) {
  if (!node) return std::nullopt;
  LiteralError err;
  CivilTime t;
  if (!decodeDateTime(node->getText(), t, err)) {
    reportLiteral(node->getSymbol(), DiagCode::BadDateTime, err);
    return std::nullopt;
  }
  return t;
}

Message AstBuilder::message(antlr4::Token* token) {
  Message m;
  m.span = spanOf(token);
  std::vector<LiteralError> errors;
  std::string raw = token->getText();
  DecodedString s = decodeString(raw, errors);
  for (auto& e : errors) reportLiteral(token, DiagCode::BadEscape, e);
  uint32_t base = m.span.offset;
  auto placeAt = [&](size_t from, size_t to) {
    uint32_t b = base + s.origin[from], e = base + s.origin[std::min(to, s.text.size())];
    return Span{input_.file, b, std::max<uint32_t>(e - b, 1)};
  };
  std::string text;
  for (size_t i = 0; i < s.text.size();) {
    char c = s.text[i];
    if (c == '{' && i + 1 < s.text.size() && s.text[i + 1] == '{') {
      text += '{';
      i += 2;
    } else if (c == '}' && i + 1 < s.text.size() && s.text[i + 1] == '}') {
      text += '}';
      i += 2;
    } else if (c == '}') {
      diags_.report(DiagCode::BadMessage, placeAt(i, i + 1), "a lone '}' in a message; write '}}' for a brace");
      ++i;
    } else if (c == '{') {
      // Find the closing brace, skipping over strings inside the placeholder.
      size_t j = i + 1;
      bool inString = false;
      for (; j < s.text.size(); ++j) {
        if (inString) {
          if (s.text[j] == '\\') ++j;
          else if (s.text[j] == '"') inString = false;
        } else if (s.text[j] == '"') {
          inString = true;
        } else if (s.text[j] == '}') {
          break;
        }
      }
      if (j >= s.text.size()) {
        diags_.report(DiagCode::BadMessage, placeAt(i, i + 1),
                      "placeholder '{' is not closed with '}'; write '{{' for a brace");
        break;
      }
      std::string_view inner(s.text.data() + i + 1, j - i - 1);
      if (inner.find_first_not_of(" \t") == std::string_view::npos) {
        diags_.report(DiagCode::BadMessage, placeAt(i, j + 1), "empty placeholder '{}'");
      } else {
        if (!text.empty()) m.pieces.push_back(MessagePiece{std::move(text), nullptr});
        text.clear();
        ParseInput sub;
        sub.file = input_.file;
        sub.endName = "end of placeholder";
        sub.text = std::string(inner);
        for (size_t k = 0; k < inner.size();) {
          sub.cpOffsets.push_back(base + s.origin[i + 1 + k]);
          decodeUtf8(inner, k);
        }
        sub.cpOffsets.push_back(base + s.origin[j]);
        m.pieces.push_back(MessagePiece{"", parseEmbeddedExpression(source_, sub, diags_)});
      }
      i = j + 1;
    } else {
      text += c;
      ++i;
    }
  }
  if (!text.empty()) m.pieces.push_back(MessagePiece{std::move(text), nullptr});
  return m;
}

// ---------------------------------------------------------------- expressions

ExprPtr AstBuilder::binary(Op op, ExprPtr lhs, ExprPtr rhs) const {
  auto e = std::make_unique<Expr>(ExprKind::Binary, Span::cover(lhs->span, rhs->span));
  e->op = op;
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  return e;
}

ExprPtr AstBuilder::expr(P::ExprContext* ctx) {
  if (!ctx) return errorExpr({});
  if (auto* i = dynamic_cast<P::IfExprContext*>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::If, spanOf(ctx));
    for (size_t k = 0; k < 3; ++k) e->args.push_back(expr(k < i->expr().size() ? i->expr(k) : nullptr));
    return e;
  }
  if (auto* p = dynamic_cast<P::PlainExprContext*>(ctx)) return orExpr(p->orExpr());
  return errorExpr(spanOf(ctx));
}

ExprPtr AstBuilder::orExpr(P::OrExprContext* ctx) {
  if (!ctx || ctx->andExpr().empty()) return errorExpr(spanOf(ctx));
  ExprPtr e = andExpr(ctx->andExpr(0));
  for (size_t i = 1; i < ctx->andExpr().size(); ++i) e = binary(Op::Or, std::move(e), andExpr(ctx->andExpr(i)));
  return e;
}

ExprPtr AstBuilder::andExpr(P::AndExprContext* ctx) {
  if (!ctx || ctx->notExpr().empty()) return errorExpr(spanOf(ctx));
  ExprPtr e = notExpr(ctx->notExpr(0));
  for (size_t i = 1; i < ctx->notExpr().size(); ++i) e = binary(Op::And, std::move(e), notExpr(ctx->notExpr(i)));
  return e;
}

ExprPtr AstBuilder::notExpr(P::NotExprContext* ctx) {
  if (auto* n = dynamic_cast<P::NotOpContext*>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Unary, spanOf(ctx));
    e->op = Op::Not;
    e->args.push_back(notExpr(n->notExpr()));
    return e;
  }
  if (auto* p = dynamic_cast<P::NotPassContext*>(ctx)) return comparison(p->comparison());
  return errorExpr(spanOf(ctx));
}

ExprPtr AstBuilder::comparison(P::ComparisonContext* ctx) {
  if (!ctx) return errorExpr({});
  ExprPtr left = coalesce(ctx->coalesce());
  auto tails = ctx->compTail();
  if (tails.empty()) return left;
  if (tails.size() > 1)
    diags_.report(DiagCode::ChainedComparison, spanOf(tails[1]),
                  "comparisons do not chain: write `a < b and b < c`");
  auto* tail = tails[0];
  if (auto* t = dynamic_cast<P::CmpTailContext*>(tail)) {
    static const std::pair<size_t, Op> kOps[] = {{HeraldParser::EQ, Op::Eq}, {HeraldParser::NE, Op::Ne},
                                                 {HeraldParser::LT, Op::Lt}, {HeraldParser::LE, Op::Le},
                                                 {HeraldParser::GT, Op::Gt}, {HeraldParser::GE, Op::Ge}};
    Op op = Op::Eq;
    for (auto& [type, o] : kOps)
      if (t->op && t->op->getType() == type) op = o;
    return binary(op, std::move(left), coalesce(t->coalesce()));
  }
  if (auto* t = dynamic_cast<P::TextTailContext*>(tail)) {
    static const std::pair<size_t, Op> kOps[] = {{HeraldParser::MATCHES, Op::Matches},
                                                 {HeraldParser::CONTAINS, Op::Contains},
                                                 {HeraldParser::STARTS_WITH, Op::StartsWith},
                                                 {HeraldParser::ENDS_WITH, Op::EndsWith}};
    Op op = Op::Matches;
    for (auto& [type, o] : kOps)
      if (t->op && t->op->getType() == type) op = o;
    return binary(op, std::move(left), coalesce(t->coalesce()));
  }
  if (auto* t = dynamic_cast<P::BetweenTailContext*>(tail)) {
    auto e = std::make_unique<Expr>(ExprKind::Between, Span::cover(left->span, spanOf(t)));
    e->args.push_back(std::move(left));
    for (size_t k = 0; k < 2; ++k) e->args.push_back(coalesce(k < t->coalesce().size() ? t->coalesce(k) : nullptr));
    return e;
  }
  if (auto* t = dynamic_cast<P::InTailContext*>(tail)) {
    auto e = std::make_unique<Expr>(ExprKind::In, Span::cover(left->span, spanOf(t)));
    e->negated = t->NOT() != nullptr;
    e->args.push_back(std::move(left));
    e->args.push_back(coalesce(t->coalesce()));
    return e;
  }
  return left;
}

ExprPtr AstBuilder::coalesce(P::CoalesceContext* ctx) {
  if (!ctx || ctx->additive().empty()) return errorExpr(spanOf(ctx));
  ExprPtr e = additive(ctx->additive(0));
  for (size_t i = 1; i < ctx->additive().size(); ++i) e = binary(Op::Coalesce, std::move(e), additive(ctx->additive(i)));
  return e;
}

ExprPtr AstBuilder::additive(P::AdditiveContext* ctx) {
  if (!ctx || ctx->multiplicative().empty()) return errorExpr(spanOf(ctx));
  ExprPtr e = multiplicative(ctx->multiplicative(0));
  for (size_t i = 1; i < ctx->multiplicative().size(); ++i) {
    Op op = i - 1 < ctx->op.size() && ctx->op[i - 1]->getType() == HeraldParser::MINUS ? Op::Sub : Op::Add;
    e = binary(op, std::move(e), multiplicative(ctx->multiplicative(i)));
  }
  return e;
}

ExprPtr AstBuilder::multiplicative(P::MultiplicativeContext* ctx) {
  if (!ctx || ctx->unary().empty()) return errorExpr(spanOf(ctx));
  ExprPtr e = unary(ctx->unary(0));
  for (size_t i = 1; i < ctx->unary().size(); ++i) {
    size_t type = i - 1 < ctx->op.size() ? ctx->op[i - 1]->getType() : static_cast<size_t>(HeraldParser::STAR);
    Op op = type == HeraldParser::SLASH ? Op::Div : type == HeraldParser::PERCENT_OP ? Op::Mod : Op::Mul;
    e = binary(op, std::move(e), unary(ctx->unary(i)));
  }
  return e;
}

ExprPtr AstBuilder::unary(P::UnaryContext* ctx) {
  if (auto* n = dynamic_cast<P::NegateContext*>(ctx)) {
    // `-9223372036854775808` is INT64_MIN: the one literal whose magnitude alone does not fit.
    if (auto* pass = dynamic_cast<P::UnaryPassContext*>(n->unary())) {
      auto* post = pass->postfix();
      auto* lit = post && post->DOT().empty() ? dynamic_cast<P::LiteralExprContext*>(post->primary()) : nullptr;
      if (lit && lit->literal()->INT()) {
        std::string digits;
        for (char c : lit->literal()->getText())
          if (c != '_') digits += c;
        if (digits == "9223372036854775808") {
          auto e = std::make_unique<Expr>(ExprKind::Literal, spanOf(ctx));
          e->lit.kind = LitKind::Int;
          e->lit.integer = INT64_MIN;
          return e;
        }
      }
    }
    auto e = std::make_unique<Expr>(ExprKind::Unary, spanOf(ctx));
    e->op = Op::Neg;
    e->args.push_back(unary(n->unary()));
    return e;
  }
  if (auto* p = dynamic_cast<P::UnaryPassContext*>(ctx)) return postfix(p->postfix());
  return errorExpr(spanOf(ctx));
}

ExprPtr AstBuilder::postfix(P::PostfixContext* ctx) {
  if (!ctx) return errorExpr({});
  ExprPtr e = primary(ctx->primary());
  for (auto* id : ctx->ident()) {
    auto f = std::make_unique<Expr>(ExprKind::Field, Span::cover(e->span, spanOf(id)));
    f->name = id->getText();
    f->nameSpan = spanOf(id);
    f->args.push_back(std::move(e));
    e = std::move(f);
  }
  return e;
}

ExprPtr AstBuilder::primary(P::PrimaryContext* ctx) {
  if (!ctx) return errorExpr({});
  Span span = spanOf(ctx);
  if (auto* l = dynamic_cast<P::LiteralExprContext*>(ctx)) return literal(l->literal());
  if (dynamic_cast<P::NowExprContext*>(ctx)) return std::make_unique<Expr>(ExprKind::Now, span);
  if (dynamic_cast<P::EventExprContext*>(ctx)) return std::make_unique<Expr>(ExprKind::Event, span);
  if (auto* c = dynamic_cast<P::CallExprContext*>(ctx)) return call(c);
  if (auto* n = dynamic_cast<P::NameExprContext*>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::Name, span);
    e->name = n->getText();
    e->nameSpan = span;
    return e;
  }
  if (auto* p = dynamic_cast<P::ParenExprContext*>(ctx)) {
    ExprPtr inner = expr(p->expr());
    inner->span = span;  // `(a + b) % 2` points at the parenthesised operand as written
    return inner;
  }
  if (auto* l = dynamic_cast<P::ListExprContext*>(ctx)) {
    auto e = std::make_unique<Expr>(ExprKind::List, span);
    for (auto* item : l->expr()) e->args.push_back(expr(item));
    return e;
  }
  return errorExpr(span);
}

ExprPtr AstBuilder::call(P::CallExprContext* ctx) {
  auto e = std::make_unique<Expr>(ExprKind::Call, spanOf(ctx));
  e->name = ctx->ident() ? ctx->ident()->getText() : "";
  e->nameSpan = spanOf(ctx->ident());
  auto* args = ctx->callArgs();
  if (!args) return e;
  std::vector<P::AggFilterContext*> filters = args->aggFilter();
  auto callArgs = args->callArg();
  for (size_t i = 0; i < callArgs.size(); ++i) {
    e->args.push_back(expr(callArgs[i]->expr()));
    auto more = callArgs[i]->aggFilter();
    if (!more.empty() && i + 1 < callArgs.size())
      diags_.report(DiagCode::BadAggregate, spanOf(more[0]), "`where`, `within`, `on` and `for` come after the last argument");
    filters.insert(filters.end(), more.begin(), more.end());
  }
  if (filters.empty()) return e;
  e->filters = std::make_unique<AggFilters>();
  AggFilters& f = *e->filters;
  f.span = Span::cover(spanOf(filters.front()), spanOf(filters.back()));
  auto twice = [&](P::AggFilterContext* at, const char* word) {
    diags_.report(DiagCode::BadAggregate, spanOf(at), fmt::format("`{}` is given twice", word));
  };
  for (auto* flt : filters) {
    if (auto* w = dynamic_cast<P::WhereFilterContext*>(flt)) {
      if (f.where) twice(flt, "where");
      else f.where = expr(w->expr());
    } else if (auto* w = dynamic_cast<P::WithinFilterContext*>(flt)) {
      if (f.within) twice(flt, "within");
      else f.within = expr(w->expr());
    } else if (auto* o = dynamic_cast<P::OnFilterContext*>(flt)) {
      if (f.on) twice(flt, "on");
      else f.on = refOf(o->ident());
    } else if (auto* fo = dynamic_cast<P::ForFilterContext*>(flt)) {
      if (f.forKind) twice(flt, "for");
      else if (fo->ident().size() == 2) {
        f.forKind = refOf(fo->ident(0));
        f.forName = refOf(fo->ident(1));
      }
    }
  }
  return e;
}

ExprPtr AstBuilder::literal(P::LiteralContext* ctx) {
  if (!ctx || !ctx->getStart()) return errorExpr({});
  antlr4::Token* token = ctx->getStart();
  auto e = std::make_unique<Expr>(ExprKind::Literal, spanOf(token));
  Literal& lit = e->lit;
  std::string text = token->getText();
  LiteralError err;
  bool ok = true;
  switch (token->getType()) {
    case HeraldParser::INT:
      lit.kind = LitKind::Int;
      ok = decodeInt(text, lit.integer, err);
      if (!ok) reportLiteral(token, DiagCode::BadNumber, err);
      break;
    case HeraldParser::FLOAT:
      lit.kind = LitKind::Float;
      ok = decodeFloat(text, lit.real, err);
      if (!ok) reportLiteral(token, DiagCode::BadNumber, err);
      break;
    case HeraldParser::PERCENT:
      lit.kind = LitKind::Float;
      lit.percent = true;
      ok = decodePercent(text, lit.real, err);
      if (!ok) reportLiteral(token, DiagCode::BadNumber, err);
      break;
    case HeraldParser::STRING:
    case HeraldParser::RAW_STRING:
      lit.kind = LitKind::String;
      lit.raw = token->getType() == HeraldParser::RAW_STRING;
      lit.text = decodeStringToken(token);
      break;
    case HeraldParser::TRUE:
    case HeraldParser::FALSE:
      lit.kind = LitKind::Bool;
      lit.boolean = token->getType() == HeraldParser::TRUE;
      break;
    case HeraldParser::DURATION:
      lit.kind = LitKind::Duration;
      ok = decodeDuration(text, lit.integer, err);
      if (!ok) reportLiteral(token, DiagCode::BadNumber, err);
      break;
    case HeraldParser::DATE:
    case HeraldParser::TIMESTAMP:
      lit.kind = token->getType() == HeraldParser::DATE ? LitKind::Date : LitKind::Timestamp;
      ok = decodeDateTime(text, lit.civil, err);
      if (!ok) reportLiteral(token, DiagCode::BadDateTime, err);
      break;
    case HeraldParser::TIME: {
      lit.kind = LitKind::TimeOfDay;
      int minutes = 0;
      ok = decodeTimeOfDay(text, minutes, err);
      if (!ok) reportLiteral(token, DiagCode::BadDateTime, err);
      lit.integer = minutes;
      break;
    }
    default: return errorExpr(e->span);
  }
  if (!ok) e->kind = ExprKind::Error;
  return e;
}

}  // namespace herald
