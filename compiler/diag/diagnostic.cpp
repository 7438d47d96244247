#include "compiler/diag/diagnostic.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace herald {
namespace {

struct CodeInfo {
  std::string_view code;
  Severity severity;
  std::string_view title;
};

constexpr CodeInfo kCodes[] = {
#define HERALD_DIAG(Name, Code, Sev, Title) {Code, Severity::Sev, Title},
#include "compiler/diag/codes.def"
#undef HERALD_DIAG
};

// Terminal columns a code point takes: 2 for East Asian wide characters, else 1.
int displayWidth(char32_t cp) {
  bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
              (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
              (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
              (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
              (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

// Builds the caret line under `line` for bytes [from, to) of it.
std::string caretLine(std::string_view line, size_t from, size_t to) {
  std::string out;
  size_t i = 0;
  while (i < from && i < line.size()) {
    if (line[i] == '\t') {
      out += '\t';
      ++i;
      continue;
    }
    char32_t cp = decodeUtf8(line, i);
    out.append(displayWidth(cp), ' ');
  }
  size_t marks = 0;
  while (i < to && i < line.size()) {
    char32_t cp = decodeUtf8(line, i);
    marks += displayWidth(cp);
  }
  if (marks == 0) marks = 1;
  out += '^';
  out.append(marks - 1, '~');
  return out;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string_view diagCodeText(DiagCode code) { return kCodes[static_cast<size_t>(code)].code; }
Severity diagSeverity(DiagCode code) { return kCodes[static_cast<size_t>(code)].severity; }
std::string_view diagTitle(DiagCode code) { return kCodes[static_cast<size_t>(code)].title; }
size_t diagCodeCount() { return std::size(kCodes); }

void DiagnosticEngine::report(DiagCode code, Span span, std::string message) {
  Severity severity = diagSeverity(code);
  if (severity == Severity::Error) ++errors_;
  diags_.push_back(Diagnostic{code, severity, span, std::move(message)});
}

void DiagnosticEngine::sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.file != b.span.file) return a.span.file < b.span.file;
    return a.span.offset < b.span.offset;
  });
  auto same = [](const Diagnostic& a, const Diagnostic& b) {
    return a.code == b.code && a.span.file == b.span.file && a.span.offset == b.span.offset &&
           a.message == b.message;
  };
  diags_.erase(std::unique(diags_.begin(), diags_.end(), same), diags_.end());
  auto quieted = [&](const Diagnostic& d) {
    for (const Quiet& q : quiet_)
      if (d.span.file == q.file && d.span.offset > q.begin && d.span.offset < q.end) return true;
    return false;
  };
  diags_.erase(std::remove_if(diags_.begin(), diags_.end(), quieted), diags_.end());
  errors_ = std::count_if(diags_.begin(), diags_.end(),
                          [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::string formatDiagnostic(const SourceManager& sources, const Diagnostic& d, bool colour) {
  const char* bold = colour ? "\033[1m" : "";
  const char* reset = colour ? "\033[0m" : "";
  const char* sevColour = colour ? (d.severity == Severity::Error ? "\033[1;31m" : "\033[1;35m") : "";
  const char* caretColour = colour ? "\033[1;32m" : "";
  std::string_view sev = d.severity == Severity::Error ? "error" : "warning";
  if (!d.span.valid())
    return fmt::format("{}{}[{}]{}: {}{}{}\n", sevColour, sev, diagCodeText(d.code), reset, bold, d.message,
                       reset);
  const SourceFile& file = sources.file(d.span.file);
  LineCol at = file.lineCol(d.span.offset);
  std::string out = fmt::format("{}{}:{}:{}: {}{}{}[{}]{}: {}{}\n", bold, file.name(), at.line, at.column, reset,
                                sevColour, sev, diagCodeText(d.code), bold, d.message, reset);
  std::string_view line = file.lineText(at.line);
  // Byte offset of the span within its line; a span past the line's end is clipped to it.
  size_t lineStart = static_cast<size_t>(line.data() - file.text().data());
  size_t from = d.span.offset - lineStart;
  size_t to = std::min<size_t>(from + d.span.length, line.size());
  out += fmt::format("{:>5} | {}\n", at.line, line);
  out += fmt::format("      | {}{}{}\n", caretColour, caretLine(line, from, std::max(to, from)), reset);
  return out;
}

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string formatDiagnosticJson(const SourceManager& sources, const Diagnostic& d) {
  std::string file;
  LineCol at;
  if (d.span.valid()) {
    const SourceFile& f = sources.file(d.span.file);
    file = f.name();
    at = f.lineCol(d.span.offset);
  }
  return fmt::format(R"({{"file":{},"line":{},"column":{},"severity":"{}","code":"{}","message":{}}})",
                     jsonString(file), at.line, at.column, d.severity == Severity::Error ? "error" : "warning",
                     diagCodeText(d.code), jsonString(d.message));
}

std::string nearestName(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  size_t bestDistance = SIZE_MAX;
  // Short names only match when they differ in case; longer ones allow one edit per three letters.
  size_t limit = name.size() <= 2 ? 0 : std::max<size_t>(1, name.size() / 3);
  auto folded = [](std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
  };
  for (const auto& c : candidates) {
    size_t d = editDistance(folded(name), folded(c));
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = nearestName(name, candidates);
  return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
}

}  // namespace herald
