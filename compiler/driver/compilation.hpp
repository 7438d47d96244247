#pragma once
// One compilation of a pack: source text → AST → checked AST, with its diagnostics.

#include <memory>
#include <string>

#include "compiler/ast/ast.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/sema.hpp"
#include "compiler/source/source_file.hpp"

namespace herald {

/// Owns the sources, the diagnostics, the AST and the checker's tables of one pack.
class Compilation {
 public:
  /// Parses and checks a pack given as text; `name` is what diagnostics call the file.
  static std::unique_ptr<Compilation> fromText(std::string name, std::string text);
  /// Reads a pack file and checks it; on an I/O error returns null and sets `error`.
  static std::unique_ptr<Compilation> fromFile(const std::string& path, std::string& error);

  const SourceManager& sources() const { return sources_; }
  DiagnosticEngine& diags() { return diags_; }
  const DiagnosticEngine& diags() const { return diags_; }
  const Pack& pack() const { return *pack_; }
  Pack& pack() { return *pack_; }
  const Sema& sema() const { return *sema_; }
  bool ok() const { return !diags_.hasErrors(); }
  /// Parses and checks an expression given on its own (e.g. `herald eval --expr`) against this
  /// pack; its diagnostics name the file `name`. Returns null when it has errors.
  const Expr* checkExpression(std::string name, std::string text);

 private:
  Compilation() = default;
  SourceManager sources_;
  DiagnosticEngine diags_;
  std::unique_ptr<Pack> pack_;
  std::unique_ptr<Sema> sema_;
  std::vector<ExprPtr> extraExprs_;
};

/// Reads a whole file; false (and `error` set) when it cannot be read.
bool readFile(const std::string& path, std::string& out, std::string& error);

}  // namespace herald
