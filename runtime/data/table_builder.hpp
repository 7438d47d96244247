#pragma once
// Private to runtime/data: what the CSV and JSON Lines readers share. The builder appends one row
// at a time to the table's columns, rolls a row back when it turned out bad, and keeps the error
// list (capped at maxErrors, counting the rest).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/data/customer_table.hpp"

namespace herald::data {

/// A schema field as the readers need it.
struct FieldInfo {
  std::string name;
  TypeKind kind = TypeKind::Error;
  bool optional = false;
  const std::vector<std::string>* members = nullptr;  // Enum
};

/// Builds a CustomerTable row by row and collects the load's errors.
class TableBuilder {
 public:
  TableBuilder(std::string file, const SchemaDecl& schema, const TimeZone& zone, const LoadOptions& options,
               LoadResult& out);

  const std::vector<FieldInfo>& fields() const { return fields_; }
  /// The index of the field called `name`, or -1; `hint` is tried first (readers pass the field
  /// after the previous one, which is right whenever keys come in the same order on each line).
  int fieldIndex(std::string_view name, int hint = -1) const;
  std::vector<std::string> fieldNames() const;
  const TimeZone& zone() const { return zone_; }
  /// Whether cells must be checked for valid UTF-8 (the whole text was not valid).
  bool checkUtf8() const { return checkUtf8_; }
  void setCheckUtf8(bool on) { checkUtf8_ = on; }
  /// Reserves room for about `rows` rows.
  void reserve(size_t rows);

  /// Starts a row whose place is `line`.
  void beginRow(size_t line);
  /// Whether field `f` already has a value in this row.
  bool filled(size_t f) const { return filledStamp_[f] == rowStamp_; }
  void putMissing(size_t f);
  void putInt(size_t f, int64_t v);
  void putFloat(size_t f, double v);
  void putString(size_t f, std::string_view s);
  /// Sorts and deduplicates `ids` (pool ids) in place and stores them as the set.
  void putSet(size_t f, std::vector<uint32_t>& ids);
  /// Interns a string into the table's pool.
  uint32_t intern(std::string_view s);
  /// Marks field `f` as given but wrong: reports `message` against its column.
  void putBad(size_t f, std::string message);
  /// Parses a CSV cell (or any text cell) by the field's type and stores it, or reports why not.
  void putText(size_t f, std::string_view text);
  /// Reports a problem with the current row (column "" when not about one field).
  void rowError(std::string_view column, std::string message);
  /// Ends the row: fills absent optional fields, reports absent required ones, checks the id,
  /// then keeps the row or rolls it back when it had an error.
  void endRow();
  /// Ends a row already reported bad without looking at it further (it cannot be read).
  void abandonRow();

  /// Reports a problem that stops the load (header, file); line 0 is the whole file.
  void fatal(size_t line, std::string_view column, std::string message);
  bool failed() const { return fatal_; }
  /// Finishes the load: sets ok, the error summary and the table (emptied when not ok).
  void finish();

 private:
  void report(size_t line, std::string_view column, std::string message);
  void rollBack();

  std::string file_;
  const TimeZone& zone_;
  LoadOptions options_;
  LoadResult& out_;
  CustomerTable& table_;
  std::vector<FieldInfo> fields_;
  std::vector<Column>* columns_;
  int idField_ = -1;
  bool checkUtf8_ = false;
  bool fatal_ = false;
  size_t errorCount_ = 0;
  size_t rows_ = 0;
  size_t line_ = 0;
  bool rowBad_ = false;
  uint64_t rowStamp_ = 0;
  std::vector<uint64_t> filledStamp_;
  std::vector<uint64_t> idLine_;  // by pool id: the line of the row holding that id, 0 if none
  std::vector<uint32_t> scratchIds_;
};

// ---------------------------------------------------------------- shared text helpers

/// "an int", "a timestamp": a type as messages name it.
std::string withArticle(TypeKind kind);
/// A value as it appears in a message: quoted and escaped, cut short when long.
std::string shown(std::string_view text);
/// A name (a header column, a JSON key) safe to put in a message: escaped, cut short when long.
std::string shownName(std::string_view name);
/// The offset of the first byte that breaks UTF-8 in `s`, or npos when all of it is valid.
size_t invalidUtf8At(std::string_view s);
/// The message for invalid UTF-8 at byte `at` of `s`.
std::string invalidUtf8Message(std::string_view s, size_t at);
/// Parses `-?[0-9]+` into an int64; "" on success, else why not (`"1.5" is not an int ...`).
std::string parseIntText(std::string_view text, int64_t& out);
/// Parses a finite double; "" on success, else why not.
std::string parseFloatText(std::string_view text, double& out);
/// Parses integer seconds or a literal like `7d`, `30m`; "" on success, else why not.
std::string parseDurationText(std::string_view text, int64_t& out);
/// The index of `text` among the members, or an error naming them.
std::string parseEnumText(std::string_view text, const std::vector<std::string>& members, int64_t& out);

// ---------------------------------------------------------------- the readers

/// Reads CSV text (a BOM already skipped or not) into the builder.
void readCsv(std::string_view text, TableBuilder& builder);
/// Reads JSON Lines text into the builder.
void readJsonLines(std::string_view text, TableBuilder& builder);

}  // namespace herald::data
