#include "compiler/ast/type.hpp"

namespace herald {

std::string Type::str() const {
  std::string s;
  switch (kind) {
    case TypeKind::Error: return "<error>";
    case TypeKind::Bool: s = "bool"; break;
    case TypeKind::Int: s = "int"; break;
    case TypeKind::Float: s = "float"; break;
    case TypeKind::String: s = "string"; break;
    case TypeKind::Timestamp: s = "timestamp"; break;
    case TypeKind::Duration: s = "duration"; break;
    case TypeKind::TimeOfDay: s = "time of day"; break;
    case TypeKind::Set: s = "set<string>"; break;
    case TypeKind::List: s = "list of " + Type::of(elem).str(); break;
    case TypeKind::Enum: {
      s = "enum(";
      if (members)
        for (size_t i = 0; i < members->size(); ++i) s += (i ? ",\"" : "\"") + (*members)[i] + "\"";
      s += ")";
      break;
    }
  }
  return optional ? s + "?" : s;
}

bool sameType(const Type& a, const Type& b) {
  if (a.kind != b.kind || a.optional != b.optional) return false;
  if (a.kind == TypeKind::Enum) return a.members && b.members && *a.members == *b.members;
  if (a.kind == TypeKind::List) return a.elem == b.elem;
  return true;
}

}  // namespace herald
