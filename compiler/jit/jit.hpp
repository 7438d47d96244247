#pragma once
// The LLVM ORC JIT back end: the typed IR of a whole pack becomes one native module with, for
// every expression, a per-customer function and a columnar batch kernel. The interpreter
// defines the meaning; generated code gives the same values, unknowns and errors (checked by
// tests/differential). Only compiler/jit/*.cpp include LLVM headers.
//
//   auto pack = JitPack::compile(roots, options, error);     // once per process (or from cache)
//   JitBinding run(*pack, input, now, zone);                  // per table of customers and instant
//   run.evaluateBits(0, begin, end, truth, unknown);          // a block of rows, as bitmaps
//   run.evaluate(0, begin, end, states);                      // ... or as BatchEvaluator's states
//   Value v = run.value(0, row);                              // one customer, as Interpreter
//
// Expressions the JIT has no code for (event fields, text-producing built-ins, ...) fall back to
// the interpreter inside JitBinding, one expression at a time; fallbackReason() says why.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "compiler/interp/batch.hpp"
#include "compiler/interp/interpreter.hpp"
#include "compiler/ir/ir.hpp"

namespace herald {

/// Packs of more expressions than this are big: O2 would take seconds, so they get a shorter
/// pipeline, and JitTier gives them a quickly compiled first tier.
inline constexpr size_t kJitBigPack = 256;

struct JitOptions {
  /// A directory for compiled object code ("" : no cache). Entries are keyed by a hash of the
  /// expressions' IR, the Herald version and the host CPU; stale or corrupt ones are rebuilt.
  std::string cacheDir;
  /// Compile fast rather than well: little optimisation, fast instruction selection.
  bool firstTier = false;
};

/// One compiled pack: native code for a list of expressions (the roots given to compile()).
class JitPack {
 public:
  /// Compiles `roots` into one module. Returns null with `error` set when LLVM itself fails
  /// (an expression the JIT does not support is not an error: it falls back).
  static std::unique_ptr<JitPack> compile(const std::vector<const IrNode*>& roots, const JitOptions& options,
                                          std::string& error);
  ~JitPack();

  size_t size() const;
  const IrNode* root(size_t i) const;
  /// Whether expression i runs as native code; when not, why (for --verbose).
  bool compiled(size_t i) const;
  const std::string& fallbackReason(size_t i) const;
  /// Wall time of compile() in seconds, and whether the object code came from the cache.
  double compileSeconds() const;
  bool fromCache() const;
  /// Whether this is the quickly compiled first tier of a big pack (JitOptions::firstTier).
  bool firstTier() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit JitPack(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A compiled pack bound to one table of customers, an instant and a time zone. Not thread-safe:
/// use one binding per thread.
class JitBinding {
 public:
  JitBinding(const JitPack& pack, const BatchInput& input, int64_t now, const TimeZone& zone,
             std::function<bool(std::string_view)> inList = nullptr);
  ~JitBinding();
  JitBinding(const JitBinding&) = delete;
  JitBinding& operator=(const JitBinding&) = delete;

  /// Expression i (bool) over rows [begin, end) (at most BatchEvaluator::kBlock rows) as two
  /// bitmaps, the kernels' own output: bit k of `truth` and `unknown` (words of 64 bits) is row
  /// begin + k; true sets truth, unknown sets unknown, an error sets both; bits past the rows
  /// are 0. Consumers find the true rows a word at a time (truth & ~unknown).
  void evaluateBits(size_t i, size_t begin, size_t end, uint64_t* truth, uint64_t* unknown);
  /// The same as one state per row, as BatchEvaluator gives them: 1 true, 0 false, 2 unknown,
  /// 3 error.
  void evaluate(size_t i, size_t begin, size_t end, uint8_t* out);
  /// The error message of a row that evaluate() reported as 3.
  std::string errorOf(size_t i, size_t row);
  /// The value of expression i for one row, exactly as the interpreter gives it.
  Value value(size_t i, size_t row);

  struct Impl;

 private:
  void interpret(size_t i, size_t begin, size_t end, uint8_t* out);
  std::unique_ptr<Impl> impl_;
};

}  // namespace herald

namespace herald {

/// Tiering: a pack compiles on a background thread while the interpreter starts.
/// `--engine interp|jit|auto` on `eval` and `run` picks the mode.
class JitTier {
 public:
  enum class Mode { Interp, Jit, Auto };
  /// Parses "interp", "jit" or "auto"; false for anything else.
  static bool parseMode(std::string_view text, Mode& out);

  JitTier(Mode mode, std::vector<const IrNode*> roots, JitOptions options);
  ~JitTier();
  JitTier(const JitTier&) = delete;
  JitTier& operator=(const JitTier&) = delete;

  Mode mode() const { return mode_; }
  /// The compiled pack or null: never in Interp mode; in Jit mode it waits for compilation;
  /// in Auto mode only once compilation has finished (callers interpret until then). A big pack
  /// compiles twice, quickly then well: get() gives the better code once it is there, so callers
  /// bind again when the pointer changes (both stay valid while the tier lives).
  const JitPack* get();
  /// Waits for compilation; null in Interp mode or when compilation failed.
  const JitPack* wait();
  /// Why compilation failed ("" when it did not).
  const std::string& error() const { return error_; }
  /// The position of `root` among the roots given, or SIZE_MAX.
  size_t indexOf(const IrNode* root) const;
  /// Lines for --verbose: the compile time and every expression that falls back, and why
  /// (`describe` names root i for people, e.g. "the audience of campaign x").
  std::vector<std::string> report(const std::function<std::string(size_t)>& describe);

 private:
  Mode mode_;
  std::vector<const IrNode*> roots_;
  std::unique_ptr<JitPack> first_, pack_;  // first tier (big packs only), then the optimised code
  std::string error_;
  std::atomic<bool> firstDone_{false}, done_{false}, stopping_{false};
  std::thread worker_;
};

}  // namespace herald
