// The customer table, its string pool, and the entry points that pick a reader by file type.

#include "runtime/data/customer_table.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "runtime/data/table_builder.hpp"

namespace herald {

namespace {

constexpr size_t kBlockBytes = size_t(1) << 20;
constexpr uint64_t kTagMask = 0xFFFFFFFF00000000ull;

uint64_t hashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }

}  // namespace

std::string_view StringPool::store(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > freeBytes_) {
    if (s.size() >= kBlockBytes / 4) {  // a large string gets a block of its own
      blocks_.emplace_back(new char[s.size()]);
      std::memcpy(blocks_.back().get(), s.data(), s.size());
      return {blocks_.back().get(), s.size()};
    }
    blocks_.emplace_back(new char[kBlockBytes]);
    free_ = blocks_.back().get();
    freeBytes_ = kBlockBytes;
  }
  std::memcpy(free_, s.data(), s.size());
  std::string_view stored(free_, s.size());
  free_ += s.size();
  freeBytes_ -= s.size();
  return stored;
}

size_t StringPool::slotOf(std::string_view s, uint64_t hash) const {
  size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint64_t slot = slots_[i];
    if (slot == 0) return i;
    if ((slot & kTagMask) == (hash & kTagMask) && views_[(slot & ~kTagMask) - 1] == s) return i;
  }
}

void StringPool::reserve(size_t n) {
  views_.reserve(n);
  size_t want = 1024;
  while (want < n * 2) want *= 2;
  if (want > slots_.size()) grow(want);
}

void StringPool::grow(size_t slots) {
  slots_.assign(slots, 0);
  size_t mask = slots_.size() - 1;
  for (size_t id = 0; id < views_.size(); ++id) {
    uint64_t hash = hashOf(views_[id]);
    size_t i = hash & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = (hash & kTagMask) | (id + 1);
  }
}

uint32_t StringPool::intern(std::string_view s) {
  if ((views_.size() + 1) * 2 > slots_.size()) grow(std::max<size_t>(1024, slots_.size() * 2));
  uint64_t hash = hashOf(s);
  size_t i = slotOf(s, hash);
  if (slots_[i] != 0) return static_cast<uint32_t>((slots_[i] & ~kTagMask) - 1);
  auto id = static_cast<uint32_t>(views_.size());
  views_.push_back(store(s));
  slots_[i] = (hash & kTagMask) | (uint64_t(id) + 1);
  return id;
}

uint32_t StringPool::find(std::string_view s) const {
  if (slots_.empty()) return kNone;
  size_t i = slotOf(s, hashOf(s));
  return slots_[i] != 0 ? static_cast<uint32_t>((slots_[i] & ~kTagMask) - 1) : kNone;
}

void StringPool::findMany(std::span<const std::string_view> s, uint32_t* out) const {
  if (slots_.empty()) {
    std::fill(out, out + s.size(), kNone);
    return;
  }
  constexpr size_t kBatch = 32;
  size_t mask = slots_.size() - 1;
  uint64_t hashes[kBatch];
  for (size_t base = 0; base < s.size(); base += kBatch) {
    size_t n = std::min(kBatch, s.size() - base);
    // Passes over the batch: each starts the reads the next one needs (slot, then view).
    for (size_t k = 0; k < n; ++k) {
      hashes[k] = hashOf(s[base + k]);
      __builtin_prefetch(&slots_[hashes[k] & mask]);
    }
    for (size_t k = 0; k < n; ++k) {
      uint64_t slot = slots_[hashes[k] & mask];
      if (slot != 0) __builtin_prefetch(&views_[(slot & ~kTagMask) - 1]);
    }
    for (size_t k = 0; k < n; ++k) {
      size_t i = slotOf(s[base + k], hashes[k]);
      out[base + k] = slots_[i] != 0 ? static_cast<uint32_t>((slots_[i] & ~kTagMask) - 1) : kNone;
    }
  }
}

void CustomerTable::findRows(std::span<const std::string_view> ids, int64_t* rows) const {
  constexpr size_t kBatch = 256;
  uint32_t strings[kBatch];
  for (size_t base = 0; base < ids.size(); base += kBatch) {
    size_t n = std::min(kBatch, ids.size() - base);
    pool_.findMany(ids.subspan(base, n), strings);
    for (size_t k = 0; k < n; ++k) rows[base + k] = strings[k] < rowByString_.size() ? rowByString_[strings[k]] : -1;
  }
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
    return ioFailure(path,
                     "unknown customer file type; name it .csv (CSV) or .jsonl, .ndjson, .json (JSON Lines)");
  std::string text, error;
  if (!readWhole(path, text, error)) return ioFailure(path, error);
  return loadCustomersFromText(path, text, json, schema, zone, options);
}

LoadResult loadCustomersFromText(const std::string& name, std::string_view text, bool json,
                                 const SchemaDecl& schema, const TimeZone& zone, const LoadOptions& options) {
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
