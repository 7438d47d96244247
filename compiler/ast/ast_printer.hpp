#pragma once
// A stable, indented text form of the AST for `herald check --dump-ast` and golden tests.

#include <string>

#include "compiler/ast/ast.hpp"

namespace herald {

/// Prints the pack; with `sources`, each node is followed by its line:column.
std::string printAst(const Pack& pack, const SourceManager* sources);
/// Prints one expression on one line in fully parenthesised form: `(and (> age 18) (in city ["a"]))`.
std::string printExpr(const Expr& e);

}  // namespace herald
