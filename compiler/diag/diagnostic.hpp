#pragma once
// Diagnostics: collected by compiler passes, sorted by place and printed once by the driver.

#include <string>
#include <string_view>
#include <vector>

#include "compiler/source/source_file.hpp"

namespace herald {

/// How bad a diagnostic is.
enum class Severity { Error, Warning };

/// Every diagnostic code (see codes.def and docs/diagnostics.md).
enum class DiagCode {
#define HERALD_DIAG(Name, Code, Sev, Title) Name,
#include "compiler/diag/codes.def"
#undef HERALD_DIAG
};

/// The stable code text of a diagnostic ("E2003").
std::string_view diagCodeText(DiagCode code);
/// The default severity of a code.
Severity diagSeverity(DiagCode code);
/// The short title of a code, as listed in docs/diagnostics.md.
std::string_view diagTitle(DiagCode code);
/// Number of codes in codes.def.
size_t diagCodeCount();

/// One problem found in the user's text.
struct Diagnostic {
  DiagCode code;
  Severity severity;
  Span span;
  std::string message;
};

/// Collects diagnostics; passes add, the driver prints.
class DiagnosticEngine {
 public:
  void report(DiagCode code, Span span, std::string message);
  const std::vector<Diagnostic>& all() const { return diags_; }
  size_t errorCount() const { return errors_; }
  size_t warningCount() const { return diags_.size() - errors_; }
  bool hasErrors() const { return errors_ > 0; }
  /// Orders diagnostics by file, offset, then the order they were reported; drops exact repeats
  /// and anything inside a quiet range.
  void sort();
  /// After an error that makes the rest of a line unreadable (an unknown clause), later
  /// diagnostics in (span.offset, end) are only its echoes and are dropped.
  void quietAfter(Span span, uint32_t end) { quiet_.push_back({span.file, span.offset, end}); }

 private:
  struct Quiet {
    uint32_t file, begin, end;
  };
  std::vector<Diagnostic> diags_;
  std::vector<Quiet> quiet_;
  size_t errors_ = 0;
};

/// Renders one diagnostic as text: the header line, the source line and a caret under the span.
std::string formatDiagnostic(const SourceManager& sources, const Diagnostic& d, bool colour);
/// Renders one diagnostic as a JSON object on one line.
std::string formatDiagnosticJson(const SourceManager& sources, const Diagnostic& d);
/// Escapes a string as a JSON string literal, with quotes.
std::string jsonString(std::string_view s);

/// The closest candidate to `name` by edit distance, or "" when none is close enough.
std::string nearestName(std::string_view name, const std::vector<std::string>& candidates);
/// "; did you mean 'x'?" or "" when no candidate is close.
std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace herald
