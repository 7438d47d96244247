#include "compiler/parse/parser.hpp"

#include <antlr4-runtime.h>
#include <fmt/format.h>

#include "HeraldLexer.h"
#include "HeraldParser.h"
#include "compiler/parse/ast_builder.hpp"
#include "compiler/parse/parse_input.hpp"

namespace herald {

ParseInput ParseInput::whole(const SourceFile& source, uint32_t file, DiagnosticEngine& diags) {
  ParseInput in;
  in.file = file;
  const std::string& text = source.text();
  in.text.reserve(text.size());
  size_t begin = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a byte-order mark is not text
  // Each invalid UTF-8 byte is reported and becomes one U+FFFD; cpOffsets keep the file's offsets.
  for (size_t i = begin; i < text.size();) {
    size_t start = i;
    char32_t cp = decodeUtf8(text, i);
    bool replacementWritten = cp == 0xFFFD && i - start == 3 && text.compare(start, 3, "\xEF\xBF\xBD") == 0;
    if (cp == 0xFFFD && !replacementWritten) {
      diags.report(DiagCode::BadCharacter, Span{file, static_cast<uint32_t>(start), 1},
                   fmt::format("invalid UTF-8 byte 0x{:02X}: save the file as UTF-8",
                               static_cast<unsigned char>(text[start])));
      in.text += "\xEF\xBF\xBD";
      in.cpOffsets.push_back(static_cast<uint32_t>(start));
      i = start + 1;
      continue;
    }
    in.text.append(text, start, i - start);
    in.cpOffsets.push_back(static_cast<uint32_t>(start));
  }
  in.cpOffsets.push_back(static_cast<uint32_t>(text.size()));
  return in;
}

Span ParseInput::span(size_t first, size_t last) const {
  size_t n = cpOffsets.size() - 1;
  first = std::min(first, n);
  size_t end = last == SIZE_MAX || last < first ? first : std::min(last + 1, n);
  return Span{file, cpOffsets[first], cpOffsets[end] - cpOffsets[first]};
}

namespace {

// Turns ANTLR's syntax errors into Herald diagnostics with a readable expectation list.
class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  ErrorCollector(DiagnosticEngine& diags, const ParseInput& input) : diags_(diags), input_(input) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* token, size_t, size_t, const std::string&,
                   std::exception_ptr) override {
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (!parser || !token) return;
    Span span;
    std::string found;
    if (token->getType() == antlr4::Token::EOF) {
      span = endOfText(*parser);
      found = input_.endName;
    } else {
      span = input_.span(token->getStartIndex(), token->getStopIndex());
      found = fmt::format("'{}'", token->getText());
    }
    if (span.offset == lastOffset_) return;  // one error per place; recovery repeats itself
    lastOffset_ = span.offset;
    for (const Diagnostic& d : diags_.all())
      if (d.span.file == span.file && d.span.offset == span.offset) return;
    std::string expected = describeExpected(*parser, input_.endName);
    diags_.report(DiagCode::SyntaxError, span,
                  expected.empty() ? fmt::format("unexpected {}", found)
                                   : fmt::format("unexpected {}; expected {}", found, expected));
  }

 private:
  // End of input: point just after the last real token.
  Span endOfText(antlr4::Parser& parser) const {
    antlr4::Token* last = parser.getTokenStream()->LT(-1);
    if (!last || last->getType() == antlr4::Token::EOF) return Span{input_.file, input_.cpOffsets.front(), 0};
    Span s = input_.span(last->getStartIndex(), last->getStopIndex());
    return Span{s.file, s.offset + s.length, 0};
  }

  static std::string describeToken(const antlr4::dfa::Vocabulary& vocab, size_t type, const char* endName) {
    switch (type) {
      case HeraldLexer::IDENT: return "a name";
      case HeraldLexer::INT: return "an integer";
      case HeraldLexer::FLOAT: return "a float";
      case HeraldLexer::PERCENT: return "a percent";
      case HeraldLexer::STRING: return "a string";
      case HeraldLexer::RAW_STRING: return "a raw string";
      case HeraldLexer::DURATION: return "a duration";
      case HeraldLexer::DATE: return "a date";
      case HeraldLexer::TIMESTAMP: return "a timestamp";
      case HeraldLexer::TIME: return "a time of day";
      case antlr4::Token::EOF: return endName;
      default: return vocab.getDisplayName(type);
    }
  }

  static bool isContextualKeyword(size_t type) {
    return type >= HeraldLexer::PACK && type <= HeraldLexer::LEAD;
  }

  static std::string describeExpected(antlr4::Parser& parser, const char* endName) {
    antlr4::misc::IntervalSet set;
    try {
      set = parser.getExpectedTokens();
    } catch (...) {
      return "";
    }
    bool name = set.contains(static_cast<size_t>(HeraldLexer::IDENT));
    bool literal = set.contains(static_cast<size_t>(HeraldLexer::INT)) && set.contains(static_cast<size_t>(HeraldLexer::STRING));
    std::vector<std::string> items;
    for (size_t type : set.toList()) {
      if (name && isContextualKeyword(type)) continue;
      if (literal && (type >= HeraldLexer::TIMESTAMP && type <= HeraldLexer::STRING)) continue;
      if (literal && (type == HeraldLexer::TRUE || type == HeraldLexer::FALSE || type == HeraldLexer::NOW ||
                      type == HeraldLexer::EVENT || type == HeraldLexer::LPAREN ||
                      type == HeraldLexer::LBRACK || type == HeraldLexer::MINUS || type == HeraldLexer::IDENT ||
                      type == HeraldLexer::IF || type == HeraldLexer::NOT))
        continue;
      items.push_back(describeToken(parser.getVocabulary(), type, endName));
    }
    if (literal) items.insert(items.begin(), "an expression");
    if (items.empty() || items.size() > 6) return "";
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
      out += items[i];
    }
    return out;
  }

  DiagnosticEngine& diags_;
  const ParseInput& input_;
  uint32_t lastOffset_ = UINT32_MAX;
};

