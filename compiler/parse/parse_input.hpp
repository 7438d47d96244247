#pragma once
// Internal to compiler/parse: a text handed to ANTLR, with the map from its code points back to
// byte offsets in a source file.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/source/source_file.hpp"

namespace herald {

struct ParseInput {
  uint32_t file = 0;
  std::string text;                 // valid UTF-8
  std::vector<uint32_t> cpOffsets;  // code point index -> byte offset in the file; one extra at the end

  /// A file's whole text.
  static ParseInput whole(const SourceFile& source, uint32_t file);
  /// The span of code points [first, last] (ANTLR's inclusive token indices).
  Span span(size_t first, size_t last) const;
};

}  // namespace herald
