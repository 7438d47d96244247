#pragma once
// The built-in function table (stdlib/Builtins.def) and the history aggregates.

#include <string>
#include <string_view>
#include <vector>

namespace herald {

/// Every built-in function, in the order of stdlib/Builtins.def.
enum class Builtin {
#define HERALD_BUILTIN(Id, Name, Min, Max, Sig) Id,
#include "stdlib/Builtins.def"
#undef HERALD_BUILTIN
};

struct BuiltinInfo {
  std::string_view name;
  int minArgs, maxArgs;
  std::string_view signature;
};

/// The row of a built-in.
const BuiltinInfo& builtinInfo(Builtin b);
/// Looks a built-in up by name; false when there is none.
bool findBuiltin(std::string_view name, Builtin& out);

/// The history aggregates (LANGUAGE.md section 5).
enum class Aggregate { Count, Sum, Avg, Min, Max, Last, Contacts, Responses };
/// Looks an aggregate up by name; false when there is none.
bool findAggregate(std::string_view name, Aggregate& out);
const char* aggregateName(Aggregate a);

/// Every function name a user may call: built-ins and aggregates (for did-you-mean).
const std::vector<std::string>& callableNames();

}  // namespace herald
