// Customers from JSON Lines: one JSON object per line, keys named as schema fields. A small
// parser of our own reads each line straight from the file's text; only strings with escapes
// are copied.

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "compiler/diag/diagnostic.hpp"
#include "compiler/source/source_file.hpp"
#include "runtime/data/table_builder.hpp"

namespace herald::data {

namespace {

// A JSON token as it appears in a message (numbers and literals are ASCII; long ones are cut).
std::string shownToken(std::string_view raw) {
  if (raw.size() <= 60) return std::string(raw);
  return fmt::format("{}... ({} bytes)", raw.substr(0, 57), raw.size());
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Reads one line's object into the builder. A syntax error abandons the row; a value of the
/// wrong type is reported against its field and reading goes on, so one line reports them all.
class JsonLineReader {
 public:
  JsonLineReader(TableBuilder& b, std::string& keyScratch, std::string& valueScratch,
                 std::vector<uint32_t>& ids)
      : b_(b), keyScratch_(keyScratch), valueScratch_(valueScratch), ids_(ids) {}
  void read(std::string_view line, size_t lineNo);

 private:
  bool object();
  bool value(size_t f);
  bool stringValue(size_t f);
  bool numberValue(size_t f);
  bool setValue(size_t f);
  bool string(std::string& scratch, std::string_view& out);
  bool escape(std::string& scratch);
  bool hex4(size_t at, uint32_t& v) const;
  bool number(std::string_view& raw, bool& integer);
  bool literal(std::string_view word);
  bool skipValue();
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool syntax(std::string what);
  // Reports a value of the wrong kind: `true is not an int`.
  void wrong(size_t f, std::string_view shownValue, const char* hint = "");

  TableBuilder& b_;
  std::string& keyScratch_;
  std::string& valueScratch_;
  std::vector<uint32_t>& ids_;
  std::string_view s_;
  size_t pos_ = 0;
  bool syntaxFailed_ = false;
};

void JsonLineReader::read(std::string_view line, size_t lineNo) {
  s_ = line;
  pos_ = 0;
  syntaxFailed_ = false;
  b_.beginRow(lineNo);
  if (!object()) {
    if (!syntaxFailed_) syntax("");
    return b_.abandonRow();
  }
  b_.endRow();
}

bool JsonLineReader::syntax(std::string what) {
  if (!syntaxFailed_) {
    syntaxFailed_ = true;
    size_t at = std::min(pos_, s_.size());
    b_.rowError("", fmt::format("not a JSON object: {} (at character {} of the line)",
                                what.empty() ? "unexpected text" : what, at + 1));
  }
  return false;
}

bool JsonLineReader::object() {
  ws();
  if (peek() != '{') return syntax("the line does not start with '{'");
  ++pos_;
  ws();
  if (peek() == '}') {
    ++pos_;
  } else {
    int hint = 0;
    for (;;) {
      if (peek() != '"') return syntax("expected a key in double quotes");
      std::string_view key;
      if (!string(keyScratch_, key)) return false;
      ws();
      if (peek() != ':') return syntax("expected ':' after the key");
      ++pos_;
      ws();
      size_t bad = b_.checkUtf8() ? invalidUtf8At(key) : std::string_view::npos;
      int f = bad == std::string_view::npos ? b_.fieldIndex(key, hint) : -1;
      if (bad != std::string_view::npos) {
        b_.rowError("", "a key has " + invalidUtf8Message(key, bad));
        if (!skipValue()) return syntax("");
      } else if (f < 0) {
        std::string name = shownName(key);
        std::string suggestion = key.size() <= 64 ? didYouMean(key, b_.fieldNames()) : "";
        b_.rowError(name, "not a field of the customer schema" + suggestion);
        if (!skipValue()) return syntax("");
      } else if (b_.filled(f)) {
        b_.rowError(b_.fields()[f].name, "the key appears twice in the object");
        if (!skipValue()) return syntax("");
      } else {
        if (!value(static_cast<size_t>(f))) return false;
        hint = f + 1;
      }
      ws();
      if (peek() == ',') {
        ++pos_;
        ws();
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      return syntax("expected ',' or '}'");
    }
  }
  ws();
  if (pos_ != s_.size()) return syntax("text after the object's closing '}'");
  return true;
}

void JsonLineReader::wrong(size_t f, std::string_view shownValue, const char* hint) {
  b_.putBad(f, fmt::format("{} is not {}{}", shownValue, withArticle(b_.fields()[f].kind), hint));
}

bool JsonLineReader::value(size_t f) {
  const FieldInfo& info = b_.fields()[f];
  char c = peek();
  if (c == 'n') {
    if (!literal("null")) return syntax("");
    if (info.optional) {
      b_.putMissing(f);
    } else {
      b_.putBad(f, fmt::format("null, but the field is required ({})", withArticle(info.kind)));
    }
    return true;
  }
  if (c == 't' || c == 'f') {
    bool truth = c == 't';
    if (!literal(truth ? "true" : "false")) return syntax("");
    if (info.kind == TypeKind::Bool)
      b_.putInt(f, truth);
    else
      wrong(f, truth ? "true" : "false");
    return true;
  }
  if (c == '"') return stringValue(f);
  if (c == '-' || isDigit(c)) return numberValue(f);
  if (c == '[') {
    if (info.kind == TypeKind::Set) return setValue(f);
    if (!skipValue()) return syntax("");
    wrong(f, "an array");
    return true;
  }
  if (c == '{') {
    if (!skipValue()) return syntax("");
    wrong(f, "an object");
    return true;
  }
  return syntax("expected a JSON value");
}

bool JsonLineReader::stringValue(size_t f) {
  const FieldInfo& info = b_.fields()[f];
  std::string_view text;
  if (!string(valueScratch_, text)) return false;
  size_t bad = b_.checkUtf8() ? invalidUtf8At(text) : std::string_view::npos;
  if (bad != std::string_view::npos) {
    b_.putBad(f, invalidUtf8Message(text, bad));
    return true;
  }
  int64_t v = 0;
  std::string error;
  switch (info.kind) {
    case TypeKind::String: b_.putString(f, text); break;
    case TypeKind::Enum:
      error = parseEnumText(text, *info.members, v);
      error.empty() ? b_.putInt(f, v) : b_.putBad(f, std::move(error));
      break;
    case TypeKind::Timestamp:
      if (text.size() > 64)
        b_.putBad(f, fmt::format("{} is not a timestamp: too long", shown(text)));
      else if (parseTimestamp(text, b_.zone(), v, error))
        b_.putInt(f, v);
      else
        b_.putBad(f, std::move(error));
      break;
    case TypeKind::Int:
    case TypeKind::Float: wrong(f, shown(text), " (write numbers without quotes)"); break;
    case TypeKind::Duration: wrong(f, shown(text), " (write integer seconds without quotes)"); break;
    default: wrong(f, shown(text));
  }
  return true;
}

bool JsonLineReader::numberValue(size_t f) {
  const FieldInfo& info = b_.fields()[f];
  std::string_view raw;
  bool integer = false;
  if (!number(raw, integer)) return false;
  int64_t v = 0;
  double d = 0;
  switch (info.kind) {
    case TypeKind::Int:
    case TypeKind::Duration:
      if (!integer)
        wrong(f, shownToken(raw),
              info.kind == TypeKind::Int ? " (an int has no fraction or exponent)"
                                         : " (write integer seconds)");
      else if (!parseIntText(raw, v).empty())
        b_.putBad(f, fmt::format("{} is out of the {} range (64-bit)", shownToken(raw),
                                 info.kind == TypeKind::Int ? "int" : "duration"));
      else
        b_.putInt(f, v);
      break;
    case TypeKind::Float:
      if (parseFloatText(raw, d).empty())
        b_.putFloat(f, d);
      else
        b_.putBad(f, fmt::format("{} is out of the float range", shownToken(raw)));
      break;
    default: wrong(f, shownToken(raw));
  }
  return true;
}

bool JsonLineReader::setValue(size_t f) {
  ++pos_;  // '['
  ids_.clear();
  bool allStrings = true;
  std::string invalid;
  ws();
  if (peek() == ']') {
    ++pos_;
  } else {
    for (;;) {
      ws();
      if (peek() == '"') {
        std::string_view item;
        if (!string(valueScratch_, item)) return false;
        size_t bad = b_.checkUtf8() ? invalidUtf8At(item) : std::string_view::npos;
        if (bad != std::string_view::npos) {
          if (invalid.empty()) invalid = invalidUtf8Message(item, bad);
        } else {
          ids_.push_back(b_.intern(item));
        }
      } else {
        allStrings = false;
        if (!skipValue()) return syntax("");
      }
      ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        break;
      }
      return syntax("expected ',' or ']' in the array");
    }
  }
  if (!allStrings)
    b_.putBad(f, "a set<string> is an array of strings; this array holds other values");
  else if (!invalid.empty())
    b_.putBad(f, "a set item has " + invalid);
  else
    b_.putSet(f, ids_);
  return true;
}

bool JsonLineReader::literal(std::string_view word) {
  if (s_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

bool JsonLineReader::number(std::string_view& raw, bool& integer) {
  size_t start = pos_;
  integer = true;
  if (peek() == '-') ++pos_;
  if (peek() == '0') {
    ++pos_;
  } else if (isDigit(peek())) {
    while (isDigit(peek())) ++pos_;
  } else {
    return syntax("a number needs digits");
  }
  if (peek() == '.') {
    ++pos_;
    integer = false;
    if (!isDigit(peek())) return syntax("a number needs digits after '.'");
    while (isDigit(peek())) ++pos_;
  }
  if (peek() == 'e' || peek() == 'E') {
    ++pos_;
    integer = false;
    if (peek() == '+' || peek() == '-') ++pos_;
    if (!isDigit(peek())) return syntax("a number needs digits in its exponent");
    while (isDigit(peek())) ++pos_;
  }
  raw = s_.substr(start, pos_ - start);
  return true;
}

bool JsonLineReader::string(std::string& scratch, std::string_view& out) {
  size_t start = ++pos_;
  const size_t n = s_.size();
  while (pos_ < n && s_[pos_] != '"' && s_[pos_] != '\\' && static_cast<unsigned char>(s_[pos_]) >= 0x20)
    ++pos_;
  if (pos_ < n && s_[pos_] == '"') {  // the common case: no escapes, no copy
    out = s_.substr(start, pos_ - start);
    ++pos_;
    return true;
  }
  scratch.assign(s_.data() + start, pos_ - start);
  while (pos_ < n) {
    char c = s_[pos_];
    if (c == '"') {
      ++pos_;
      out = scratch;
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x20)
      return syntax("a control character inside a string (escape it)");
    if (c != '\\') {
      scratch += c;
      ++pos_;
    } else if (!escape(scratch)) {
      return false;
    }
  }
  return syntax("a string is not closed before the end of the line");
}

bool JsonLineReader::hex4(size_t at, uint32_t& v) const {
  if (at + 4 > s_.size()) return false;
  v = 0;
  for (size_t k = at; k < at + 4; ++k) {
    char h = s_[k];
    int d = isDigit(h)               ? h - '0'
            : (h >= 'a' && h <= 'f') ? h - 'a' + 10
            : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                     : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  return true;
}

bool JsonLineReader::escape(std::string& scratch) {
  if (pos_ + 1 >= s_.size()) return syntax("a string is not closed before the end of the line");
  char e = s_[pos_ + 1];
  static const char kFrom[] = "\"\\/bfnrt";
  static const char kTo[] = "\"\\/\b\f\n\r\t";
  if (const char* k = std::strchr(kFrom, e); k && e) {
    scratch += kTo[k - kFrom];
    pos_ += 2;
    return true;
  }
  if (e != 'u') return syntax("an unknown escape in a string");
  uint32_t cp = 0, low = 0;
  if (!hex4(pos_ + 2, cp)) return syntax("\\u needs four hex digits");
  pos_ += 6;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (!(pos_ + 1 < s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u' && hex4(pos_ + 2, low) &&
          low >= 0xDC00 && low <= 0xDFFF))
      return syntax("a \\u escape holds half of a surrogate pair");
    pos_ += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return syntax("a \\u escape holds half of a surrogate pair");
  }
  herald::appendUtf8(scratch, static_cast<char32_t>(cp));
  return true;
}

// Skips one value of any shape. Only called on a line already reported bad, so it checks just
// enough to find where the value ends.
bool JsonLineReader::skipValue() {
  size_t depth = 0;
  std::string_view ignored;
  do {
    ws();
    char c = peek();
    if (pos_ >= s_.size()) return false;
    if (c == '"') {
      if (!string(valueScratch_, ignored)) return false;
    } else if (c == '[' || c == '{') {
      ++depth;
      ++pos_;
    } else if (c == ']' || c == '}') {
      if (depth == 0) return false;
      --depth;
      ++pos_;
    } else if (c == ',' || c == ':') {
      if (depth == 0) return false;
      ++pos_;
    } else {
      size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
                                  s_[pos_] == '+' || s_[pos_] == '.'))
        ++pos_;
      if (pos_ == start) return false;
    }
  } while (depth > 0);
  return true;
}

}  // namespace

void readJsonLines(std::string_view text, TableBuilder& b) {
  b.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  std::string keyScratch, valueScratch;
  std::vector<uint32_t> ids;
  JsonLineReader reader(b, keyScratch, valueScratch, ids);
  size_t pos = 0, lineNo = 0;
  while (pos < text.size()) {
    ++lineNo;
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    reader.read(line, lineNo);
  }
}

}  // namespace herald::data
