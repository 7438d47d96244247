// The customer table, its string pool, and the entry points that pick a reader by file type.

#include "runtime/data/customer_table.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "runtime/data/table_builder.hpp"

namespace herald {

uint32_t StringPool::intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  auto id = static_cast<uint32_t>(strings_.size());
  strings_.emplace_back(s);
  ids_.emplace(std::string_view(strings_.back()), id);
  return id;
}

uint32_t StringPool::find(std::string_view s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? kNone : it->second;
}

int64_t CustomerTable::findRow(std::string_view id) const {
  uint32_t s = pool_.find(id);
  return s < rowByString_.size() ? rowByString_[s] : -1;
}

std::string_view CustomerTable::id(size_t row) const { return pool_.get(columns_[idColumn_].strings[row]); }

void CustomerTable::setIdColumn(size_t column) { idColumn_ = column; }

void CustomerTable::buildIdIndex() {
  rowByString_.assign(pool_.size(), -1);
  if (idColumn_ >= columns_.size()) return;
  const auto& ids = columns_[idColumn_].strings;
  for (size_t r = 0; r < rows_ && r < ids.size(); ++r)
    if (ids[r] < rowByString_.size()) rowByString_[ids[r]] = static_cast<int64_t>(r);
}

std::string DataError::text() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}", line);
  out += ": ";
  if (!column.empty()) out += fmt::format("column '{}': ", column);
  return out + message;
}

namespace {

// Reads a whole file in one go; false with `error` set when it cannot.
bool readWhole(const std::string& path, std::string& out, std::string& error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = "is a directory, not a customer file";
    return false;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    error = std::strerror(errno);
    return false;
  }
  out.clear();
  if (S_ISREG(st.st_mode) && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
    out.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(f.get())) {
    error = "read error";
    return false;
  }
  return true;
}

// The lower-cased extension of a path (without the dot), "" when none.
std::string extensionOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

LoadResult ioFailure(const std::string& path, std::string message) {
  LoadResult r;
  r.ioError = true;
  r.errors.push_back(DataError{path, 0, "", std::move(message)});
  return r;
}

}  // namespace

LoadResult loadCustomers(const std::string& path, const SchemaDecl& schema, const TimeZone& zone,
                         const LoadOptions& options) {
  std::string ext = extensionOf(path);
  bool json = ext == "jsonl" || ext == "ndjson" || ext == "json";
  if (!json && ext != "csv")
    return ioFailure(path, "unknown customer file type; name it .csv (CSV) or .jsonl, .ndjson, .json (JSON Lines)");
  std::string text, error;
  if (!readWhole(path, text, error)) return ioFailure(path, error);
  return loadCustomersFromText(path, text, json, schema, zone, options);
}

LoadResult loadCustomersFromText(const std::string& name, std::string_view text, bool json, const SchemaDecl& schema,
                                 const TimeZone& zone, const LoadOptions& options) {
  LoadResult result;
  data::TableBuilder builder(name, schema, zone, options, result);
  if (!builder.failed()) {
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    builder.setCheckUtf8(data::invalidUtf8At(text) != std::string_view::npos);
    if (json)
      data::readJsonLines(text, builder);
    else
      data::readCsv(text, builder);
  }
  builder.finish();
  return result;
}

}  // namespace herald
