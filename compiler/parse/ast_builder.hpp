#pragma once
// Internal to compiler/parse: turns ANTLR's parse tree into the AST, validating literals and
// the shape of clauses on the way.

#include <antlr4-runtime.h>

#include "HeraldParser.h"
#include "compiler/ast/ast.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "compiler/parse/literals.hpp"
#include "compiler/parse/parse_input.hpp"

namespace herald {

/// Parses a text that holds one expression, e.g. a message placeholder mapped into its file.
ExprPtr parseEmbeddedExpression(const SourceFile& source, const ParseInput& input, DiagnosticEngine& diags);

class AstBuilder {
 public:
  AstBuilder(DiagnosticEngine& diags, const ParseInput& input, const SourceFile& source)
      : diags_(diags), input_(input), source_(source) {}

  std::unique_ptr<Pack> buildPack(HeraldParser::FileContext* ctx);
  ExprPtr buildExprOnly(HeraldParser::ExprOnlyContext* ctx);

 private:
  // places
  Span spanOf(antlr4::ParserRuleContext* ctx) const;
  Span spanOf(antlr4::Token* token) const;
  Span spanOf(antlr4::tree::TerminalNode* node) const { return node ? spanOf(node->getSymbol()) : Span{}; }
  Span subSpan(antlr4::Token* token, uint32_t byteOffset, uint32_t byteLength) const;
  Ref refOf(HeraldParser::IdentContext* ctx) const;
  void reportLiteral(antlr4::Token* token, DiagCode code, const LiteralError& err);

  // declarations
  std::unique_ptr<Decl> decl(HeraldParser::DeclContext* ctx);
  std::unique_ptr<Decl> declOf(HeraldParser::DeclContext* ctx);
  std::unique_ptr<Decl> schema(DeclKind kind, Ref name, const std::vector<HeraldParser::FieldDeclContext*>& fields,
                               antlr4::ParserRuleContext* ctx);
  TypeRef typeRef(HeraldParser::TypeRefContext* ctx);
  std::unique_ptr<Decl> valueDecl(DeclKind kind, HeraldParser::IdentContext* name, HeraldParser::ExprContext* value,
                                  antlr4::ParserRuleContext* ctx);
  std::unique_ptr<Decl> offer(HeraldParser::OfferDeclContext* ctx);
  std::unique_ptr<Decl> channel(HeraldParser::ChannelDeclContext* ctx);
  std::unique_ptr<Decl> policy(HeraldParser::PolicyDeclContext* ctx);
  std::unique_ptr<Decl> campaign(HeraldParser::CampaignDeclContext* ctx);
  void campaignExprClause(CampaignDecl& c, HeraldParser::ExprClauseContext* ctx);
  std::unique_ptr<Decl> activity(HeraldParser::ActivityDeclContext* ctx);
  void schedule(Schedule& out, HeraldParser::ScheduleContext* ctx);
  std::unique_ptr<Decl> response(HeraldParser::ResponseDeclContext* ctx);
  Action action(HeraldParser::ActionContext* ctx);
  NamedValue namedValue(HeraldParser::NamedValueContext* ctx);
  Message message(antlr4::Token* token);
  std::optional<TimeOfDay> timeOfDay(antlr4::tree::TerminalNode* node);
  std::optional<CivilTime> civil(antlr4::tree::TerminalNode* node);
  std::string decodeStringToken(antlr4::Token* token);
  /// Reports a clause written twice; returns true when `seen` was already set.
  bool repeated(bool& seen, const Ref& clause, std::string_view owner);
  /// Reports a clause that cannot be read, and quiets the echoes on the rest of its line.
  void badClause(DiagCode code, Span at, std::string message);

  // expressions
  ExprPtr expr(HeraldParser::ExprContext* ctx);
  ExprPtr orExpr(HeraldParser::OrExprContext* ctx);
  ExprPtr andExpr(HeraldParser::AndExprContext* ctx);
  ExprPtr notExpr(HeraldParser::NotExprContext* ctx);
  ExprPtr comparison(HeraldParser::ComparisonContext* ctx);
  ExprPtr coalesce(HeraldParser::CoalesceContext* ctx);
  ExprPtr additive(HeraldParser::AdditiveContext* ctx);
  ExprPtr multiplicative(HeraldParser::MultiplicativeContext* ctx);
  ExprPtr unary(HeraldParser::UnaryContext* ctx);
  ExprPtr postfix(HeraldParser::PostfixContext* ctx);
  ExprPtr primary(HeraldParser::PrimaryContext* ctx);
  ExprPtr call(HeraldParser::CallExprContext* ctx);
  ExprPtr literal(HeraldParser::LiteralContext* ctx);
  ExprPtr errorExpr(Span span) const { return std::make_unique<Expr>(ExprKind::Error, span); }
  ExprPtr binary(Op op, ExprPtr lhs, ExprPtr rhs) const;

  DiagnosticEngine& diags_;
  const ParseInput& input_;
  const SourceFile& source_;
};

}  // namespace herald
