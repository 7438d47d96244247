#include "runtime/engine/batch_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "compiler/interp/batch.hpp"
#include "compiler/jit/jit.hpp"
#include "compiler/sema/const_fold.hpp"
#include "runtime/data/table_row.hpp"

namespace herald {

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

/// A policy clause with its constants folded, ready to count contacts.
struct RuleInfo {
  const PolicyRule* rule;
  int64_t limit = 0;   // max N
  int64_t window = 0;  // seconds
  std::string reason;  // "policy standard: max 3 contacts per 90d"
};

/// Counts of one run that checks 3 (per_customer) and 5 (limit) read.
struct RunState {
  int64_t perCustomerLimit = 1;
  std::unordered_map<std::string, int64_t> perCustomer;  // sent + control + deferred entries
  std::unordered_map<std::string, int64_t> sentByCampaign;
};

struct Decision {
  std::string status;
  std::optional<std::string> reason;
  int64_t at = 0;  // deferred: when it is due
  double cost = 0;
};

/// The state every decision reads: history of sent contacts, lists, spent budgets.
class Arbiter {
 public:
  Arbiter(const CompiledPack& pack) : pack_(pack) {
    const Sema& sema = pack.compilation().sema();
    for (const CampaignInfo& c : pack.campaigns()) {
      std::vector<RuleInfo>& rules = rules_[&c];
      for (const PolicyDecl* p : c.policies)
        for (const PolicyRule& r : p->rules) {
          RuleInfo info{&r, 0, 0, {}};
          if (r.count) info.limit = foldConstant(sema, *r.count).value.integer;
          if (r.window) info.window = foldConstant(sema, *r.window).value.integer;
          info.reason = fmt::format("policy {}: {}", p->name.name, r.text);
          maxWindow_ = std::max(maxWindow_, info.window);
          rules.push_back(std::move(info));
        }
    }
  }

  int64_t maxWindow() const { return maxWindow_; }

  bool load(Store& store, int64_t from, int64_t to, StoreError& err) {
    for (SentContact& s : store.sentContacts(from, to, err)) history_[s.customer].push_back(std::move(s));
    if (err) return false;
    for (ListMember& m : store.listMembers("", err)) {
      if (m.list == "dnd") dnd_[m.customer].insert(m.channel);
      else lists_[m.list].insert(m.customer);
    }
    if (err) return false;
    for (auto& [campaign, cost] : store.spentByCampaign(err)) spent_[campaign] = cost;
    return !err;
  }

  double spent(const std::string& campaign) const {
    auto it = spent_.find(campaign);
    return it == spent_.end() ? 0.0 : it->second;
  }

  /// Checks 1 to 9 of LANGUAGE.md section 6 for one pair as of instant t.
  Decision decide(const CampaignInfo& c, const std::string& customer, int64_t t, const RunState& run,
                  bool selfInRun) const {
    const std::string& channel = c.channel->name;
    if (auto d = dnd_.find(customer); d != dnd_.end() && (d->second.count("") || d->second.count(channel)))
      return {"suppressed", "dnd", t, 0};
    for (const RuleInfo& r : rules_.at(&c))
      if (r.rule->kind == RuleKind::ExcludeList)
        if (auto l = lists_.find(r.rule->list); l != lists_.end() && l->second.count(customer))
          return {"suppressed", "list " + r.rule->list, t, 0};
    auto pc = run.perCustomer.find(customer);
    int64_t taken = (pc == run.perCustomer.end() ? 0 : pc->second) - (selfInRun ? 1 : 0);
    if (taken >= run.perCustomerLimit) return {"suppressed", "per_customer", t, 0};
    if (auto refusal = policyRefusal(c, customer, t)) return {"suppressed", *refusal, t, 0};
    auto sent = run.sentByCampaign.find(c.name);
    if (c.limit && (sent == run.sentByCampaign.end() ? 0 : sent->second) >= *c.limit)
      return {"suppressed", "limit", t, 0};
    double cost = c.channel->cost;
    if (c.budget && spent(c.name) + cost > *c.budget + 1e-9) return {"suppressed", "budget", t, 0};
    if (auto due = quietUntil(*c.channel, t)) return {"deferred", "quiet hours", *due, 0};
    if (c.control > 0 && static_cast<int64_t>(stableBucket(c.name, customer, 10000)) < std::llround(c.control * 10000))
      return {"control", std::nullopt, t, 0};
    return {"sent", std::nullopt, t, cost};
  }

