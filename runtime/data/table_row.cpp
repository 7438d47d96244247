#include "runtime/data/table_row.hpp"

#include <algorithm>

namespace herald {

Value TableRow::field(int index) const {
  const Column& c = table_.column(static_cast<size_t>(index));
  if (!c.isValid(row_)) return Value::makeUnknown(c.type.kind);
  switch (c.type.kind) {
    case TypeKind::Bool: return Value::makeBool(c.ints[row_] != 0);
    case TypeKind::Int:
    case TypeKind::Timestamp:
    case TypeKind::Duration: return Value::makeInt(c.ints[row_], c.type.kind);
    case TypeKind::Float: return Value::makeFloat(c.floats[row_]);
    case TypeKind::String: return Value::makeString(std::string(table_.pool().get(c.strings[row_])));
    case TypeKind::Enum: {
      const auto& members = *c.type.members;
      return Value::makeString(members[static_cast<size_t>(c.ints[row_])], TypeKind::Enum);
    }
    case TypeKind::Set: {
      Value v;
      v.state = Value::State::Known;
      v.kind = TypeKind::Set;
      for (uint32_t i = c.setOffsets[row_]; i < c.setOffsets[row_ + 1]; ++i)
        v.set.emplace_back(table_.pool().get(c.setItems[i]));
      std::sort(v.set.begin(), v.set.end());  // ids are sorted by id; membership wants text order
      return v;
    }
    default: return Value::makeUnknown();
  }
}

BatchInput batchInput(const CustomerTable& table, const StringDict& dict) {
  BatchInput in;
  in.dict = &dict;
  in.rows = table.rows();
  for (size_t i = 0; i < table.columns().size(); ++i) {
    const Column& c = table.column(i);
    ColumnView v;
    v.type = c.type;
    v.valid = c.valid.data();
    v.ints = c.ints.data();
    v.reals = c.floats.data();
    v.strings = c.strings.data();
    v.setOffsets = c.setOffsets.data();
    v.setItems = c.setItems.data();
    if (c.name == "id") in.idColumn = static_cast<int>(i);
    in.columns.push_back(v);
  }
  return in;
}

}  // namespace herald
