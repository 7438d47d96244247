#pragma once
// Internal to compiler/parse: a text handed to ANTLR, with the map from its code points back to
// byte offsets in a source file.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.hpp"
#include "compiler/source/source_file.hpp"

namespace herald {

struct ParseInput {
  uint32_t file = 0;
  std::string text;                 // valid UTF-8
  std::vector<uint32_t> cpOffsets;  // code point index -> byte offset in the file; one extra at the end

  /// What the end of this input is called in messages ("end of file", "end of placeholder").
  const char* endName = "end of file";

  /// A file's whole text; invalid UTF-8 is reported (E1002) and read as U+FFFD.
  static ParseInput whole(const SourceFile& source, uint32_t file, DiagnosticEngine& diags);
  /// The span of code points [first, last] (ANTLR's inclusive token indices).
  Span span(size_t first, size_t last) const;
};

}  // namespace herald
