// Appending rows to a CustomerTable with roll-back of bad rows, and the cell parsers the CSV and
// JSON Lines readers share.

#include "runtime/data/table_builder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "compiler/diag/diagnostic.hpp"

namespace herald::data {

namespace {

constexpr size_t kShownBytes = 60;

}  // namespace

std::string withArticle(TypeKind kind) {
  switch (kind) {
    case TypeKind::Bool: return "a bool";
    case TypeKind::Int: return "an int";
    case TypeKind::Float: return "a float";
    case TypeKind::String: return "a string";
    case TypeKind::Timestamp: return "a timestamp";
    case TypeKind::Duration: return "a duration";
    case TypeKind::Enum: return "an enum";
    case TypeKind::Set: return "a set<string>";
    default: return "a value";
  }
}

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// The first `limit` bytes of `s`, not splitting a UTF-8 sequence.
std::string_view cut(std::string_view s, size_t limit) {
  if (s.size() <= limit) return s;
  size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

std::string shown(std::string_view text) {
  if (text.size() <= kShownBytes) return jsonString(text);
  std::string q = jsonString(cut(text, kShownBytes - 3));
  q.insert(q.size() - 1, "...");
  return fmt::format("{} ({} bytes)", q, text.size());
}

std::string shownName(std::string_view name) {
  std::string q = shown(name);
  // Names sit inside '...' in messages; drop the JSON quotes but keep the escapes.
  if (name.size() <= kShownBytes) return q.substr(1, q.size() - 2);
  return q;
}

size_t invalidUtf8At(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > n) return i;
    for (size_t k = 1; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return i;
    unsigned c1 = p[i + 1];
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 >= 0x90))
      return i;  // overlong, surrogate, or beyond U+10FFFF
    i += len;
  }
  return std::string_view::npos;
}

std::string invalidUtf8Message(std::string_view s, size_t at) {
  return fmt::format("invalid UTF-8 (byte 0x{:02X} at byte {} of the value)",
                     static_cast<unsigned char>(s[at]), at + 1);
}

std::string parseIntText(std::string_view text, int64_t& out) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  bool digits = i < text.size();
  for (size_t k = i; k < text.size() && digits; ++k) digits = isDigit(text[k]);
  if (!digits) {
    double ignored;
    if (text.find_first_of(".eE") != std::string_view::npos && parseFloatText(text, ignored).empty())
      return fmt::format("{} is not an int (an int has no fraction or exponent)", shown(text));
    return fmt::format("{} is not an int", shown(text));
  }
  bool negative = i == 1;
  uint64_t limit = negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
  uint64_t value = 0;
  for (size_t k = i; k < text.size(); ++k) {
    auto d = static_cast<uint64_t>(text[k] - '0');
    if (value > (limit - d) / 10) return fmt::format("{} is out of the int range (64-bit)", shown(text));
    value = value * 10 + d;
  }
  out = negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  return "";
}

std::string parseFloatText(std::string_view text, double& out) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec == std::errc::invalid_argument || ptr != end || text.empty())
    return fmt::format("{} is not a float", shown(text));
  if (ec == std::errc::result_out_of_range) {
    // Tiny values underflow to (nearly) zero, which is fine; only overflow is out of range.
    double v = HUGE_VAL;
    if (text.size() < 512) v = std::strtod(std::string(text).c_str(), nullptr);
    if (!std::isfinite(v)) return fmt::format("{} is out of the float range", shown(text));
    out = v;
  }
  if (!std::isfinite(out))
    return fmt::format("{} is not a float: data holds no NaN or infinity", shown(text));
  return "";
}

std::string parseDurationText(std::string_view text, int64_t& out) {
  auto bad = [&] {
    return fmt::format("{} is not a duration (integer seconds, or a number with s, m, h, d or w like 7d)",
                       shown(text));
  };
  if (text.empty()) return bad();
  char last = text.back();
  int64_t unit = last == 's'   ? 1
                 : last == 'm' ? 60
                 : last == 'h' ? 3600
                 : last == 'd' ? 86400
                 : last == 'w' ? 604800
                               : 0;
  std::string_view number = unit ? text.substr(0, text.size() - 1) : text;
  size_t i = !number.empty() && number[0] == '-' ? 1 : 0;
  if (i == number.size()) return bad();
  for (size_t k = i; k < number.size(); ++k)
    if (!isDigit(number[k])) return bad();
  int64_t n = 0;
  if (!parseIntText(number, n).empty() || __builtin_mul_overflow(n, unit ? unit : 1, &out))
    return fmt::format("{} is out of the duration range (64-bit seconds)", shown(text));
  return "";
}

std::string parseEnumText(std::string_view text, const std::vector<std::string>& members, int64_t& out) {
  for (size_t i = 0; i < members.size(); ++i)
    if (members[i] == text) {
      out = static_cast<int64_t>(i);
      return "";
    }
  std::string list;
  for (size_t i = 0; i < members.size(); ++i) list += (i ? ", " : "") + jsonString(members[i]);
  std::string hint = text.size() <= 64 ? didYouMean(text, members) : "";
  return fmt::format("{} is not one of {}{}", shown(text), list, hint);
}