  /// Applies a decision to the counts: later decisions in the run see it.
  void record(const CampaignInfo& c, const std::string& customer, const Decision& d, RunState& run, bool selfInRun) {
    if (d.status == "sent") {
      history_[customer].push_back(SentContact{customer, c.name, c.channel->name, c.offer, d.at, d.cost});
      ++run.sentByCampaign[c.name];
      spent_[c.name] += d.cost;
    }
    bool takesSlot = d.status == "sent" || d.status == "control" || d.status == "deferred";
    if (takesSlot && !selfInRun) ++run.perCustomer[customer];
    if (!takesSlot && selfInRun) --run.perCustomer[customer];  // a deferred entry that ends suppressed frees it
  }

 private:
  std::optional<std::string> policyRefusal(const CampaignInfo& c, const std::string& customer, int64_t t) const {
    auto h = history_.find(customer);
    static const std::vector<SentContact> kNone;
    const std::vector<SentContact>& contacts = h == history_.end() ? kNone : h->second;
    for (const RuleInfo& r : rules_.at(&c)) {
      const PolicyRule& rule = *r.rule;
      if (rule.kind == RuleKind::ExcludeList) continue;
      if (rule.on && rule.on->name != c.channel->name) continue;
      bool sameCampaign = rule.same && rule.same->name == "campaign";
      bool sameOffer = rule.same && rule.same->name == "offer";
      if (sameOffer && !c.offer) continue;
      int64_t count = 0;
      for (const SentContact& s : contacts) {
        if (s.at <= t - r.window || s.at > t) continue;
        if (rule.on && s.channel != rule.on->name) continue;
        if (sameCampaign && s.campaign != c.name) continue;
        if (sameOffer && s.offer != c.offer) continue;
        ++count;
      }
      if (rule.kind == RuleKind::MaxContacts ? count >= r.limit : count >= 1) return r.reason;
    }
    return std::nullopt;
  }

  /// The end of the channel's quiet window when t is inside it.
  std::optional<int64_t> quietUntil(const ChannelInfo& ch, int64_t t) const {
    if (!ch.quietStart || !ch.quietEnd) return std::nullopt;
    CivilTime local = pack_.zone().toCivil(t);
    int minute = local.hour * 60 + local.minute;
    int start = *ch.quietStart, end = *ch.quietEnd;
    bool inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end);
    if (!inside) return std::nullopt;
    CivilTime due = local;
    if (minute >= end) {  // the window ends tomorrow
      int64_t days = daysFromCivil(due.year, due.month, due.day) + 1;
      civilFromDays(days, due.year, due.month, due.day);
    }
    due.hour = end / 60;
    due.minute = end % 60;
    due.second = 0;
    return pack_.zone().toInstant(due);
  }

  const CompiledPack& pack_;
  std::unordered_map<const CampaignInfo*, std::vector<RuleInfo>> rules_;
  int64_t maxWindow_ = 0;
  std::unordered_map<std::string, std::vector<SentContact>> history_;
  std::unordered_map<std::string, std::set<std::string>> dnd_;
  std::unordered_map<std::string, std::unordered_set<std::string>> lists_;
  std::unordered_map<std::string, double> spent_;
};

