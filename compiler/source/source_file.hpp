#pragma once
// Source text with line tables: turns byte offsets into 1-based lines and code-point columns.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

/// A place in a source file: byte offset and byte length (columns are computed on demand).
struct Span {
  uint32_t file = 0;
  uint32_t offset = 0;
  uint32_t length = 0;

  /// The span covering both `a` and `b` (same file).
  static Span cover(const Span& a, const Span& b);
  bool valid() const { return file != 0; }
};

/// A line and a column, both 1-based; the column counts code points.
struct LineCol {
  uint32_t line = 0;
  uint32_t column = 0;
};

/// One source text (a pack file, or an expression given on the command line).
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  /// Line and code-point column of a byte offset.
  LineCol lineCol(uint32_t offset) const;
  /// The text of a 1-based line, without its line end.
  std::string_view lineText(uint32_t line) const;
  /// Number of code points in text()[from, to).
  uint32_t codePoints(uint32_t from, uint32_t to) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> lineStarts_;
};

/// Owns every source text of a compilation; file id 0 means "no place".
class SourceManager {
 public:
  /// Adds a text and returns its file id (>= 1).
  uint32_t add(std::string name, std::string text);
  const SourceFile& file(uint32_t id) const { return *files_.at(id - 1); }
  size_t size() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

/// True for a byte that continues a UTF-8 sequence.
inline bool isUtf8Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/// Decodes one code point at text[i], advancing i; returns U+FFFD for malformed input.
char32_t decodeUtf8(std::string_view text, size_t& i);
/// Appends the UTF-8 encoding of a code point.
void appendUtf8(std::string& out, char32_t cp);
/// True when the text is well-formed UTF-8.
bool validUtf8(std::string_view text);

}  // namespace herald