// ---------------------------------------------------------------- TableBuilder

TableBuilder::TableBuilder(std::string file, const SchemaDecl& schema, const TimeZone& zone,
                           const LoadOptions& options, LoadResult& out)
    : file_(std::move(file)),
      zone_(zone),
      options_(options),
      out_(out),
      table_(out.table),
      columns_(&out.table.mutableColumns()) {
  for (const auto& f : schema.fields) {
    FieldInfo info;
    info.name = f.name.name;
    info.kind = f.type.type.kind;
    info.optional = f.type.type.optional;
    if (info.kind == TypeKind::Enum) info.members = &f.type.members;
    Column c;
    c.name = info.name;
    c.type = f.type.type;
    c.type.members = info.members;
    if (info.kind == TypeKind::Set) c.setOffsets.push_back(0);
    if (info.name == "id" && info.kind == TypeKind::String && !info.optional)
      idField_ = static_cast<int>(fields_.size());
    fields_.push_back(std::move(info));
    columns_->push_back(std::move(c));
  }
  filledStamp_.assign(fields_.size(), 0);
  if (idField_ < 0) fatal(0, "", "the customer schema has no key field `id: string`");
  for (const auto& f : fields_)
    if (f.kind != TypeKind::Bool && f.kind != TypeKind::Int && f.kind != TypeKind::Float &&
        f.kind != TypeKind::String && f.kind != TypeKind::Timestamp && f.kind != TypeKind::Duration &&
        f.kind != TypeKind::Enum && f.kind != TypeKind::Set)
      fatal(0, f.name, "the schema gives this field no loadable type (check the pack first)");
}

