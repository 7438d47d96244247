#pragma once
// A small JSON reader for one line of JSON Lines holding a flat object: keys to strings,
// numbers, booleans, null, and arrays of those. Events are read with it.

#include <string>
#include <string_view>
#include <vector>

namespace herald {

/// One JSON value of a flat object.
struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  std::string text;              // String: decoded; Number: as written
  bool integer = false;          // Number: no fraction and no exponent
  std::vector<JsonValue> items;  // Array
};

/// The members of a JSON object, in written order.
using JsonObject = std::vector<std::pair<std::string, JsonValue>>;

/// Parses `line` as one JSON object; false with a reason when it is not one.
bool parseJsonObject(std::string_view line, JsonObject& out, std::string& error);

}  // namespace herald
