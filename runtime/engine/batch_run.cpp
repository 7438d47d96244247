#include "runtime/engine/batch_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <numeric>
#include <span>
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

/// Small dense ids for names (campaigns, channels, offers), so history entries hold numbers.
class Names {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t id(std::string_view name) {
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    return ids_.emplace(std::string(name), static_cast<uint32_t>(ids_.size())).first->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
};

/// Counts of one run that checks 3 (per_customer) and 5 (limit) read.
struct RunState {
  int64_t perCustomerLimit = 1;
  std::unordered_map<size_t, int64_t> perCustomer;  // by customer key: sent + control + deferred entries
  std::vector<int64_t> sentByCampaign;              // by campaign index in the pack
};

struct Decision {
  const char* status;
  const std::string* reason;  // null: none; else one of the arbiter's reasons, which outlive it
  int64_t at = 0;  // deferred: when it is due
  double cost = 0;
  bool is(const char* s) const { return std::strcmp(status, s) == 0; }
};

/// A sent contact as policies count it: names by their ids in the arbiter's Names.
struct Sent {
  int64_t at;
  uint32_t campaign, channel, offer;  // offer: Names::kNone when none
};

/// The state every decision reads: history of sent contacts, lists, spent budgets. Customers are
/// keyed by their row in the table, and customers not in it (due entries of customers no longer
/// loaded) by keys after the rows: no decision copies or hashes a customer id.
class Arbiter {
 public:
  Arbiter(const CompiledPack& pack, const CustomerTable* customers)
      : pack_(pack), customers_(customers), rows_(customers ? customers->rows() : 0) {
    const Sema& sema = pack.compilation().sema();
    for (const CampaignInfo& c : pack.campaigns()) {
      CampaignState& cs = campaigns_.emplace_back();
      cs.name = names_.id(c.name);
      cs.channel = c.channel ? names_.id(c.channel->name) : Names::kNone;
      cs.offer = c.offer ? names_.id(*c.offer) : Names::kNone;
      for (const PolicyDecl* p : c.policies)
        for (const PolicyRule& r : p->rules) {
          RuleInfo info;
          info.rule = &r;
          if (r.count) info.limit = foldConstant(sema, *r.count).value.integer;
          if (r.window) info.window = foldConstant(sema, *r.window).value.integer;
          info.reason = r.kind == RuleKind::ExcludeList ? "list " + r.list
                                                         : fmt::format("policy {}: {}", p->name.name, r.text);
          if (r.on) info.channel = names_.id(r.on->name);
          info.sameCampaign = r.same && r.same->name == "campaign";
          info.sameOffer = r.same && r.same->name == "offer";
          maxWindow_ = std::max(maxWindow_, info.window);
          cs.rules.push_back(std::move(info));
        }
    }
    spent_.assign(campaigns_.size(), 0.0);
    history_.resize(rows_);
  }

  int64_t maxWindow() const { return maxWindow_; }
  size_t campaignCount() const { return campaigns_.size(); }
  size_t index(const CampaignInfo& c) const { return static_cast<size_t>(&c - pack_.campaigns().data()); }

  /// The key of a customer id: its row, or a key after the rows for an id not in the table.
  size_t key(std::string_view id) {
    if (customers_)
      if (int64_t r = customers_->findRow(id); r >= 0) return static_cast<size_t>(r);
    auto [it, fresh] = others_.try_emplace(std::string(id), rows_ + others_.size());
    if (fresh) otherIds_.push_back(&it->first);
    return it->second;
  }
  /// The customer id of a key.
  std::string_view id(size_t key) const { return key < rows_ ? customers_->id(key) : *otherIds_[key - rows_]; }

