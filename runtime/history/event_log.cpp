#include "runtime/history/event_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fmt/format.h>

#include "compiler/driver/compilation.hpp"
#include "runtime/data/json_line.hpp"

namespace herald {
namespace {

std::string shown(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::Null: return "null";
    case JsonValue::Kind::Bool: return v.boolean ? "true" : "false";
    case JsonValue::Kind::Number: return v.text;
    case JsonValue::Kind::String: return jsonString(v.text);
    case JsonValue::Kind::Array: return "an array";
    case JsonValue::Kind::Object: return "an object";
  }
  return "";
}

/// Converts a JSON value to a field's type; "" on success, else why not.
std::string convert(const JsonValue& j, const Type& type, const TimeZone& zone, Value& out) {
  using K = JsonValue::Kind;
  auto bad = [&](const char* what) { return fmt::format("{} is not {}", shown(j), what); };
  switch (type.kind) {
    case TypeKind::Bool:
      if (j.kind != K::Bool) return bad("a bool");
      out = Value::makeBool(j.boolean);
      return "";
    case TypeKind::Int:
    case TypeKind::Duration: {
      if (j.kind != K::Number || !j.integer) return bad(type.kind == TypeKind::Int ? "an int" : "a duration in seconds");
      errno = 0;
      long long v = std::strtoll(j.text.c_str(), nullptr, 10);
      if (errno == ERANGE) return fmt::format("{} does not fit in 64 bits", j.text);
      out = Value::makeInt(v, type.kind);
      return "";
    }
    case TypeKind::Float: {
      if (j.kind != K::Number) return bad("a number");
      double d = std::strtod(j.text.c_str(), nullptr);
      if (!std::isfinite(d)) return fmt::format("{} is out of range", j.text);
      out = Value::makeFloat(d);
      return "";
    }
    case TypeKind::String:
      if (j.kind != K::String) return bad("a string");
      out = Value::makeString(j.text);
      return "";
    case TypeKind::Enum:
      if (j.kind != K::String) return bad("a string");
      for (const auto& m : *type.members)
        if (m == j.text) {
          out = Value::makeString(j.text, TypeKind::Enum);
          return "";
        }
      return fmt::format("{} is not one of {}", shown(j), type.withOptional(false).str());
    case TypeKind::Timestamp: {
      if (j.kind != K::String) return bad("a timestamp string");
      int64_t at = 0;
      std::string error;
      if (!parseTimestamp(j.text, zone, at, error)) return error;
      out = Value::makeInt(at, TypeKind::Timestamp);
      return "";
    }
    case TypeKind::Set: {
      if (j.kind != K::Array) return bad("an array of strings");
      Value v;
      v.state = Value::State::Known;
      v.kind = TypeKind::Set;
      for (const JsonValue& item : j.items) {
        if (item.kind != K::String) return fmt::format("set item {} is not a string", shown(item));
        v.set.push_back(item.text);
      }
      std::sort(v.set.begin(), v.set.end());
      v.set.erase(std::unique(v.set.begin(), v.set.end()), v.set.end());
      out = std::move(v);
      return "";
    }
    default: return "unsupported type";
  }
}

}  // namespace

