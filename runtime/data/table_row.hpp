#pragma once
// A row of the customer table as the interpreter reads it.

#include "compiler/interp/batch.hpp"
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

/// The table's string pool as the batch interpreter's dictionary.
class PoolDict : public StringDict {
 public:
  explicit PoolDict(const StringPool& pool) : pool_(pool) {}
  std::string_view get(uint32_t id) const override { return pool_.get(id); }
  uint32_t find(std::string_view s) const override { return pool_.find(s); }

 private:
  const StringPool& pool_;
};

/// Column views of a table for the batch interpreter (`dict` must outlive the result's use).
BatchInput batchInput(const CustomerTable& table, const StringDict& dict);

}  // namespace herald
