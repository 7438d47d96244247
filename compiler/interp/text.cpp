#include "compiler/interp/text.hpp"

#include <unicode/uchar.h>

#include "compiler/source/source_file.hpp"

namespace herald {
namespace {

template <typename F>
std::string mapCodePoints(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) appendUtf8(out, static_cast<char32_t>(f(static_cast<UChar32>(decodeUtf8(s, i)))));
  return out;
}

}  // namespace

int64_t codePointCount(std::string_view s) {
  int64_t n = 0;
  for (unsigned char c : s) n += !isUtf8Continuation(c);
  return n;
}

std::string simpleLower(std::string_view s) { return mapCodePoints(s, [](UChar32 c) { return u_tolower(c); }); }
std::string simpleUpper(std::string_view s) { return mapCodePoints(s, [](UChar32 c) { return u_toupper(c); }); }

std::string trimWhiteSpace(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end) {
    size_t i = begin;
    char32_t c = decodeUtf8(s, i);
    if (!u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE)) break;
    begin = i;
  }
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && isUtf8Continuation(static_cast<unsigned char>(s[start]))) --start;
    size_t i = start;
    char32_t c = decodeUtf8(s, i);
    if (!u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE)) break;
    end = start;
  }
  return std::string(s.substr(begin, end - begin));
}

}  // namespace herald
