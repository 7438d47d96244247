#pragma once
// The reference interpreter: the meaning of every IR node, simple and obviously right
// (LANGUAGE.md sections 3 and 5). Evaluators are pure functions of the context.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir/ir.hpp"
#include "stdlib/time.hpp"

namespace herald {

/// One stored or current event: its type (index of the event declaration), time and fields
/// (indexed like the declaration's fields; unknown when absent).
struct EventRecord {
  int type = -1;
  int64_t at = 0;
  std::string customer;
  std::vector<Value> fields;
};

/// One `sent` contact of a customer.
struct ContactRecord {
  int64_t at = 0;
  std::string campaign, channel, offer;
};

/// What a customer did and received: the input of history aggregates.
struct CustomerHistory {
  std::vector<EventRecord> events;  // any order
  std::vector<ContactRecord> contacts;
  std::vector<int64_t> responses;   // the instants of recorded responses
};

/// Where customer fields come from (a row of the customer table, or a single customer).
class FieldSource {
 public:
  virtual ~FieldSource() = default;
  /// The value of customer field `index` (unknown when missing).
  virtual Value field(int index) const = 0;
};

/// Everything an evaluation may read.
struct EvalContext {
  const FieldSource* customer = nullptr;
  std::string_view customerId;
  int64_t now = 0;
  const TimeZone* zone = nullptr;
  const EventRecord* event = nullptr;           // the event at hand (event campaigns, responses)
  const CustomerHistory* history = nullptr;     // null: no history (count 0, last unknown, ...)
  std::function<bool(std::string_view)> inList; // list membership for in_list; null: on no list
};

/// Evaluates IR nodes.
class Interpreter {
 public:
  Value eval(const IrNode* n, const EvalContext& ctx) const;

 private:
  Value call(const IrNode* n, const EvalContext& ctx) const;
  Value aggregate(const IrNode* n, const EvalContext& ctx) const;
};

/// Whole periods of `unit` seconds from `at` to `now`, rounded down (days_since, hours_since):
/// exact for any two instants, as the difference is taken in 128 bits and the quotient fits.
int64_t periodsSince(int64_t now, int64_t at, int64_t unit);

/// hour, weekday, month, year or date (an instant) of `at` in `zone` (LANGUAGE.md section 5).
int64_t civilPart(const TimeZone& zone, Builtin part, int64_t at);

/// FNV-1a 64-bit of `salt + ":" + id` modulo n (LANGUAGE.md section 8).
uint64_t stableBucket(std::string_view salt, std::string_view id, uint64_t n);

}  // namespace herald
