#pragma once
// The parser: text in, AST out. The only part of Herald that sees ANTLR.

#include <memory>

#include "compiler/ast/ast.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "compiler/source/source_file.hpp"

namespace herald {

/// Parses a whole pack file. Syntax errors are reported and recovered from; the returned AST
/// holds everything that could be read.
std::unique_ptr<Pack> parsePack(const SourceManager& sources, uint32_t file, DiagnosticEngine& diags);

/// Parses a file that holds one expression (an `--expr` on the command line).
ExprPtr parseExpression(const SourceManager& sources, uint32_t file, DiagnosticEngine& diags);

}  // namespace herald
