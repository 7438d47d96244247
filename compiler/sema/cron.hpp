#pragma once
// Cron expressions: the five standard fields, with lists, ranges, steps and names.

#include <string>
#include <string_view>

#include "compiler/ast/ast.hpp"

namespace herald {

/// Where and why a cron expression is wrong (offset and length in the text).
struct CronError {
  std::string message;
  size_t offset = 0;
  size_t length = 0;
};

/// Parses `minute hour day-of-month month day-of-week`; day-of-week 0 and 7 are Sunday.
bool parseCron(std::string_view text, CronSpec& out, CronError& err);

}  // namespace herald
