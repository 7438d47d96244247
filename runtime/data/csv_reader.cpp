// Customers from CSV (RFC 4180): a header row naming schema fields, then one record per customer.
// Records are cut straight out of the file's text; only cells with doubled quotes are copied.

#include <algorithm>
#include <cstring>
#include <deque>

#include <fmt/format.h>

#include "compiler/diag/diagnostic.hpp"
#include "runtime/data/table_builder.hpp"

namespace herald::data {

namespace {

constexpr size_t kNone = std::string_view::npos;

/// One record as cut from the text.
struct CsvRecord {
  std::vector<std::string_view> cells;
  size_t line = 0;              // where the record starts
  bool blank = false;           // an empty line
  size_t badQuoteCell = kNone;  // a cell with text after its closing quote
  size_t unterminatedCell = kNone;
  size_t unterminatedLine = 0;  // the line of a quote that never closes
};

/// Cuts records out of CSV text, counting lines (newlines inside quotes count too).
class CsvScanner {
 public:
  explicit CsvScanner(std::string_view text) : text_(text) {}
  /// The next record; false at the end of the text.
  bool next(CsvRecord& rec);

 private:
  std::string_view quotedCell(CsvRecord& rec);
  std::string_view plainCell();

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
  std::deque<std::string> scratch_;  // unescaped cells; a deque keeps earlier cells in place
};

bool CsvScanner::next(CsvRecord& rec) {
  const size_t n = text_.size();
  if (pos_ >= n) return false;
  rec.cells.clear();
  rec.line = line_;
  rec.badQuoteCell = rec.unterminatedCell = kNone;
  rec.unterminatedLine = 0;
  bool quoted = false;
  for (;;) {
    quoted = pos_ < n && text_[pos_] == '"';
    std::string_view cell = quoted ? quotedCell(rec) : plainCell();
    rec.cells.push_back(cell);
    if (rec.unterminatedLine) return true;
    if (pos_ < n && text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    if (pos_ < n && text_[pos_] == '\r') ++pos_;
    if (pos_ < n) {  // the '\n'
      ++pos_;
      ++line_;
    }
    rec.blank = rec.cells.size() == 1 && !quoted && cell.empty();
    return true;
  }
}

std::string_view CsvScanner::plainCell() {
  const size_t n = text_.size();
  size_t start = pos_;
  while (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n') ++pos_;
  size_t end = pos_;
  if (end > start && text_[end - 1] == '\r' && (pos_ == n || text_[pos_] == '\n')) --end;
  return text_.substr(start, end - start);
}

std::string_view CsvScanner::quotedCell(CsvRecord& rec) {
  const size_t n = text_.size();
  size_t quoteLine = line_;
  size_t start = ++pos_;
  bool doubled = false;
  size_t end = 0;
  for (;;) {
    const void* q = std::memchr(text_.data() + pos_, '"', n - pos_);
    size_t at = q ? static_cast<size_t>(static_cast<const char*>(q) - text_.data()) : n;
    line_ += static_cast<size_t>(std::count(text_.begin() + pos_, text_.begin() + at, '\n'));
    if (!q) {
      rec.unterminatedLine = quoteLine;
      rec.unterminatedCell = rec.cells.size();
      pos_ = n;
      return text_.substr(start);
    }
    if (at + 1 < n && text_[at + 1] == '"') {
      doubled = true;
      pos_ = at + 2;
      continue;
    }
    end = at;
    pos_ = at + 1;
    break;
  }
  std::string_view cell = text_.substr(start, end - start);
  if (doubled) {
    size_t c = rec.cells.size();
    while (scratch_.size() <= c) scratch_.emplace_back();
    std::string& s = scratch_[c];
    s.clear();
    for (size_t k = 0; k < cell.size(); ++k) {
      s += cell[k];
      if (cell[k] == '"') ++k;
    }
    cell = s;
  }
  // After the closing quote comes a comma or the end of the line; anything else is an error.
  if (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n' &&
      !(text_[pos_] == '\r' && (pos_ + 1 == n || text_[pos_ + 1] == '\n'))) {
    if (rec.badQuoteCell == kNone) rec.badQuoteCell = rec.cells.size();
    while (pos_ < n && text_[pos_] != ',' && text_[pos_] != '\n') ++pos_;
  }
  return cell;
}

// Maps header columns to fields; false (with errors reported) when the header is unusable.
bool readHeader(const CsvRecord& header, TableBuilder& b, std::vector<size_t>& fieldOf) {
  const auto& fields = b.fields();
  std::vector<std::string> names = b.fieldNames();
  std::vector<size_t> columnOf(fields.size(), kNone);
  fieldOf.assign(header.cells.size(), kNone);
  if (header.unterminatedLine) {
    b.fatal(header.unterminatedLine, "", "unterminated quote in the header (the closing quote is missing)");
    return false;
  }
  for (size_t c = 0; c < header.cells.size(); ++c) {
    std::string_view name = header.cells[c];
    size_t bad = b.checkUtf8() ? invalidUtf8At(name) : kNone;
    if (bad != kNone) {
      b.fatal(1, "", fmt::format("header column {}: {}", c + 1, invalidUtf8Message(name, bad)));
    } else if (c == header.badQuoteCell) {
      b.fatal(1, "", fmt::format("header column {}: text after the closing quote", c + 1));
    } else if (name.empty()) {
      b.fatal(1, "", fmt::format("header column {} has no name", c + 1));
    } else if (int f = b.fieldIndex(name, static_cast<int>(c)); f < 0) {
      std::string hint = name.size() <= 64 ? didYouMean(name, names) : "";
      b.fatal(1, shownName(name), "not a field of the customer schema" + hint);
    } else if (columnOf[f] != kNone) {
      b.fatal(1, fields[f].name,
              fmt::format("appears twice in the header (columns {} and {})", columnOf[f] + 1, c + 1));
    } else {
      columnOf[f] = c;
      fieldOf[c] = static_cast<size_t>(f);
    }
  }
  std::string missing;
  size_t missingCount = 0;
  for (size_t f = 0; f < fields.size(); ++f)
    if (columnOf[f] == kNone && !fields[f].optional) {
      missing += fmt::format("{}'{}'", missing.empty() ? "" : ", ", fields[f].name);
      ++missingCount;
    }
  if (missingCount)
    b.fatal(1, "",
            fmt::format("no column for the required field{} {}", missingCount == 1 ? "" : "s", missing));
  return !b.failed();
}

}  // namespace

void readCsv(std::string_view text, TableBuilder& b) {
  CsvScanner scanner(text);
  CsvRecord rec;
  if (!scanner.next(rec)) return b.fatal(0, "", "no header row (the file is empty)");
  if (rec.blank) return b.fatal(1, "", "no header row (the first line is empty)");
  std::vector<size_t> fieldOf;
  if (!readHeader(rec, b, fieldOf)) return;
  b.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));
  const auto& fields = b.fields();
  while (scanner.next(rec)) {
    if (rec.blank) continue;
    if (rec.unterminatedLine) {
      b.beginRow(rec.unterminatedLine);
      size_t c = rec.unterminatedCell;
      b.rowError(c < fieldOf.size() ? fields[fieldOf[c]].name : "",
                 "unterminated quote (the closing quote is missing before the end of the file)");
      b.abandonRow();
      continue;
    }
    b.beginRow(rec.line);
    if (rec.cells.size() != fieldOf.size()) {
      b.rowError("", fmt::format("the row has {} cell{}; the header has {} columns", rec.cells.size(),
                                 rec.cells.size() == 1 ? "" : "s", fieldOf.size()));
      b.abandonRow();
      continue;
    }
    for (size_t c = 0; c < rec.cells.size(); ++c) {
      if (c == rec.badQuoteCell)
        b.putBad(fieldOf[c], "text after the closing quote (write a quote inside a quoted cell twice: \"\")");
      else
        b.putText(fieldOf[c], rec.cells[c]);
    }
    b.endRow();
  }
}

}  // namespace herald::data
