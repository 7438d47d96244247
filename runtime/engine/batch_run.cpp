#include "runtime/engine/batch_run.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <fmt/format.h>
#include <numeric>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "compiler/interp/batch.hpp"
#include "compiler/jit/jit.hpp"
#include "runtime/engine/arbiter.hpp"
#include "compiler/sema/const_fold.hpp"
#include "runtime/data/table_row.hpp"

namespace herald {

using namespace batch;  // the arbiter (runtime/engine/arbiter.hpp)

void CampaignSummary::suppress(const std::string& reason) {
  for (auto& [r, n] : suppressed)
    if (r == reason) {
      ++n;
      return;
    }
  suppressed.emplace_back(reason, 1);
}

std::string renderValue(const Value& v, const TimeZone& zone) {
  if (!v.known()) return "";
  switch (v.kind) {
    case TypeKind::Bool: return v.boolean ? "true" : "false";
    case TypeKind::Int: return std::to_string(v.integer);
    case TypeKind::Float: return fmt::format("{}", v.real);
    case TypeKind::String:
    case TypeKind::Enum: return v.text;
    case TypeKind::Timestamp: {
      CivilTime c = zone.toCivil(v.integer);
      return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute);
    }
    case TypeKind::Duration: {
      static const std::pair<int64_t, char> kUnits[] = {{604800, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}};
      for (auto [secs, unit] : kUnits)
        if (v.integer != 0 && v.integer % secs == 0) return fmt::format("{}{}", v.integer / secs, unit);
      return fmt::format("{}s", v.integer);
    }
    case TypeKind::Set: {
      std::string s;
      for (size_t i = 0; i < v.set.size(); ++i) s += (i ? ", " : "") + v.set[i];
      return s;
    }
    default: return "";
  }
}

namespace {

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}


/// Records a run's entries on a second thread while arbitration decides the next ones: SQLite's
/// inserts are most of a large run's time, and arbitration need not wait for them. Entries go
/// over in chunks that come back empty to be filled again, so a run of millions holds a few
/// chunks at a time. The store is used by the writer alone until finish().
class EntryWriter {
 public:
  static constexpr size_t kChunk = 1 << 14;
  static constexpr size_t kQueued = 8;  // chunks waiting at most; arbitration waits beyond

  explicit EntryWriter(Store& store) : store_(store) {
    filling_.reserve(kChunk);
    thread_ = std::thread([this] { loop(); });
  }
  ~EntryWriter() { finish(); }

  /// Adds an entry; hands the chunk over when it is full.
  void add(ContactEntry&& e) {
    filling_.push_back(std::move(e));
    if (filling_.size() == kChunk) handOver();
  }
  /// Writes what is left and stops the writer. Returns the store's error, if any (entries after
  /// an error are not written: the run is rolled back).
  StoreError finish() {
    if (!thread_.joinable()) return err_;
    handOver();
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    ready_.notify_one();
    thread_.join();
    return err_;
  }
  /// Seconds spent writing, and seconds arbitration waited for the writer.
  double busySeconds() const { return busy_; }
  double waitedSeconds() const { return waited_; }

 private:
  void handOver() {
    if (filling_.empty()) return;
    std::unique_lock lock(mutex_);
    if (queue_.size() >= kQueued) {
      auto t0 = std::chrono::steady_clock::now();
      room_.wait(lock, [&] { return queue_.size() < kQueued; });
      waited_ += secondsSince(t0);
    }
    queue_.push_back(std::move(filling_));
    filling_ = std::vector<ContactEntry>();
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    }
    filling_.reserve(kChunk);
    lock.unlock();
    ready_.notify_one();
  }
  void loop() {
    for (;;) {
      std::vector<ContactEntry> chunk;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      room_.notify_one();
      auto t0 = std::chrono::steady_clock::now();
      if (!err_) store_.addContacts(chunk, err_);
      chunk.clear();
      busy_ += secondsSince(t0);
      std::lock_guard lock(mutex_);
      spare_.push_back(std::move(chunk));
    }
  }

  Store& store_;
  StoreError err_;  // the writer's until finish()
  std::vector<ContactEntry> filling_;
  std::deque<std::vector<ContactEntry>> queue_;
  std::vector<std::vector<ContactEntry>> spare_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  bool done_ = false;
  double busy_ = 0, waited_ = 0;
  std::thread thread_;
};