EventLoadResult loadEventsFromText(const std::string& name, std::string_view text, const Symbols& syms,
                                   const TimeZone& zone, size_t maxErrors) {
  EventLoadResult r;
  size_t extraErrors = 0;
  auto error = [&](size_t line, std::string column, std::string message) {
    if (r.errors.size() < maxErrors) r.errors.push_back(DataError{name, line, std::move(column), std::move(message)});
    else ++extraErrors;
  };
  if (!validUtf8(text)) error(0, "", "the file is not valid UTF-8");
  size_t lineNo = 0;
  JsonObject object;
  std::string parseError;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank lines carry nothing
    if (!parseJsonObject(line, object, parseError)) {
      error(lineNo, "", "not a JSON object: " + parseError);
      continue;
    }
    const JsonValue* type = nullptr;
    const JsonValue* customer = nullptr;
    const JsonValue* at = nullptr;
    for (auto& [key, value] : object) {
      if (key == "type") type = &value;
      else if (key == "customer") customer = &value;
      else if (key == "at") at = &value;
    }
    if (!type || type->kind != JsonValue::Kind::String) {
      error(lineNo, "type", "an event needs \"type\": the name of an event declared in the pack");
      continue;
    }
    int eventIndex = syms.events.indexOf(type->text);
    if (eventIndex < 0) {
      error(lineNo, "type", fmt::format("unknown event type \"{}\"{}", type->text, didYouMean(type->text, syms.events.names())));
      continue;
    }
    EventRecord ev;
    ev.type = eventIndex;
    bool bad = false;
    if (!customer || customer->kind != JsonValue::Kind::String || customer->text.empty()) {
      error(lineNo, "customer", "an event needs \"customer\": the customer's id as a string");
      bad = true;
    } else {
      ev.customer = customer->text;
    }
    std::string timeError;
    if (!at || at->kind != JsonValue::Kind::String) {
      error(lineNo, "at", "an event needs \"at\": an ISO-8601 timestamp string");
      bad = true;
    } else if (!parseTimestamp(at->text, zone, ev.at, timeError)) {
      error(lineNo, "at", timeError);
      bad = true;
    }
    const SchemaDecl& decl = *syms.events.list[eventIndex];
    const auto& fieldIndex = syms.eventFields[eventIndex];
    ev.fields.assign(decl.fields.size(), Value::makeUnknown());
    std::vector<bool> given(decl.fields.size(), false);
    for (auto& [key, value] : object) {
      if (key == "type" || key == "customer" || key == "at" || key == "id") continue;
      auto f = fieldIndex.find(key);
      if (f == fieldIndex.end()) {
        std::vector<std::string> names;
        for (auto& [n, i] : fieldIndex) names.push_back(n);
        error(lineNo, key, fmt::format("event '{}' has no field '{}'{}", type->text, key, didYouMean(key, names)));
        bad = true;
        continue;
      }
      given[f->second] = true;
      const Type& t = decl.fields[f->second].type.type;
      if (value.kind == JsonValue::Kind::Null) {
        if (!t.optional) {
          error(lineNo, key, "is null but the field is required");
          bad = true;
        }
        continue;
      }
      std::string why = convert(value, t, zone, ev.fields[f->second]);
      if (!why.empty()) {
        error(lineNo, key, why);
        bad = true;
      }
    }
    for (size_t i = 0; i < decl.fields.size(); ++i)
      if (!given[i] && !decl.fields[i].type.type.optional) {
        error(lineNo, decl.fields[i].name.name, "is missing: every declared field of the event is required");
        bad = true;
      }
    if (bad) continue;
    r.events.push_back(std::move(ev));
    r.lines.push_back(lineNo);
  }
  if (extraErrors) r.errors.push_back(DataError{name, 0, "", fmt::format("... and {} more errors", extraErrors)});
  r.ok = r.errors.empty();
  return r;
}

EventLoadResult loadEvents(const std::string& path, const Symbols& syms, const TimeZone& zone, size_t maxErrors) {
  std::string text, error;
  if (!readFile(path, text, error)) {
    EventLoadResult r;
    r.ioError = true;
    r.errors.push_back(DataError{path, 0, "", error});
    return r;
  }
  return loadEventsFromText(path, text, syms, zone, maxErrors);
}

std::unordered_map<std::string, CustomerHistory> groupByCustomer(std::vector<EventRecord> events) {
  std::unordered_map<std::string, CustomerHistory> out;
  for (EventRecord& e : events) {
    std::string id = e.customer;
    out[id].events.push_back(std::move(e));
  }
  return out;
}

}  // namespace herald
