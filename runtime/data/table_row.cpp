#include "runtime/data/table_row.hpp"


namespace herald {

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