int TableBuilder::fieldIndex(std::string_view name, int hint) const {
  if (hint >= 0 && static_cast<size_t>(hint) < fields_.size() && fields_[hint].name == name) return hint;
  for (size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].name == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> TableBuilder::fieldNames() const {
  std::vector<std::string> names;
  for (const auto& f : fields_) names.push_back(f.name);
  return names;
}

void TableBuilder::reserve(size_t rows) {
  table_.mutablePool().reserve(rows + 1024);
  for (auto& c : *columns_) {
    c.valid.reserve(rows / 64 + 1);
    switch (c.type.kind) {
      case TypeKind::Float: c.floats.reserve(rows); break;
      case TypeKind::String: c.strings.reserve(rows); break;
      case TypeKind::Set: c.setOffsets.reserve(rows + 1); break;
      default: c.ints.reserve(rows);
    }
  }
}

void TableBuilder::beginRow(size_t line) {
  line_ = line;
  rowBad_ = false;
  ++rowStamp_;
  size_t word = rows_ >> 6;
  for (auto& c : *columns_)
    if (c.valid.size() <= word) c.valid.push_back(0);
}

namespace {

void setValid(Column& c, size_t row) { c.valid[row >> 6] |= uint64_t(1) << (row & 63); }

}  // namespace

void TableBuilder::putMissing(size_t f) {
  filledStamp_[f] = rowStamp_;
  Column& c = (*columns_)[f];
  switch (c.type.kind) {
    case TypeKind::Float: c.floats.push_back(0); break;
    case TypeKind::String: c.strings.push_back(StringPool::kNone); break;
    case TypeKind::Set: c.setOffsets.push_back(static_cast<uint32_t>(c.setItems.size())); break;
    default: c.ints.push_back(0);
  }
}

void TableBuilder::putInt(size_t f, int64_t v) {
  filledStamp_[f] = rowStamp_;
  Column& c = (*columns_)[f];
  c.ints.push_back(v);
  setValid(c, rows_);
}

void TableBuilder::putFloat(size_t f, double v) {
  filledStamp_[f] = rowStamp_;
  Column& c = (*columns_)[f];
  c.floats.push_back(v);
  setValid(c, rows_);
}

void TableBuilder::putString(size_t f, std::string_view s) {
  filledStamp_[f] = rowStamp_;
  Column& c = (*columns_)[f];
  c.strings.push_back(table_.mutablePool().intern(s));
  setValid(c, rows_);
}

void TableBuilder::putSet(size_t f, std::vector<uint32_t>& ids) {
  filledStamp_[f] = rowStamp_;
  Column& c = (*columns_)[f];
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  c.setItems.insert(c.setItems.end(), ids.begin(), ids.end());
  c.setOffsets.push_back(static_cast<uint32_t>(c.setItems.size()));
  setValid(c, rows_);
}

uint32_t TableBuilder::intern(std::string_view s) { return table_.mutablePool().intern(s); }

void TableBuilder::putBad(size_t f, std::string message) {
  filledStamp_[f] = rowStamp_;
  rowError(fields_[f].name, std::move(message));
}

void TableBuilder::putText(size_t f, std::string_view text) {
  const FieldInfo& info = fields_[f];
  if (checkUtf8_) {
    size_t at = invalidUtf8At(text);
    if (at != std::string_view::npos) return putBad(f, invalidUtf8Message(text, at));
  }
  if (text.empty()) {
    if (info.optional) return putMissing(f);
    if (info.kind == TypeKind::String) return putString(f, text);
    if (info.kind == TypeKind::Set) return putSet(f, scratchIds_ = {});
    return putBad(f, fmt::format("empty, but the field is required ({})", withArticle(info.kind)));
  }
  int64_t i = 0;
  double d = 0;
  std::string error;
  switch (info.kind) {
    case TypeKind::Bool:
      if (text == "true" || text == "false") return putInt(f, text == "true");
      return putBad(f, fmt::format("{} is not a bool (true or false)", shown(text)));
    case TypeKind::Int:
      error = parseIntText(text, i);
      return error.empty() ? putInt(f, i) : putBad(f, std::move(error));
    case TypeKind::Float:
      error = parseFloatText(text, d);
      return error.empty() ? putFloat(f, d) : putBad(f, std::move(error));
    case TypeKind::String: return putString(f, text);
    case TypeKind::Enum:
      error = parseEnumText(text, *info.members, i);
      return error.empty() ? putInt(f, i) : putBad(f, std::move(error));
    case TypeKind::Timestamp:
      if (text.size() > 64) return putBad(f, fmt::format("{} is not a timestamp: too long", shown(text)));
      if (!parseTimestamp(text, zone_, i, error)) return putBad(f, std::move(error));
      return putInt(f, i);
    case TypeKind::Duration:
      error = parseDurationText(text, i);
      return error.empty() ? putInt(f, i) : putBad(f, std::move(error));
    case TypeKind::Set: {
      scratchIds_.clear();
      size_t start = 0;
      for (;;) {
        size_t bar = text.find('|', start);
        std::string_view item = text.substr(start, bar == std::string_view::npos ? bar : bar - start);
        if (item.empty())
          return putBad(f, fmt::format("{} has an empty set item (sets are written a|b|c)", shown(text)));
        scratchIds_.push_back(intern(item));
        if (bar == std::string_view::npos) break;
        start = bar + 1;
      }
      return putSet(f, scratchIds_);
    }
    default: return putBad(f, "this field's type cannot be loaded");
  }
}

void TableBuilder::rowError(std::string_view column, std::string message) {
  rowBad_ = true;
  report(line_, column, std::move(message));
}

void TableBuilder::endRow() {
  for (size_t f = 0; f < fields_.size(); ++f) {
    if (filled(f)) continue;
    if (fields_[f].optional)
      putMissing(f);
    else
      putBad(f, fmt::format("absent, but the field is required ({})", withArticle(fields_[f].kind)));
  }
  const auto& ids = (*columns_)[idField_].strings;
  uint32_t id = ids.size() == rows_ + 1 ? ids.back() : StringPool::kNone;
  if (id != StringPool::kNone) {
    if (idLine_.size() <= id) idLine_.resize(std::max<size_t>(table_.pool().size(), id + 1), 0);
    if (table_.pool().get(id).empty())
      rowError("id", "the customer id is empty");
    else if (idLine_[id] != 0)
      rowError("id", fmt::format("duplicate customer id {} (first on line {})", shown(table_.pool().get(id)),
                                 idLine_[id]));
  }
  if (rowBad_) return rollBack();
  if (id != StringPool::kNone) idLine_[id] = line_;
  ++rows_;
}

void TableBuilder::abandonRow() {
  rowBad_ = true;
  rollBack();
}

void TableBuilder::rollBack() {
  for (auto& c : *columns_) {
    switch (c.type.kind) {
      case TypeKind::Float: c.floats.resize(rows_); break;
      case TypeKind::String: c.strings.resize(rows_); break;
      case TypeKind::Set:
        c.setOffsets.resize(rows_ + 1);
        c.setItems.resize(c.setOffsets.back());
        break;
      default: c.ints.resize(rows_);
    }
    c.valid[rows_ >> 6] &= ~(uint64_t(1) << (rows_ & 63));
  }
}

void TableBuilder::fatal(size_t line, std::string_view column, std::string message) {
  fatal_ = true;
  report(line, column, std::move(message));
}

void TableBuilder::report(size_t line, std::string_view column, std::string message) {
  ++errorCount_;
  if (out_.errors.size() < options_.maxErrors)
    out_.errors.push_back(DataError{file_, line, std::string(column), std::move(message)});
}

void TableBuilder::finish() {
  if (errorCount_ > out_.errors.size()) {
    out_.moreErrors = errorCount_ - out_.errors.size();
    out_.errors.push_back(DataError{
        file_, 0, "",
        fmt::format("{} more error{} not listed", out_.moreErrors, out_.moreErrors == 1 ? "" : "s")});
  }
  out_.ok = !fatal_ && (errorCount_ == 0 || options_.skipBadRows);
  if (!out_.ok) {
    out_.table = CustomerTable();
    return;
  }
  for (auto& c : *columns_) c.valid.resize((rows_ + 63) / 64);
  table_.setRows(rows_);
  table_.setIdColumn(static_cast<size_t>(idField_));
  table_.buildIdIndex();
}

}  // namespace herald::data
