#pragma once
// The columnar customer table: one typed column per schema field, validity bitmaps, strings
// dictionary-encoded, sets as sorted lists of string ids. Loaded from CSV or JSON Lines.

#include <cstdint>
#include <memory>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "compiler/ast/ast.hpp"
#include "stdlib/time.hpp"

namespace herald {

/// Interns strings: every distinct string gets a dense id; ids are stable for the table's life.
/// Strings live in large blocks that never move, so views stay valid when the pool is moved.
class StringPool {
 public:
  StringPool() = default;
  StringPool(StringPool&&) = default;
  StringPool& operator=(StringPool&&) = default;
  uint32_t intern(std::string_view s);
  /// Makes room for `n` strings in all, so loading does not rehash as it goes.
  void reserve(size_t n);
  /// The id of `s`, or kNone when the pool does not hold it.
  uint32_t find(std::string_view s) const;
  /// find() of each of `s` into `out`: a batch's probes overlap their memory reads, which
  /// dominate single look-ups in a pool of millions of strings.
  void findMany(std::span<const std::string_view> s, uint32_t* out) const;
  std::string_view get(uint32_t id) const { return views_[id]; }
  size_t size() const { return views_.size(); }
  static constexpr uint32_t kNone = UINT32_MAX;

 private:
  size_t slotOf(std::string_view s, uint64_t hash) const;
  void grow(size_t slots);
  std::string_view store(std::string_view s);

  std::vector<std::unique_ptr<char[]>> blocks_;  // the strings' bytes; a block never moves
  char* free_ = nullptr;                         // the unused end of the last block
  size_t freeBytes_ = 0;
  std::vector<std::string_view> views_;  // by id
  // Open addressing: (high 32 bits of the hash << 32) | (id + 1); 0 is an empty slot. The hash
  // bits let a probe skip most strings without reading them.
  std::vector<uint64_t> slots_;
};

/// One column. Which vectors are used depends on the type:
/// Bool, Int, Timestamp (instant), Duration (seconds), Enum (member index): `ints`;
/// Float: `floats`; String: `strings` (ids in the table's pool);
/// Set: `setOffsets` (rows + 1 entries) into `setItems` (ids, sorted ascending, no repeats).
/// A missing value holds 0, 0.0, StringPool::kNone or the empty set, with its valid bit clear.
/// `type.members` of an enum points into the schema's AST, which must outlive the table.
struct Column {
  std::string name;
  Type type;
  std::vector<uint64_t> valid;  // bit r set: row r has a value (always set for required fields)
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<uint32_t> strings;
  std::vector<uint32_t> setOffsets;
  std::vector<uint32_t> setItems;

  bool isValid(size_t row) const { return (valid[row >> 6] >> (row & 63)) & 1; }
};

/// Customers in columns, in file order.
class CustomerTable {
 public:
  size_t rows() const { return rows_; }
  const std::vector<Column>& columns() const { return columns_; }
  const Column& column(size_t i) const { return columns_[i]; }
  const StringPool& pool() const { return pool_; }
  /// The row of a customer id, or -1.
  int64_t findRow(std::string_view id) const;
  /// findRow() of each of `ids` into `rows` (faster than one by one for large tables).
  void findRows(std::span<const std::string_view> ids, int64_t* rows) const;
  /// The id (the `id` column) of a row.
  std::string_view id(size_t row) const;

  // Building (used by the loaders).
  std::vector<Column>& mutableColumns() { return columns_; }
  StringPool& mutablePool() { return pool_; }
  void setRows(size_t n) { rows_ = n; }
  void setIdColumn(size_t column);
  void buildIdIndex();

 private:
  size_t rows_ = 0;
  size_t idColumn_ = 0;
  std::vector<Column> columns_;
  StringPool pool_;
  std::vector<int64_t> rowByString_;  // by pool id: the row whose id it is, or -1
};

/// A problem in a data file, with its place: the line (header is line 1) and the column name.
struct DataError {
  std::string file;
  size_t line = 0;     // 0: the whole file
  std::string column;  // "" when not about one column
  std::string message;
  /// `customers.csv:1042: column 'age': "abc" is not an int`
  std::string text() const;
};

/// How a load treats bad rows.
struct LoadOptions {
  bool skipBadRows = false;  // load the good rows and report each skipped one
  size_t maxErrors = 20;     // stop listing after this many
};

/// The outcome of a load: the table when it succeeded; every error found (or the first maxErrors).
struct LoadResult {
  bool ok = false;
  CustomerTable table;
  std::vector<DataError> errors;  // with skipBadRows: the skipped rows (ok stays true)
  bool ioError = false;           // the file could not be read at all (exit code 2, not 1)
  /// Errors found beyond the first maxErrors; when not 0, `errors` ends with one more entry
  /// (line 0) saying how many, so printing `errors` tells the whole story.
  size_t moreErrors = 0;
};

/// Loads customers from CSV (`.csv`) or JSON Lines (`.jsonl`, `.ndjson`, `.json`), checking every
/// cell against the pack's customer schema. Timestamps without a zone are read in `zone`.
/// Another extension, a missing file or a directory is an I/O error. The schema's AST must
/// outlive the table (enum columns point at its member lists). Rules: docs/guide.md.
LoadResult loadCustomers(const std::string& path, const SchemaDecl& schema, const TimeZone& zone,
                         const LoadOptions& options = {});
/// Same, from text in memory; `name` names the file in errors; `json` picks JSON Lines.
LoadResult loadCustomersFromText(const std::string& name, std::string_view text, bool json,
                                 const SchemaDecl& schema, const TimeZone& zone,
                                 const LoadOptions& options = {});

}  // namespace herald