/// Renders a campaign's message for a customer: its row in `rows`.
/// The text of a campaign's message for one customer at `at`. `native` gives a placeholder's
/// value from the JIT when it has code for it (false: interpret).
std::string renderMessage(const CampaignInfo& c, const CompiledPack& pack, TableRow& rows, size_t row,
                          std::string_view customer, int64_t at,
                          const std::function<bool(const IrNode*, size_t row, Value&)>& native = nullptr) {
  Interpreter interp;
  EvalContext ctx;
  ctx.now = at;
  ctx.zone = &pack.zone();
  ctx.customerId = customer;
  rows.setRow(row);
  ctx.customer = &rows;
  std::string out;
  Value v;
  for (const MessagePart& part : c.message) {
    if (!part.expr) {
      out += part.text;
      continue;
    }
    if (!native || !native(part.expr, row, v)) v = interp.eval(part.expr, ctx);
    out += renderValue(v, pack.zone());
  }
  return out;
}

/// Decides due entries (status deferred, due by `at`) in place; appends the rewritten entries.
int64_t decideDue(const CompiledPack& pack, const CustomerTable* customers, Store& store, Arbiter& arbiter, int64_t at,
                  std::vector<ContactEntry>& decided, StoreError& err) {
  std::vector<ContactEntry> due = store.dueEntries(at, err);
  if (err) return 0;
  std::unordered_map<int64_t, RunState> runs;
  std::optional<TableRow> rows;
  if (customers) rows.emplace(*customers);
  for (ContactEntry& e : due) {
    const CampaignInfo* c = pack.findCampaign(e.campaign);
    if (!c || !c->channel) continue;  // a campaign no longer in the pack: left as it is
    auto [it, fresh] = runs.try_emplace(e.run);
    RunState& run = it->second;
    if (fresh) {
      const ActivityInfo* a = pack.findActivity(e.activity);
      run.perCustomerLimit = a ? a->perCustomer : 1;
      run.sentByCampaign.assign(arbiter.campaignCount(), 0);
      for (const ContactEntry& x : store.runEntries(e.run, err)) {
        if (x.status == "sent")
          if (const CampaignInfo* xc = pack.findCampaign(x.campaign)) ++run.sentByCampaign[arbiter.index(*xc)];
        if (x.status == "sent" || x.status == "control" || x.status == "deferred")
          ++run.perCustomer[arbiter.key(x.customer)];
      }
      if (err) return 0;
    }
    size_t customer = arbiter.key(e.customer);
    Decision d = arbiter.decide(*c, customer, e.at, run, true);
    arbiter.record(*c, customer, d, run, true);
    e.status = d.status;
    e.reason = d.reason ? std::optional<std::string>(*d.reason) : std::nullopt;
    e.cost = d.cost;
    if (d.is("deferred")) {  // deferred again (cannot happen at the end of a quiet window, but be exact)
      e.at = d.at;
    }
    bool known = customers && customer < customers->rows();
    if (d.is("sent") && c->hasMessage && known) e.message = renderMessage(*c, pack, *rows, customer, e.customer, e.at);
    else if (!d.is("sent") && !d.is("deferred")) e.message.reset();
    decided.push_back(std::move(e));
  }
  return static_cast<int64_t>(decided.size());
}

/// A campaign's summary with every reason it could be suppressed for, at 0, in check order
/// (as LANGUAGE.md's example shows: scripts can read any reason's count).
CampaignSummary emptySummary(const CampaignInfo& c) {
  CampaignSummary s;
  s.campaign = c.name;
  s.channel = c.channel ? c.channel->name : "";
  s.suppressed.emplace_back("dnd", 0);
  for (const PolicyDecl* p : c.policies)
    for (const PolicyRule& r : p->rules)
      if (r.kind == RuleKind::ExcludeList) s.suppressed.emplace_back("list " + r.list, 0);
  s.suppressed.emplace_back("per_customer", 0);
  for (const PolicyDecl* p : c.policies)
    for (const PolicyRule& r : p->rules)
      if (r.kind != RuleKind::ExcludeList) s.suppressed.emplace_back(fmt::format("policy {}: {}", p->name.name, r.text), 0);
  if (c.limit) s.suppressed.emplace_back("limit", 0);
  if (c.budget) s.suppressed.emplace_back("budget", 0);
  return s;
}