// ANTLR's recovery, except that a closing `}` or `)` is never deleted: after `priority: arpu *`
// the `}` ends the campaign, and deleting it would read the next declaration as clauses.
class HeraldErrorStrategy : public antlr4::DefaultErrorStrategy {
 protected:
  antlr4::Token* singleTokenDeletion(antlr4::Parser* recognizer) override {
    size_t type = recognizer->getCurrentToken()->getType();
    if (type == HeraldLexer::RBRACE || type == HeraldLexer::RPAREN) return nullptr;
    return antlr4::DefaultErrorStrategy::singleTokenDeletion(recognizer);
  }
};

// Reports lexical errors and returns the tokens the parser should see.
std::vector<std::unique_ptr<antlr4::Token>> lexTokens(HeraldLexer& lexer, const ParseInput& input,
                                                      const SourceFile& source, DiagnosticEngine& diags) {
  std::vector<std::unique_ptr<antlr4::Token>> out;
  for (auto& token : lexer.getAllTokens()) {
    Span span = input.span(token->getStartIndex(), token->getStopIndex());
    switch (token->getType()) {
      case HeraldLexer::ERROR_CHAR: {
        std::string_view bytes(source.text().data() + span.offset, span.length);
        bool badUtf8 = token->getText() == "\xEF\xBF\xBD" && bytes != "\xEF\xBF\xBD";
        if (!badUtf8)  // invalid UTF-8 was reported when the input was read
          diags.report(DiagCode::BadCharacter, span, fmt::format("character '{}' is not allowed here", token->getText()));
        continue;
      }
      case HeraldLexer::NON_ASCII_IDENT:
        diags.report(DiagCode::BadCharacter, span,
                     fmt::format("'{}': names use ASCII letters, digits and '_' (text in any language goes in "
                                 "strings)",
                                 token->getText()));
        if (auto* common = dynamic_cast<antlr4::CommonToken*>(token.get())) common->setType(HeraldLexer::IDENT);
        break;
      case HeraldLexer::HASH_COMMENT:
        diags.report(DiagCode::BadCharacter, Span{span.file, span.offset, 1},
                     "'#' does not start a comment: comments start with // or /*");
        continue;
      case HeraldLexer::UNTERMINATED_COMMENT:
        diags.report(DiagCode::UnterminatedComment, Span{span.file, span.offset, 2},
                     "block comment is not closed with '*/'");
        continue;
      case HeraldLexer::UNTERMINATED_STRING:
        diags.report(DiagCode::UnterminatedString, Span{span.file, span.offset, 1},
                     "string is not closed before the end of the line");
        if (auto* common = dynamic_cast<antlr4::CommonToken*>(token.get()))
          common->setType(token->getText()[0] == 'r' ? HeraldLexer::RAW_STRING : HeraldLexer::STRING);
        break;
      default: break;
    }
    if (token->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    out.push_back(std::move(token));
  }
  out.push_back(lexer.nextToken());  // the EOF token: ListTokenSource cannot make one from an empty list
  return out;
}

// Runs the parser twice at most: fast SLL prediction first, full LL with recovery on failure.
template <typename Entry, typename Build>
auto parseWith(const SourceFile& source, const ParseInput& input, DiagnosticEngine& diags, Entry entry,
               Build build) {
  antlr4::ANTLRInputStream chars(input.text);
  HeraldLexer lexer(&chars);
  lexer.removeErrorListeners();
  auto tokens = lexTokens(lexer, input, source, diags);
  antlr4::ListTokenSource tokenSource(std::move(tokens));
  antlr4::CommonTokenStream stream(&tokenSource);
  HeraldParser parser(&stream);
  parser.removeErrorListeners();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  decltype(entry(parser)) tree = nullptr;
  try {
    tree = entry(parser);
  } catch (antlr4::ParseCancellationException&) {
    stream.seek(0);
    parser.reset();
    ErrorCollector collector(diags, input);
    parser.addErrorListener(&collector);
    parser.setErrorHandler(std::make_shared<HeraldErrorStrategy>());
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    tree = entry(parser);
    parser.removeErrorListeners();
  }
  AstBuilder builder(diags, input, source);
  return build(builder, tree);
}

}  // namespace

ExprPtr parseEmbeddedExpression(const SourceFile& source, const ParseInput& input, DiagnosticEngine& diags) {
  return parseWith(
      source, input, diags, [](HeraldParser& p) { return p.exprOnly(); },
      [](AstBuilder& b, HeraldParser::ExprOnlyContext* tree) { return b.buildExprOnly(tree); });
}

std::unique_ptr<Pack> parsePack(const SourceManager& sources, uint32_t file, DiagnosticEngine& diags) {
  const SourceFile& source = sources.file(file);
  return parseWith(
      source, ParseInput::whole(source, file, diags), diags, [](HeraldParser& p) { return p.file(); },
      [](AstBuilder& b, HeraldParser::FileContext* tree) { return b.buildPack(tree); });
}

ExprPtr parseExpression(const SourceManager& sources, uint32_t file, DiagnosticEngine& diags) {
  const SourceFile& source = sources.file(file);
  return parseEmbeddedExpression(source, ParseInput::whole(source, file, diags), diags);
}

}  // namespace herald
