#pragma once
// The columnar interpreter: evaluates an IR expression over a block of customers at a time,
// reading typed columns directly (no per-row virtual calls, no copies of strings or sets).
// Its results are exactly the row interpreter's (tests/unit/compiler/batch_test.cpp compares
// them); parts it has no columnar form for (history aggregates, rare built-ins) are evaluated
// row by row with the reference interpreter.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/interp/interpreter.hpp"

namespace herald {

/// Strings of a column by id (a dictionary shared by the table's string and set columns).
class StringDict {
 public:
  virtual ~StringDict() = default;
  virtual std::string_view get(uint32_t id) const = 0;
  /// The id of `s`, or UINT32_MAX when no row holds it.
  virtual uint32_t find(std::string_view s) const = 0;
  /// How many strings it holds (ids are 0 .. size() - 1).
  virtual size_t size() const = 0;
};

/// One customer column as the batch interpreter reads it (pointers into the table's storage).
/// Bool, Int, Timestamp, Duration and Enum (member index) use `ints`; Float `reals`; String
/// `strings` (ids); Set `setOffsets` (rows + 1) into `setItems` (ids, sorted ascending).
struct ColumnView {
  Type type;
  const uint64_t* valid = nullptr;  // bit r: row r has a value
  const int64_t* ints = nullptr;
  const double* reals = nullptr;
  const uint32_t* strings = nullptr;
  const uint32_t* setOffsets = nullptr;
  const uint32_t* setItems = nullptr;
};

/// The customers a batch evaluation reads: columns in schema order, their dictionary, ids.
struct BatchInput {
  std::vector<ColumnView> columns;
  const StringDict* dict = nullptr;
  size_t rows = 0;
  int idColumn = 0;
  /// The histories of customers by row (null: none); used by aggregates.
  std::function<const CustomerHistory*(size_t row)> history;
};

/// Reads customer fields of one row from column views: the row interpreter's FieldSource.
class ColumnRow : public FieldSource {
 public:
  explicit ColumnRow(const BatchInput& in) : in_(in) {}
  void setRow(size_t row) { row_ = row; }
  size_t row() const { return row_; }
  Value field(int index) const override;

 private:
  const BatchInput& in_;
  size_t row_ = 0;
};

/// The id of the customer in row `row`.
std::string_view customerIdOf(const BatchInput& in, size_t row);
/// The row interpreter's context for one row of `in`: its fields read through `source` (set to
/// the row), its id and history, at `now` in `zone`.
EvalContext rowContext(const BatchInput& in, ColumnRow& source, size_t row, int64_t now, const TimeZone& zone);

class BatchEvaluator {
 public:
  /// Prepares `root` (a bool expression) for evaluation over `input` at instant `now`.
  BatchEvaluator(const IrNode* root, const BatchInput& input, int64_t now, const TimeZone& zone);
  ~BatchEvaluator();

  /// Evaluates rows [begin, end) (at most kBlock rows) and writes one state per row:
  /// 1 true, 0 false, 2 unknown, 3 error.
  void evaluate(size_t begin, size_t end, uint8_t* out);
  /// The error message of a row that evaluate() reported as 3.
  std::string errorOf(size_t row) const;
  /// The value of any expression for one row (row-by-row reference path).
  Value valueOf(size_t row) const;

  static constexpr size_t kBlock = 1024;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// n states (1 true, 0 false, 2 unknown, 3 error) as the two bitmaps of the JIT's kernels: bit k
/// of `truth` is bit 0 of state k, of `unknown` its bit 1; bits past n are 0.
void packStates(const uint8_t* states, size_t n, uint64_t* truth, uint64_t* unknown);

}  // namespace herald