/// Renders a campaign's message for a customer (its row in `rows`, or none: every field unknown).
std::string renderMessage(const CampaignInfo& c, const CompiledPack& pack, const CustomerTable* customers,
                          TableRow* rows, const std::string& customer, int64_t at) {
  Interpreter interp;
  EvalContext ctx;
  ctx.now = at;
  ctx.zone = &pack.zone();
  ctx.customerId = customer;
  if (customers && rows) {
    int64_t r = customers->findRow(customer);
    if (r >= 0) {
      rows->setRow(static_cast<size_t>(r));
      ctx.customer = rows;
    }
  }
  std::string out;
  for (const MessagePart& part : c.message)
    out += part.expr ? renderValue(interp.eval(part.expr, ctx), pack.zone()) : part.text;
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
      for (const ContactEntry& x : store.runEntries(e.run, err)) {
        if (x.status == "sent") ++run.sentByCampaign[x.campaign];
        if (x.status == "sent" || x.status == "control" || x.status == "deferred") ++run.perCustomer[x.customer];
      }
      if (err) return 0;
    }
    Decision d = arbiter.decide(*c, e.customer, e.at, run, true);
    arbiter.record(*c, e.customer, d, run, true);
    e.status = d.status;
    e.reason = d.reason;
    e.cost = d.cost;
    if (d.status == "deferred") {  // deferred again (cannot happen at the end of a quiet window, but be exact)
      e.at = d.at;
    }
    bool known = customers && customers->findRow(e.customer) >= 0;
    if (d.status == "sent" && c->hasMessage && known)
      e.message = renderMessage(*c, pack, customers, rows ? &*rows : nullptr, e.customer, e.at);
    else if (d.status != "sent" && d.status != "deferred") e.message.reset();
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

/// The sent contacts of every customer with `at` in (at - window, at], as aggregates read them.
std::unordered_map<std::string, CustomerHistory> contactHistories(Store& store, int64_t at, int64_t window,
                                                                   StoreError& err) {
  std::unordered_map<std::string, CustomerHistory> out;
  if (window < 0) return out;
  int64_t from = window == INT64_MAX ? INT64_MIN : at - window;
  for (SentContact& s : store.sentContacts(from, at, err))
    out[s.customer].contacts.push_back(ContactRecord{s.at, s.campaign, s.channel, s.offer.value_or("")});
  return out;
}

struct Pair {
  const CampaignInfo* campaign;
  size_t row;
  std::optional<double> priority;
};

}  // namespace

/// Adds the cost of the sent entries to what their campaigns spent (one row per campaign).
void addSpent(Store& store, const std::vector<ContactEntry>& entries, StoreError& err) {
  std::map<std::string, double> spent;
  for (const ContactEntry& e : entries)
    if (e.status == "sent" && e.cost != 0) spent[e.campaign] += e.cost;
  for (auto& [campaign, cost] : spent)
    if (!err) store.addSpent(campaign, cost, err);
}

