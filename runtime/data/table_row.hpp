#pragma once
// The customer table as the interpreters read it: column views for the columnar interpreter,
// and one row at a time for the reference interpreter.

#include "compiler/interp/batch.hpp"
#include "compiler/interp/interpreter.hpp"
#include "runtime/data/customer_table.hpp"

namespace herald {

/// The table's string pool as the batch interpreter's dictionary.
class PoolDict : public StringDict {
 public:
  explicit PoolDict(const StringPool& pool) : pool_(pool) {}
  std::string_view get(uint32_t id) const override { return pool_.get(id); }
  uint32_t find(std::string_view s) const override { return pool_.find(s); }
  size_t size() const override { return pool_.size(); }

 private:
  const StringPool& pool_;
};

/// Column views of a table for the batch interpreter (`dict` must outlive the result's use).
BatchInput batchInput(const CustomerTable& table, const StringDict& dict);

/// Reads customer fields from one row of a CustomerTable (columns in schema order).
class TableRow : public FieldSource {
 public:
  explicit TableRow(const CustomerTable& table) : dict_(table.pool()), input_(batchInput(table, dict_)), row_(input_) {}
  TableRow(const TableRow&) = delete;
  TableRow& operator=(const TableRow&) = delete;
  void setRow(size_t row) { row_.setRow(row); }
  size_t row() const { return row_.row(); }
  Value field(int index) const override { return row_.field(index); }

 private:
  PoolDict dict_;
  BatchInput input_;
  ColumnRow row_;
};

}  // namespace herald
