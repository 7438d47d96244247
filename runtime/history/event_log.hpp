#pragma once
// Events from JSON Lines (`{"type":"recharge","customer":"c1","at":"2026-03-01T10:00:00","amount":60}`),
// checked against the pack's event declarations, and grouped into customers' histories.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/interp/interpreter.hpp"
#include "compiler/sema/sema.hpp"
#include "runtime/data/customer_table.hpp"

namespace herald {

/// Events in file order, each with the line it came from.
struct EventLoadResult {
  bool ok = false;
  bool ioError = false;
  std::vector<EventRecord> events;
  std::vector<size_t> lines;
  std::vector<DataError> errors;
};

/// Reads and checks an events file; every bad line is an error with its place (the first
/// `maxErrors` are listed). An `id` key is allowed (an idempotency key); other unknown keys are errors.
EventLoadResult loadEvents(const std::string& path, const Symbols& syms, const TimeZone& zone, size_t maxErrors = 20);
/// Same, from text in memory; `name` names the file in errors.
EventLoadResult loadEventsFromText(const std::string& name, std::string_view text, const Symbols& syms,
                                   const TimeZone& zone, size_t maxErrors = 20);

/// The histories of the customers the events are about, keyed by customer id.
std::unordered_map<std::string, CustomerHistory> groupByCustomer(std::vector<EventRecord> events);

}  // namespace herald