int64_t flushDue(const CompiledPack& pack, const CustomerTable* customers, Store& store, int64_t at, bool dryRun,
                 RunError& error) {
  StoreError err;
  Arbiter arbiter(pack);
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
  Arbiter arbiter(pack);
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
  std::unordered_map<std::string, CustomerHistory> histories = contactHistories(store, request.at, window, err);
  if (err) return storeFailed();
  input.history = [&](size_t r) -> const CustomerHistory* {
    if (histories.empty()) return nullptr;
    auto h = histories.find(std::string(customers.id(r)));
    return h == histories.end() ? nullptr : &h->second;
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
    if (c->budget && arbiter.spent(c->name) >= *c->budget - 1e-9) continue;  // budget spent: not run
    BatchEvaluator batch(c->audience, input, request.at, pack.zone());
    size_t audience = request.jit ? request.jit->indexOf(c->audience) : SIZE_MAX;
    size_t priority = request.jit && c->priority ? request.jit->indexOf(c->priority) : SIZE_MAX;
    uint8_t states[BatchEvaluator::kBlock];
    for (size_t begin = 0; begin < customers.rows(); begin += BatchEvaluator::kBlock) {
      size_t end = std::min(customers.rows(), begin + BatchEvaluator::kBlock);
      JitBinding* code = native();
      bool nativeAudience = code && audience != SIZE_MAX;
      if (nativeAudience) code->evaluate(audience, begin, end, states);
      else batch.evaluate(begin, end, states);
      s.jitBlocks += nativeAudience;
      ++s.blocks;
      if ((begin & 0xFFFF) == 0)
        progress("evaluating", (campaignIndex - 1) * customers.rows() + begin,
                 activity->campaigns.size() * customers.rows());
      for (size_t r = begin; r < end; ++r) {
        if (states[r - begin] == 3) {
          reportError(std::string(customers.id(r)), *c, nativeAudience ? code->errorOf(audience, r) : batch.errorOf(r));
          ++cs.errors;
        }
        if (states[r - begin] != 1) continue;
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
  std::sort(pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) {
    if (a.priority.has_value() != b.priority.has_value()) return a.priority.has_value();
    if (a.priority && *a.priority != *b.priority) return *a.priority > *b.priority;
    if (a.campaign->order != b.campaign->order) return a.campaign->order < b.campaign->order;
    return customers.id(a.row) < customers.id(b.row);
  });
  RunState run;
  run.perCustomerLimit = activity->perCustomer;
  TableRow messageRow(customers);
  std::vector<ContactEntry> entries;
  entries.reserve(pairs.size());
  for (const Pair& p : pairs) {
    if ((entries.size() & 0xFFFF) == 0) progress("arbitrating", entries.size(), pairs.size());
    std::string customer(customers.id(p.row));
    Decision d = arbiter.decide(*p.campaign, customer, request.at, run, false);
    arbiter.record(*p.campaign, customer, d, run, false);
    ContactEntry e;
    e.seq = static_cast<int64_t>(entries.size()) + 1;
    e.activity = activity->name;
    e.campaign = p.campaign->name;
    e.customer = customer;
    e.channel = p.campaign->channel->name;
    e.offer = p.campaign->offer;
    e.status = d.status;
    e.reason = d.reason;
    e.priority = p.priority;
    e.at = d.at;
    if (d.status == "deferred") e.deferredFrom = request.at;
    e.cost = d.cost;
    if ((d.status == "sent" || d.status == "deferred") && p.campaign->hasMessage)
      e.message = renderMessage(*p.campaign, pack, &customers, &messageRow, customer, d.at);
    for (CampaignSummary& cs : s.campaigns) {
      if (cs.campaign != e.campaign) continue;
      if (d.status == "sent") ++cs.sent, cs.cost += d.cost;
      else if (d.status == "control") ++cs.control;
      else if (d.status == "deferred") ++cs.deferred;
      else cs.suppress(*d.reason);
    }
    entries.push_back(std::move(e));
  }
  s.arbitrateSeconds = secondsSince(t2);

  // One transaction: the run, its entries, and the due entries decided first.
  auto t3 = std::chrono::steady_clock::now();
  if (request.dryRun) {
    s.outcome = "dry run";
    return s;
  }
  store.begin(err);
  if (err) return storeFailed();
  int64_t runId = store.addRun(RunRecord{0, "batch", activity->name, request.at}, err);
  for (const ContactEntry& e : decidedDue)
    if (!err) store.updateContact(e, err);
  for (ContactEntry& e : entries) e.run = runId;
  if (!err) addSpent(store, decidedDue, err);
  if (!err) addSpent(store, entries, err);  // before the entries are moved into the store below
  constexpr size_t kChunk = 1 << 16;
  for (size_t i = 0; i < entries.size() && !err; i += kChunk) {
    progress("writing", i, entries.size());
    std::vector<ContactEntry> chunk(std::make_move_iterator(entries.begin() + i),
                                    std::make_move_iterator(entries.begin() + std::min(entries.size(), i + kChunk)));
    store.addContacts(chunk, err);
  }
  if (err) {
    store.rollback();
    return storeFailed();
  }
  store.commit(err);
  if (err) return storeFailed();
  s.writeSeconds = secondsSince(t3);
  s.run = runId;
  s.outcome = "done";
  return s;
}

}  // namespace herald
