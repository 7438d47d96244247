#pragma once
// A row of the customer table as the interpreter reads it.

#include "compiler/interp/interpreter.hpp"
#include "runtime/data/customer_table.hpp"

namespace herald {

/// Reads customer fields from one row of a CustomerTable (columns in schema order).
class TableRow : public FieldSource {
 public:
  explicit TableRow(const CustomerTable& table) : table_(table) {}
  void setRow(size_t row) { row_ = row; }
  size_t row() const { return row_; }
  Value field(int index) const override;

 private:
  const CustomerTable& table_;
  size_t row_ = 0;
};

}  // namespace herald
