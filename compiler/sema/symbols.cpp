#include "compiler/sema/builtins.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {

Type Symbols::customerFieldType(int index) const {
  if (!customer || index < 0 || index >= static_cast<int>(customer->fields.size())) return Type::error();
  return customer->fields[index].type.type;
}

Type Symbols::eventFieldType(int event, int field) const {
  if (field == kEventCustomerField) return Type::of(TypeKind::String);
  if (field == kEventAtField) return Type::of(TypeKind::Timestamp);
  const SchemaDecl* e = events.list.at(event);
  if (field < 0 || field >= static_cast<int>(e->fields.size())) return Type::error();
  return e->fields[field].type.type;
}

const std::string& Symbols::eventFieldName(int event, int field) const {
  static const std::string kCustomer = "customer", kAt = "at";
  if (field == kEventCustomerField) return kCustomer;
  if (field == kEventAtField) return kAt;
  return events.list.at(event)->fields.at(field).name.name;
}

namespace {
constexpr BuiltinInfo kBuiltins[] = {
#define HERALD_BUILTIN(Id, Name, Min, Max, Sig) {Name, Min, Max, Sig},
#include "stdlib/Builtins.def"
#undef HERALD_BUILTIN
};
constexpr const char* kAggregates[] = {"count", "sum", "avg", "min", "max", "last", "contacts", "responses"};
}  // namespace

const BuiltinInfo& builtinInfo(Builtin b) { return kBuiltins[static_cast<int>(b)]; }

bool findBuiltin(std::string_view name, Builtin& out) {
  for (size_t i = 0; i < std::size(kBuiltins); ++i) {
    if (kBuiltins[i].name == name) {
      out = static_cast<Builtin>(i);
      return true;
    }
  }
  return false;
}

bool findAggregate(std::string_view name, Aggregate& out) {
  for (size_t i = 0; i < std::size(kAggregates); ++i) {
    if (name == kAggregates[i]) {
      out = static_cast<Aggregate>(i);
      return true;
    }
  }
  return false;
}

const char* aggregateName(Aggregate a) { return kAggregates[static_cast<int>(a)]; }

const std::vector<std::string>& callableNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (auto& b : kBuiltins) v.emplace_back(b.name);
    for (auto* a : kAggregates)
      if (std::string_view(a) != "min" && std::string_view(a) != "max") v.emplace_back(a);
    return v;
  }();
  return names;
}

}  // namespace herald