  bool load(Store& store, int64_t from, int64_t to, StoreError& err) {
    store.forEachSentContact(from, to, [&](const SentContactView& s) {
      uint32_t offer = s.offer ? names_.id(*s.offer) : Names::kNone;
      historyOf(key(s.customer)).push_back(Sent{s.at, names_.id(s.campaign), names_.id(s.channel), offer});
    }, err);
    if (err) return false;
    for (ListMember& m : store.listMembers("", err)) {
      if (m.list == "dnd") dnd_[key(m.customer)].push_back(m.channel.empty() ? kAllChannels : names_.id(m.channel));
      else lists_[m.list].insert(key(m.customer));
    }
    if (err) return false;
    for (CampaignState& cs : campaigns_)
      for (RuleInfo& r : cs.rules)
        if (r.rule->kind == RuleKind::ExcludeList)
          if (auto l = lists_.find(r.rule->list); l != lists_.end()) r.members = &l->second;
    for (auto& [campaign, cost] : store.spentByCampaign(err))
      if (const CampaignInfo* c = pack_.findCampaign(campaign)) spent_[index(*c)] = cost;
    return !err;
  }

  double spent(const CampaignInfo& c) const { return spent_[index(c)]; }

  /// Checks 1 to 9 of LANGUAGE.md section 6 for one pair as of instant t.
  Decision decide(const CampaignInfo& c, size_t customer, int64_t t, const RunState& run, bool selfInRun) const {
    const CampaignState& cs = campaigns_[index(c)];
    if (auto d = dnd_.find(customer); d != dnd_.end())
      for (uint32_t channel : d->second)
        if (channel == kAllChannels || channel == cs.channel) return {"suppressed", &kDnd, t, 0};
    for (const RuleInfo& r : cs.rules)
      if (r.members && r.members->count(customer)) return {"suppressed", &r.reason, t, 0};
    auto pc = run.perCustomer.find(customer);
    int64_t taken = (pc == run.perCustomer.end() ? 0 : pc->second) - (selfInRun ? 1 : 0);
    if (taken >= run.perCustomerLimit) return {"suppressed", &kPerCustomer, t, 0};
    if (const std::string* refusal = policyRefusal(cs, customer, t)) return {"suppressed", refusal, t, 0};
    if (c.limit && run.sentByCampaign[index(c)] >= *c.limit) return {"suppressed", &kLimit, t, 0};
    double cost = c.channel->cost;
    if (c.budget && spent(c) + cost > *c.budget + 1e-9) return {"suppressed", &kBudget, t, 0};
    if (t != cs.quietAt) {  // the same for every pair of a run: the time zone is asked once per campaign
      cs.quietAt = t;
      cs.quietDue = quietUntil(*c.channel, t);
    }
    if (cs.quietDue) return {"deferred", &kQuietHours, *cs.quietDue, 0};
    if (c.control > 0 &&
        static_cast<int64_t>(stableBucket(c.name, id(customer), 10000)) < std::llround(c.control * 10000))
      return {"control", nullptr, t, 0};
    return {"sent", nullptr, t, cost};
  }

  /// Applies a decision to the counts: later decisions in the run see it.
  void record(const CampaignInfo& c, size_t customer, const Decision& d, RunState& run, bool selfInRun) {
    bool sent = d.is("sent");
    if (sent) {
      const CampaignState& cs = campaigns_[index(c)];
      historyOf(customer).push_back(Sent{d.at, cs.name, cs.channel, cs.offer});
      ++run.sentByCampaign[index(c)];
      spent_[index(c)] += d.cost;
    }
    bool takesSlot = sent || d.is("control") || d.is("deferred");
    if (takesSlot && !selfInRun) ++run.perCustomer[customer];
    if (!takesSlot && selfInRun) --run.perCustomer[customer];  // a deferred entry that ends suppressed frees it
  }

 private:
  /// A policy clause with its constants folded, ready to count contacts.
  struct RuleInfo {
    const PolicyRule* rule = nullptr;
    int64_t limit = 0;                                    // max N
    int64_t window = 0;                                   // seconds
    std::string reason;                                   // "policy standard: max 3 contacts per 90d", "list x"
    uint32_t channel = Names::kNone;                      // `on CHANNEL`
    bool sameCampaign = false, sameOffer = false;         // `for same campaign` / `for same offer`
    const std::unordered_set<size_t>* members = nullptr;  // exclude list: its members, when it has any
  };
  /// A campaign's names as ids and its policy clauses in order.
  struct CampaignState {
    uint32_t name, channel, offer;
    std::vector<RuleInfo> rules;
    mutable int64_t quietAt = INT64_MIN;  // the last instant asked about quiet hours, and the answer
    mutable std::optional<int64_t> quietDue;
  };

