#pragma once
// Unicode text functions of the stdlib: code point counts, simple case mapping, White_Space trim.

#include <cstdint>
#include <string>
#include <string_view>

namespace herald {

/// Number of code points.
int64_t codePointCount(std::string_view s);
/// Unicode simple lower/upper case mapping, one code point to one (`ß` stays `ß`).
std::string simpleLower(std::string_view s);
std::string simpleUpper(std::string_view s);
/// Removes leading and trailing code points with the White_Space property.
std::string trimWhiteSpace(std::string_view s);

}  // namespace herald