/// Rebuilds the summary of a run already recorded.
RunSummary summaryOfRecordedRun(const CompiledPack& pack, const ActivityInfo& activity, const RunRecord& run,
                                Store& store, StoreError& err) {
  RunSummary s;
  s.run = run.id;
  s.activity = activity.name;
  s.at = run.at;
  s.outcome = "already done";
  for (const CampaignInfo* c : activity.campaigns)
    if (!c->trigger) s.campaigns.push_back(emptySummary(*c));
  for (const ContactEntry& e : store.contacts(run.id, "", "", err)) {
    for (CampaignSummary& cs : s.campaigns) {
      if (cs.campaign != e.campaign) continue;
      ++cs.planned;
      if (e.status == "sent") ++cs.sent, cs.cost += e.cost;
      else if (e.status == "control") ++cs.control;
      else if (e.status == "deferred") ++cs.deferred;
      else cs.suppress(e.reason.value_or(""));
    }
  }
  return s;
}

/// How far back the expressions' contacts(...) and responses(...) look: -1 not at all,
/// INT64_MAX all history, else the longest `within`.
int64_t historyWindow(const IrNode* n, std::unordered_set<const IrNode*>& seen) {
  if (!n || !seen.insert(n).second) return -1;
  int64_t w = -1;
  if (n->kind == IrKind::Aggregate && (n->agg == Aggregate::Contacts || n->agg == Aggregate::Responses))
    w = n->within < 0 ? INT64_MAX : n->within;
  for (const IrNode* a : n->args) w = std::max(w, historyWindow(a, seen));
  return std::max(w, historyWindow(n->where, seen));
}

/// The sent contacts of every customer with `at` in (at - window, at], as aggregates read them,
/// by row (empty when no expression reads them).
std::vector<CustomerHistory> contactHistories(Store& store, const CustomerTable& customers, int64_t at, int64_t window,
                                              StoreError& err) {
  std::vector<CustomerHistory> out;
  if (window < 0) return out;
  out.resize(customers.rows());
  int64_t from = window == INT64_MAX ? INT64_MIN : at - window;
  store.forEachSentContact(from, at, [&](const SentContactView& s) {
    if (int64_t r = customers.findRow(s.customer); r >= 0)
      out[static_cast<size_t>(r)].contacts.push_back(
          ContactRecord{s.at, std::string(s.campaign), std::string(s.channel), std::string(s.offer.value_or(""))});
  }, err);
  return out;
}

/// Each row's place in the order of customer ids (as bytes), so sorting pairs compares numbers.
/// Files usually list customers in id order already, which one pass confirms.
std::vector<uint32_t> idRanks(const CustomerTable& customers) {
  std::vector<uint32_t> rank(customers.rows());
  std::iota(rank.begin(), rank.end(), 0u);
  bool sorted = true;
  for (size_t r = 1; r < customers.rows() && sorted; ++r) sorted = customers.id(r - 1) < customers.id(r);
  if (sorted) return rank;
  std::vector<uint32_t> rows = rank;
  std::sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return customers.id(a) < customers.id(b); });
  for (size_t i = 0; i < rows.size(); ++i) rank[rows[i]] = static_cast<uint32_t>(i);
  return rank;
}

struct Pair {
  const CampaignInfo* campaign;
  size_t row;
  std::optional<double> priority;
};

}  // namespace

/// Adds to what each campaign spent: `spent` by campaign.
void addSpent(Store& store, const std::map<std::string, double>& spent, StoreError& err) {
  for (auto& [campaign, cost] : spent)
    if (!err) store.addSpent(campaign, cost, err);
}

/// Adds the cost of the sent entries to what their campaigns spent (one row per campaign).
void addSpent(Store& store, const std::vector<ContactEntry>& entries, StoreError& err) {
  std::map<std::string, double> spent;
  for (const ContactEntry& e : entries)
    if (e.status == "sent" && e.cost != 0) spent[e.campaign] += e.cost;
  addSpent(store, spent, err);
}

int64_t flushDue(const CompiledPack& pack, const CustomerTable* customers, Store& store, int64_t at, bool dryRun,
                 RunError& error) {
  StoreError err;
  Arbiter arbiter(pack, customers);
  int64_t oldest = at;
  for (const ContactEntry& e : store.dueEntries(at, err)) oldest = std::min(oldest, e.at);
  if (!err) arbiter.load(store, oldest - arbiter.maxWindow() - 1, at, err);
  std::vector<ContactEntry> decided;
  int64_t n = err ? 0 : decideDue(pack, customers, store, arbiter, at, decided, err);
  if (!err && !dryRun && !decided.empty()) {
    store.begin(err);
    for (const ContactEntry& e : decided)
      if (!err) store.updateContact(e, err);
    if (!err) addSpent(store, decided, err);
    if (err) store.rollback();
    else store.commit(err);
  }
  if (err) error = RunError{RunError::Kind::Store, err.message};
  return n;
}

