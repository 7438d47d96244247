// Pass 1: registers every declaration by kind, reports duplicates and checks schema types.

#include <fmt/format.h>

#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

template <typename D>
void add(DeclList<D>& list, D* d) {
  list.byName.emplace(d->name.name, static_cast<int>(list.list.size()));
  list.list.push_back(d);
}

template <typename D>
void addOnce(DeclList<D>& list, D* d) {
  if (!list.byName.count(d->name.name)) add(list, d);
}

void checkFields(Sema& sema, SchemaDecl& schema, std::map<std::string, int>& index) {
  std::string owner = schema.kind == DeclKind::Customer ? "customer" : fmt::format("event '{}'", schema.name.name);
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    FieldDecl& f = schema.fields[i];
    if (!index.emplace(f.name.name, static_cast<int>(i)).second) {
      LineCol first = sema.sources.file(f.name.span.file).lineCol(schema.fields[index[f.name.name]].name.span.offset);
      sema.diags.report(DiagCode::DuplicateField, f.name.span,
                        fmt::format("field '{}' is declared twice in {} (first at line {})", f.name.name, owner,
                                    first.line));
    }
    if (schema.kind == DeclKind::Event && (f.name.name == "customer" || f.name.name == "at"))
      sema.diags.report(DiagCode::DuplicateField, f.name.span,
                        fmt::format("every event already has '{}'; remove this field", f.name.name));
    TypeRef& t = f.type;
    if (t.type.kind == TypeKind::Enum) {
      t.type.members = &t.members;
      for (size_t m = 0; m < t.members.size(); ++m)
        for (size_t k = 0; k < m; ++k)
          if (t.members[k] == t.members[m])
            sema.diags.report(DiagCode::DuplicateField, t.memberSpans[m],
                              fmt::format("enum value \"{}\" is listed twice", t.members[m]));
    } else if (t.type.kind == TypeKind::Set && t.name != "string") {
      sema.diags.report(DiagCode::UnknownType, t.span, fmt::format("only set<string> exists, not set<{}>", t.name));
    } else if (t.type.kind == TypeKind::Error && !t.name.empty()) {
      sema.diags.report(DiagCode::UnknownType, t.span,
                        fmt::format("unknown type '{}'; types are bool, int, float, string, timestamp, duration, "
                                    "enum(...) and set<string>{}",
                                    t.name,
                                    didYouMean(t.name, {"bool", "int", "float", "string", "timestamp", "duration", "set", "enum"})));
    }
  }
}

}  // namespace

void collectDecls(Sema& sema) {
  Symbols& syms = sema.syms;
  std::map<std::string, Decl*> global;
  for (auto& owned : sema.pack.decls) {
    Decl* d = owned.get();
    if (d->kind == DeclKind::Customer) {
      if (syms.customer) {
        sema.diags.report(DiagCode::DuplicateDecl, d->name.span, "the customer schema is declared twice");
        continue;
      }
      syms.customer = static_cast<SchemaDecl*>(d);
      checkFields(sema, *syms.customer, syms.customerFields);
      continue;
    }
    if (d->kind == DeclKind::Response) {
      syms.responses.push_back(static_cast<ResponseDecl*>(d));
      continue;
    }
    if (d->name.name.empty()) continue;  // a declaration broken by a syntax error
    auto [it, fresh] = global.emplace(d->name.name, d);
    if (!fresh) {
      d->used = true;  // the duplicate is the problem; "never used" would only echo it
      LineCol first = sema.sources.file(it->second->name.span.file).lineCol(it->second->name.span.offset);
      sema.diags.report(DiagCode::DuplicateDecl, d->name.span,
                        fmt::format("'{}' is already declared as {} {} at line {}", d->name.name,
                                    it->second->kind == DeclKind::Activity || it->second->kind == DeclKind::Offer ||
                                            it->second->kind == DeclKind::Event
                                        ? "an"
                                        : "a",
                                    declKindText(it->second->kind), first.line));
      // Still register it under its own kind when that kind has no such name, so references to
      // it (a campaign named like an offer) resolve instead of reporting "unknown campaign".
      if (it->second->kind == d->kind) continue;
    }
    switch (d->kind) {
      case DeclKind::Event: {
        auto* e = static_cast<SchemaDecl*>(d);
        if (syms.events.byName.count(e->name.name)) break;
        add(syms.events, e);
        syms.eventFields.emplace_back();
        checkFields(sema, *e, syms.eventFields.back());
        break;
      }
      case DeclKind::Const:
      case DeclKind::Let:
      case DeclKind::Segment: addOnce(syms.values, static_cast<ValueDecl*>(d)); break;
      case DeclKind::Offer: addOnce(syms.offers, static_cast<OfferDecl*>(d)); break;
      case DeclKind::Channel: addOnce(syms.channels, static_cast<ChannelDecl*>(d)); break;
      case DeclKind::Policy: addOnce(syms.policies, static_cast<PolicyDecl*>(d)); break;
      case DeclKind::Campaign: addOnce(syms.campaigns, static_cast<CampaignDecl*>(d)); break;
      case DeclKind::Activity: addOnce(syms.activities, static_cast<ActivityDecl*>(d)); break;
      default: break;
    }
  }

  if (!syms.customer) {
    Span at = sema.pack.name.span.valid() ? sema.pack.name.span : Span{sema.pack.file, 0, 0};
    sema.diags.report(DiagCode::MissingSchema, at, "the pack has no customer schema: declare `customer { id: string ... }`");
  } else {
    auto it = syms.customerFields.find("id");
    if (it == syms.customerFields.end()) {
      sema.diags.report(DiagCode::MissingSchema, syms.customer->name.span,
                        "the customer schema needs the key field `id: string`");
    } else {
      const Type& t = syms.customer->fields[it->second].type.type;
      if (t.kind != TypeKind::String || t.optional)
        sema.diags.report(DiagCode::MissingSchema, syms.customer->fields[it->second].type.span,
                          "the key field `id` must be `string` (required, never missing)");
    }
    // Customer fields and named values share the expression namespace.
    for (auto* v : syms.values.list) {
      auto f = syms.customerFields.find(v->name.name);
      if (f != syms.customerFields.end() && (v->used = true))
        sema.diags.report(DiagCode::DuplicateDecl, v->name.span,
                          fmt::format("'{}' is already a customer field", v->name.name));
    }
  }
}

}  // namespace herald
