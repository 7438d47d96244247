#pragma once
// What generated code and the host share: the frame a function reads, its result, error codes,
// and the host functions generated code calls (a narrow C ABI, bound as absolute symbols).
// Changing a layout here changes code generation: bump kJitAbiVersion so cached objects rebuild.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/ir.hpp"
#include "compiler/jit/jit.hpp"

namespace llvm::orc {
class LLJIT;
}

namespace herald {

inline constexpr int kJitAbiVersion = 7;

/// One customer column (ColumnView without its type). Generated code relies on the tables'
/// invariant that a required (non-optional) column has a value on every row. Seven pointers;
/// codegen reads member m of column c at byte offset c * kJitColumnBytes + m * 8.
struct JitColumn {
  const uint64_t* valid;
  const int64_t* ints;
  const double* reals;
  const uint32_t* strings;
  const uint32_t* setOffsets;
  const uint32_t* setItems;
  /// `ints` as bytes, when the binding found every value of an int, enum or bool column within
  /// -128..127 (else null): a kernel that reads only such columns runs a version of its loop that
  /// streams an eighth of the memory (see Codegen::kernel).
  const int8_t* narrow;
};
inline constexpr int kJitColumnBytes = 56;
static_assert(sizeof(JitColumn) == kJitColumnBytes);

/// The argument of every generated function.
struct JitFrame {
  const JitColumn* columns;  // offset 0
  const int64_t* strIds;     // offset 8: string constant k as a dictionary id, or -(k + 1)
                             // (text made at run time gets ids below the constants')
  int64_t now;               // offset 16
  const void* host;          // offset 24: the JitBinding::Impl the host functions read
  const int8_t* const* tables;  // offset 32: JitTable results, by table index
};

/// A result computed once per binding so a kernel reads one byte instead of calling the host:
/// - RowHasString: by row, whether set column `column` holds string constant `string`;
/// - TextTest: by dictionary id, the text test `node` (contains, starts_with, ends_with,
///   matches, or an ordering against a constant) of a string column's value.
struct JitTable {
  enum class Kind { RowHasString, TextTest } kind;
  int column = -1;
  int string = -1;                 // RowHasString: the constant's index; TextTest: the constant's
  const IrNode* node = nullptr;    // TextTest: the call
  bool fieldFirst = true;          // TextTest: the column is the call's first operand
};

/// What a per-customer function writes; it returns the state (0 known, 1 unknown, 2 error).
struct JitOut {
  int64_t i;    // bool, int, timestamp, duration, enum member index, string id; error: code
  double f;     // float
};

/// Run-time errors by code (0 is none). Codes past kJitErrorExtra index messages the binding
/// met in aggregates that are not in this table.
enum JitError : int64_t {
  kJitOverflow = 1,
  kJitDivisionByZero,
  kJitSqrtNegative,
  kJitLogNonPositive,
  kJitNotFinite,
  kJitBucketN,
  kJitInvalidRegex,
  kJitErrorExtra = 100,
};
const char* jitErrorMessage(int64_t code);
/// The code of an error message, or 0 when it is none of the table's.
int64_t jitErrorCode(const std::string& message);

/// Functions the host gives generated code (defined in jit_runtime.cpp).
extern "C" {
int64_t herald_jit_text_cmp(const void* host, int64_t a, int64_t b);
int64_t herald_jit_text_op(const void* host, int64_t op, int64_t a, int64_t b);  // 0 contains 1 starts 2 ends
int64_t herald_jit_text_len(const void* host, int64_t id);
int64_t herald_jit_matches(const void* host, int64_t regex, int64_t id);
int64_t herald_jit_in_set(const uint32_t* items, int64_t count, int64_t id);
int64_t herald_jit_in_list(const void* host, int64_t id);
int64_t herald_jit_text_map(const void* host, int64_t op, int64_t id);  // 0 lower 1 upper 2 trim: an id
int64_t herald_jit_civil(const void* host, int64_t which, int64_t at);  // 0 hour 1 weekday 2 month 3 year 4 date
int64_t herald_jit_bucket(const void* host, int64_t salt, int64_t n, int64_t row);
int64_t herald_jit_aggregate(const void* host, int64_t index, int64_t row, JitOut* out);  // returns the state
double herald_jit_log(double x);
double herald_jit_exp(double x);
}

/// What compile() learnt about the expressions, needed again when binding (also on a cache hit).
struct JitPlan {
  std::vector<const IrNode*> roots;
  std::vector<std::string> fallback;        // by root: "" when compiled, else why not
  std::vector<std::string> strings;         // string constants, by index k
  std::vector<const IrNode*> regexes;       // Matches nodes with a constant pattern
  std::vector<const IrNode*> aggregates;    // Aggregate nodes, called back through the host
  std::vector<JitTable> tables;
};

/// A kernel over rows [begin, end) (at most BatchEvaluator::kBlock): bit k of the bitmaps is row
/// begin + k (see JitBinding::evaluateBits).
using JitKernelFn = void (*)(const JitFrame*, uint64_t begin, uint64_t end, uint64_t* truth, uint64_t* unknown);
/// The same rows' states as bytes, 1 true, 0 false, 2 unknown, 3 error (as BatchEvaluator).
using JitByteKernelFn = void (*)(const JitFrame*, uint64_t begin, uint64_t end, uint8_t* out);
using JitRowFn = uint8_t (*)(const JitFrame*, uint64_t row, JitOut* out);

struct JitPack::Impl {
  Impl();
  ~Impl();
  JitPlan plan;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::vector<JitKernelFn> kernels;  // by root; null when it falls back or is not bool
  std::vector<JitByteKernelFn> byteKernels;  // the same kernels' states as bytes
  std::vector<JitRowFn> rows;        // by root; null when it falls back or is bool (its kernel serves)
  double seconds = 0;
  bool cached = false;
  bool firstTier = false;
};

}  // namespace herald