std::vector<const IrNode*> jitRoots(const CompiledPack& pack, const std::string& activity) {
  std::vector<const IrNode*> roots;
  if (const ActivityInfo* a = pack.findActivity(activity))
    for (const CampaignInfo* c : a->campaigns) {
      if (c->trigger) continue;
      roots.push_back(c->audience);
      if (c->priority) roots.push_back(c->priority);
      for (const MessagePart& part : c->message)
        if (part.expr) roots.push_back(part.expr);
    }
  return roots;
}

RunSummary runActivity(const CompiledPack& pack, const CustomerTable& customers, Store& store, const RunRequest& request,
                       RunError& error) {
  RunSummary s;
  s.activity = request.activity;
  s.at = request.at;
  const ActivityInfo* activity = pack.findActivity(request.activity);
  if (!activity) {
    std::vector<std::string> names;
    for (auto& a : pack.activities()) names.push_back(a.name);
    error = {RunError::Kind::Input, fmt::format("unknown activity '{}'{}", request.activity, didYouMean(request.activity, names))};
    return s;
  }
  if (activity->windowStart && (request.at < *activity->windowStart || request.at >= *activity->windowEnd)) {
    error = {RunError::Kind::Input,
             fmt::format("activity '{}' is active from {} to {} (its window); {} is outside it, so nothing was run",
                         activity->name, formatInstantUtc(*activity->windowStart),
                         formatInstantUtc(*activity->windowEnd), formatInstantUtc(request.at))};
    return s;
  }
  StoreError err;
  auto storeFailed = [&]() {
    error = {RunError::Kind::Store, err.message};
    return s;
  };
  if (auto done = store.findBatchRun(activity->name, request.at, err)) {
    RunSummary again = summaryOfRecordedRun(pack, *activity, *done, store, err);
    if (err) return storeFailed();
    return again;
  }
  if (err) return storeFailed();

  // History, lists and budgets, loaded once in bulk.
  auto t0 = std::chrono::steady_clock::now();
  Arbiter arbiter(pack, &customers);
  int64_t oldest = request.at;
  std::vector<ContactEntry> dueProbe = store.dueEntries(request.at, err);
  for (const ContactEntry& e : dueProbe) oldest = std::min(oldest, e.at);
  if (!err) arbiter.load(store, oldest - arbiter.maxWindow() - 1, request.at, err);
  if (err) return storeFailed();
  std::vector<ContactEntry> decidedDue;
  s.dueDecided = decideDue(pack, &customers, store, arbiter, request.at, decidedDue, err);
  if (err) return storeFailed();
  s.historySeconds = secondsSince(t0);

  // Candidates: every (customer, campaign) pair whose audience is true.
  auto t1 = std::chrono::steady_clock::now();
  PoolDict dict(customers.pool());
  BatchInput input = batchInput(customers, dict);
  // Audiences and priorities see the history as it stood before the run (LANGUAGE.md section 5).
  std::unordered_set<const IrNode*> seen;
  int64_t window = -1;
  for (const CampaignInfo* c : activity->campaigns)
    if (!c->trigger) window = std::max({window, historyWindow(c->audience, seen), historyWindow(c->priority, seen)});
  std::vector<CustomerHistory> histories = contactHistories(store, customers, request.at, window, err);
  if (err) return storeFailed();
  input.history = [&](size_t r) -> const CustomerHistory* {
    return histories.empty() || histories[r].contacts.empty() ? nullptr : &histories[r];
  };
  std::vector<Pair> pairs;
  TableRow row(customers);
  Interpreter interp;
  EvalContext ctx;
  ctx.customer = &row;
  ctx.now = request.at;
  ctx.zone = &pack.zone();
  auto reportError = [&](const std::string& customer, const CampaignInfo& c, const std::string& what) {
    ++s.evaluationErrorCount;
    if (s.evaluationErrors.size() < 20)
      s.evaluationErrors.push_back(fmt::format("customer {}, campaign {}: {}", customer, c.name, what));
  };
  auto progress = [&](const char* phase, size_t done, size_t total) {
    if (request.progress) request.progress(phase, done, total);
  };
  // Native code once the JIT has it (tiering: blocks are interpreted until then).
  std::unique_ptr<JitBinding> jit;
  const JitPack* bound = nullptr;
  auto native = [&]() -> JitBinding* {  // (bound again when the JIT has better code)
    const JitPack* compiled = request.jit ? request.jit->get() : nullptr;
    if (compiled && compiled != bound) {
      jit = std::make_unique<JitBinding>(*compiled, input, request.at, pack.zone());
      bound = compiled;
    }
    return jit.get();
  };
  size_t campaignIndex = 0;
  for (const CampaignInfo* c : activity->campaigns) {
    ++campaignIndex;
    if (c->trigger) continue;  // event campaigns listen to events, they are not run in batches
    s.campaigns.push_back(emptySummary(*c));
    CampaignSummary& cs = s.campaigns.back();
    if (c->budget && arbiter.spent(*c) >= *c->budget - 1e-9) continue;  // budget spent: not run
    BatchEvaluator batch(c->audience, input, request.at, pack.zone());
    size_t audience = request.jit ? request.jit->indexOf(c->audience) : SIZE_MAX;
    size_t priority = request.jit && c->priority ? request.jit->indexOf(c->priority) : SIZE_MAX;
    uint8_t states[BatchEvaluator::kBlock];
    uint64_t truth[BatchEvaluator::kBlock / 64], unknown[BatchEvaluator::kBlock / 64];
    for (size_t begin = 0; begin < customers.rows(); begin += BatchEvaluator::kBlock) {
      size_t end = std::min(customers.rows(), begin + BatchEvaluator::kBlock);
      JitBinding* code = native();
      bool nativeAudience = code && audience != SIZE_MAX;
      if (nativeAudience) {
        code->evaluateBits(audience, begin, end, truth, unknown);
      } else {
        batch.evaluate(begin, end, states);
        packStates(states, end - begin, truth, unknown);
      }
      s.jitBlocks += nativeAudience;
      ++s.blocks;
      if ((begin & 0xFFFF) == 0)
        progress("evaluating", (campaignIndex - 1) * customers.rows() + begin,
                 activity->campaigns.size() * customers.rows());
      // The rows set in `truth` are the candidates and the errors (set in `unknown` too), in order.
      for (size_t w = 0; w * 64 < end - begin; ++w)
        for (uint64_t bits = truth[w]; bits; bits &= bits - 1) {
          size_t r = begin + w * 64 + size_t(std::countr_zero(bits));
          if (unknown[w] >> (r - begin) % 64 & 1) {
            reportError(std::string(customers.id(r)), *c, nativeAudience ? code->errorOf(audience, r) : batch.errorOf(r));
            ++cs.errors;
            continue;
          }
          Pair p{c, r, 0.0};
          if (c->priority) {
            Value v;
            if (code && priority != SIZE_MAX) {
              v = code->value(priority, r);
            } else {
              row.setRow(r);
              ctx.customerId = customers.id(r);
              ctx.history = input.history(r);
              v = interp.eval(c->priority, ctx);
            }
            if (v.failed()) {
              reportError(std::string(customers.id(r)), *c, "priority: " + v.text);
              ++cs.errors;
              continue;
            }
            p.priority = v.known() ? std::optional<double>(v.number()) : std::nullopt;
          }
          ++cs.planned;
          pairs.push_back(p);
        }
    }
  }
  s.evaluateSeconds = secondsSince(t1);

  // Arbitration: highest priority first; unknown after known; then pack order, then customer id.
  auto t2 = std::chrono::steady_clock::now();
  std::vector<uint32_t> rank = idRanks(customers);
  std::sort(pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) {
    if (a.priority.has_value() != b.priority.has_value()) return a.priority.has_value();
    if (a.priority && *a.priority != *b.priority) return *a.priority > *b.priority;
    if (a.campaign->order != b.campaign->order) return a.campaign->order < b.campaign->order;
    return rank[a.row] < rank[b.row];
  });
  RunState run;
  run.perCustomerLimit = activity->perCustomer;
  run.sentByCampaign.assign(arbiter.campaignCount(), 0);
  std::vector<CampaignSummary*> summaryOf(arbiter.campaignCount());  // by campaign index
  for (CampaignSummary& cs : s.campaigns) summaryOf[arbiter.index(*pack.findCampaign(cs.campaign))] = &cs;
  // Placeholders in native code: as the interpreter renders them, at the run's instant and
  // without history (a binding of its own).
  BatchInput messageInput = input;
  messageInput.history = nullptr;
  std::unique_ptr<JitBinding> messageJit;
  std::unordered_map<const IrNode*, size_t> placeholderIndex;
  if (const JitPack* compiled = request.jit ? request.jit->get() : nullptr) {
    messageJit = std::make_unique<JitBinding>(*compiled, messageInput, request.at, pack.zone());
    for (size_t i = 0; i < compiled->size(); ++i)
      if (compiled->compiled(i)) placeholderIndex.emplace(compiled->root(i), i);
  }
  std::function<bool(const IrNode*, size_t, Value&)> nativePlaceholder;
  if (messageJit)
    nativePlaceholder = [&](const IrNode* expr, size_t row, Value& out) {
      auto it = placeholderIndex.find(expr);
      if (it == placeholderIndex.end()) return false;
      out = messageJit->value(it->second, row);
      return true;
    };
  TableRow messageRow(customers);
  // One transaction: the run, the due entries decided first, its entries (written while they
  // are decided, see EntryWriter) and what campaigns spent.
  auto t3 = std::chrono::steady_clock::now();
  int64_t runId = 0;
  std::optional<EntryWriter> writer;
  if (!request.dryRun) {
    store.begin(err);
    if (!err) runId = store.addRun(RunRecord{0, "batch", activity->name, request.at}, err);
    for (const ContactEntry& e : decidedDue)
      if (!err) store.updateContact(e, err);
    if (!err) addSpent(store, decidedDue, err);
    if (err) {
      store.rollback();
      return storeFailed();
    }
    writer.emplace(store);
  }
  double writeSeconds = secondsSince(t3);
  std::map<std::string, double> spent;  // by campaign, of the entries sent
  int64_t seq = 0;
  for (const Pair& p : pairs) {
    if ((seq & 0xFFFF) == 0) progress("arbitrating", size_t(seq), pairs.size());
    std::string_view customer = customers.id(p.row);
    Decision d = arbiter.decide(*p.campaign, p.row, request.at, run, false);
    arbiter.record(*p.campaign, p.row, d, run, false);
    CampaignSummary& cs = *summaryOf[arbiter.index(*p.campaign)];
    if (d.is("sent")) ++cs.sent, cs.cost += d.cost;
    else if (d.is("control")) ++cs.control;
    else if (d.is("deferred")) ++cs.deferred;
    else cs.suppress(*d.reason);
    ++seq;
    if (!writer) continue;  // a dry run records nothing
    ContactEntry e;
    e.run = runId;
    e.seq = seq;
    e.activity = activity->name;
    e.campaign = p.campaign->name;
    e.customer = customer;
    e.channel = p.campaign->channel->name;
    e.offer = p.campaign->offer;
    e.status = d.status;
    if (d.reason) e.reason = *d.reason;
    e.priority = p.priority;
    e.at = d.at;
    if (d.is("deferred")) e.deferredFrom = request.at;
    e.cost = d.cost;
    if (d.is("sent") && d.cost != 0) spent[e.campaign] += d.cost;
    if ((d.is("sent") || d.is("deferred")) && p.campaign->hasMessage)  // deferred: rendered as of when it is due
      e.message = renderMessage(*p.campaign, pack, messageRow, p.row, customer, d.at,
                                d.at == request.at ? nativePlaceholder : nullptr);
    writer->add(std::move(e));
  }
  if (!writer) {
    s.arbitrateSeconds = secondsSince(t2);
    s.outcome = "dry run";
    return s;
  }
  // Phases as time spent in each: arbitration without waiting for the writer, and writing
  // (mostly while arbitration went on, so the two add up to more than the run took).
  s.arbitrateSeconds = secondsSince(t2) - writer->waitedSeconds() - writeSeconds;
  progress("writing", pairs.size(), pairs.size());
  err = writer->finish();
  auto t4 = std::chrono::steady_clock::now();
  if (!err) addSpent(store, spent, err);
  if (err) {
    store.rollback();
    return storeFailed();
  }
  store.commit(err);
  if (err) return storeFailed();
  s.writeSeconds = writeSeconds + writer->busySeconds() + secondsSince(t4);
  s.run = runId;
  s.outcome = "done";
  return s;
}

}  // namespace herald
