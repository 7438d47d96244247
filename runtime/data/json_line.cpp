#include "runtime/data/json_line.hpp"

#include <fmt/format.h>

#include "compiler/source/source_file.hpp"

namespace herald {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool object(JsonObject& out, std::string& error) {
    skip();
    if (!eat('{')) return fail(error, "expected a JSON object starting with '{'");
    skip();
    if (eat('}')) return end(error);
    while (true) {
      skip();
      std::string key;
      if (!string(key)) return fail(error, "expected a quoted key");
      skip();
      if (!eat(':')) return fail(error, "expected ':' after a key");
      JsonValue v;
      if (!value(v, 0)) return fail(error, "expected a value");
      out.emplace_back(std::move(key), std::move(v));
      skip();
      if (eat(',')) continue;
      if (eat('}')) return end(error);
      return fail(error, "expected ',' or '}'");
    }
  }

 private:
  bool end(std::string& error) {
    skip();
    return i_ == s_.size() || fail(error, "text after the object");
  }
  bool fail(std::string& error, const char* why) {
    error = fmt::format("{} at character {}", why, i_ + 1);
    return false;
  }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      cp <<= 4;
      if (c >= '0' && c <= '9') cp |= c - '0';
      else if (c >= 'a' && c <= 'f') cp |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') cp |= c - 'A' + 10;
      else return false;
    }
    return true;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
            uint32_t low;
            if (!word("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return false;
          }
          appendUtf8(out, cp);
          break;
        }
        default: return false;
      }
    }
    return false;
  }
  bool number(JsonValue& v) {
    size_t start = i_;
    eat('-');
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
    if (s_[i_] == '0') ++i_;
    else while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    v.integer = true;
    if (eat('.')) {
      v.integer = false;
      size_t d = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ == d) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      v.integer = false;
      ++i_;
      if (!eat('+')) eat('-');
      size_t d = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ == d) return false;
    }
    v.kind = JsonValue::Kind::Number;
    v.text = std::string(s_.substr(start, i_ - start));
    return true;
  }
  bool value(JsonValue& v, int depth) {
    skip();
    if (depth > 8 || i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c == '"') {
      v.kind = JsonValue::Kind::String;
      return string(v.text);
    }
    if (c == '[') {
      ++i_;
      v.kind = JsonValue::Kind::Array;
      skip();
      if (eat(']')) return true;
      while (true) {
        JsonValue item;
        if (!value(item, depth + 1)) return false;
        v.items.push_back(std::move(item));
        skip();
        if (eat(',')) continue;
        return eat(']');
      }
    }
    if (c == '{') {
      v.kind = JsonValue::Kind::Object;  // nested objects are kept opaque; callers reject them
      JsonObject inner;
      std::string error;
      size_t depthStart = i_;
      int level = 0;
      bool inString = false;
      for (; i_ < s_.size(); ++i_) {
        char d = s_[i_];
        if (inString) {
          if (d == '\\') ++i_;
          else if (d == '"') inString = false;
        } else if (d == '"') {
          inString = true;
        } else if (d == '{') {
          ++level;
        } else if (d == '}' && --level == 0) {
          ++i_;
          v.text = std::string(s_.substr(depthStart, i_ - depthStart));
          return true;
        }
      }
      return false;
    }
    if (word("true")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = true;
      return true;
    }
    if (word("false")) {
      v.kind = JsonValue::Kind::Bool;
      return true;
    }
    if (word("null")) return true;
    return number(v);
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool parseJsonObject(std::string_view line, JsonObject& out, std::string& error) {
  out.clear();
  return Parser(line).object(out, error);
}

}  // namespace herald