  static constexpr uint32_t kAllChannels = Names::kNone - 1;  // a dnd entry for every channel
  static inline const std::string kDnd = "dnd", kPerCustomer = "per_customer", kLimit = "limit", kBudget = "budget",
                                  kQuietHours = "quiet hours";

  std::vector<Sent>& historyOf(size_t customer) {
    if (customer >= history_.size()) history_.resize(customer + 1);
    return history_[customer];
  }

  const std::string* policyRefusal(const CampaignState& cs, size_t customer, int64_t t) const {
    static const std::vector<Sent> kNone;
    const std::vector<Sent>& contacts = customer < history_.size() ? history_[customer] : kNone;
    for (const RuleInfo& r : cs.rules) {
      const PolicyRule& rule = *r.rule;
      if (rule.kind == RuleKind::ExcludeList) continue;
      if (rule.on && r.channel != cs.channel) continue;
      if (r.sameOffer && cs.offer == Names::kNone) continue;
      int64_t count = 0;
      for (const Sent& s : contacts) {
        if (s.at <= t - r.window || s.at > t) continue;
        if (rule.on && s.channel != r.channel) continue;
        if (r.sameCampaign && s.campaign != cs.name) continue;
        if (r.sameOffer && s.offer != cs.offer) continue;
        ++count;
      }
      if (rule.kind == RuleKind::MaxContacts ? count >= r.limit : count >= 1) return &r.reason;
    }
    return nullptr;
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
  const CustomerTable* customers_;
  size_t rows_;
  std::unordered_map<std::string, size_t> others_;  // ids not in the table, keyed from rows_ up
  std::vector<const std::string*> otherIds_;        // by key - rows_
  Names names_;
  std::vector<CampaignState> campaigns_;  // by index in the pack
  int64_t maxWindow_ = 0;
  std::vector<std::vector<Sent>> history_;  // by customer key
  std::unordered_map<size_t, std::vector<uint32_t>> dnd_;  // by customer key: channel ids, kAllChannels
  std::unordered_map<std::string, std::unordered_set<size_t>> lists_;  // by list name: customer keys
  std::vector<double> spent_;  // by campaign index
};

/// Renders a campaign's message for a customer: its row in `rows`.
std::string renderMessage(const CampaignInfo& c, const CompiledPack& pack, TableRow& rows, size_t row,
                          std::string_view customer, int64_t at) {
  Interpreter interp;
  EvalContext ctx;
  ctx.now = at;
  ctx.zone = &pack.zone();
  ctx.customerId = customer;
  rows.setRow(row);
  ctx.customer = &rows;
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
  TableRow messageRow(customers);
  std::vector<ContactEntry> entries;
  entries.reserve(pairs.size());
  for (const Pair& p : pairs) {
    if ((entries.size() & 0xFFFF) == 0) progress("arbitrating", entries.size(), pairs.size());
    std::string_view customer = customers.id(p.row);
    Decision d = arbiter.decide(*p.campaign, p.row, request.at, run, false);
    arbiter.record(*p.campaign, p.row, d, run, false);
    ContactEntry e;
    e.seq = static_cast<int64_t>(entries.size()) + 1;
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
    if ((d.is("sent") || d.is("deferred")) && p.campaign->hasMessage)
      e.message = renderMessage(*p.campaign, pack, messageRow, p.row, customer, d.at);
    CampaignSummary& cs = *summaryOf[arbiter.index(*p.campaign)];
    if (d.is("sent")) ++cs.sent, cs.cost += d.cost;
    else if (d.is("control")) ++cs.control;
    else if (d.is("deferred")) ++cs.deferred;
    else cs.suppress(*d.reason);
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
  if (!err) addSpent(store, entries, err);
  constexpr size_t kChunk = 1 << 16;
  for (size_t i = 0; i < entries.size() && !err; i += kChunk) {
    progress("writing", i, entries.size());
    store.addContacts(std::span(entries).subspan(i, std::min(kChunk, entries.size() - i)), err);
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
