#pragma once
// A batch run of an activity at an instant (LANGUAGE.md section 6): due work first, then
// candidates from the audiences, arbitration by priority under dnd, exclusion lists,
// per_customer, policies, limits, budgets, quiet hours and hold-outs, recorded atomically.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/driver/compiled_pack.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/data/customer_table.hpp"
#include "runtime/store/store.hpp"

namespace herald {

/// What happened to one campaign in a run.
struct CampaignSummary {
  std::string campaign, channel;
  int64_t planned = 0, sent = 0, control = 0, deferred = 0, errors = 0;
  std::vector<std::pair<std::string, int64_t>> suppressed;  // by reason, in order of first use
  double cost = 0;
  void suppress(const std::string& reason);
};

/// The outcome of a run, as `herald run` prints it.
struct RunSummary {
  std::optional<int64_t> run;  // null for a dry run
  std::string activity;
  int64_t at = 0;
  std::string outcome;  // "done" | "already done" | "dry run"
  std::vector<CampaignSummary> campaigns;
  int64_t dueDecided = 0;  // deferred entries of earlier runs decided first
  std::vector<std::string> evaluationErrors;  // "customer c1, campaign x: division by zero" (first 20)
  int64_t evaluationErrorCount = 0;
  double historySeconds = 0, evaluateSeconds = 0, arbitrateSeconds = 0, writeSeconds = 0;
  int64_t blocks = 0, jitBlocks = 0;  // audience blocks evaluated, and how many by native code
};

/// Why a run could not happen: the user's mistake (exit 1) or the store's trouble (exit 2).
struct RunError {
  enum class Kind { None, Input, Store } kind = Kind::None;
  std::string message;
  explicit operator bool() const { return kind != Kind::None; }
};

struct RunRequest {
  std::string activity;
  int64_t at = 0;
  bool dryRun = false;
  /// The JIT compiling the activity's audiences and priorities (see jitRoots); null: interpret.
  JitTier* jit = nullptr;
  /// Called now and then with the phase ("evaluating", "arbitrating", "writing") and progress.
  std::function<void(const char* phase, size_t done, size_t total)> progress;
};

/// The expressions a run of `activity` evaluates, for the JIT: audiences, priorities and
/// message placeholders.
std::vector<const IrNode*> jitRoots(const CompiledPack& pack, const std::string& activity);

/// Runs one activity over `customers` against `store`.
RunSummary runActivity(const CompiledPack& pack, const CustomerTable& customers, Store& store, const RunRequest& request,
                       RunError& error);

/// Decides deferred and delayed entries due by `at` (what `herald flush` does; runs do it first).
/// Returns how many were decided.
int64_t flushDue(const CompiledPack& pack, const CustomerTable* customers, Store& store, int64_t at, bool dryRun,
                 RunError& error);

/// A value as it appears in a message: unknown is empty, floats shortest, timestamps local.
std::string renderValue(const Value& v, const TimeZone& zone);

}  // namespace herald
