#pragma once
// The arbiter of a batch run (LANGUAGE.md section 6): the state every decision reads (sent
// history, lists, spent budgets, quiet hours) and the checks in order. Internal to
// runtime/engine: only batch_run.cpp includes it.

#include <algorithm>
#include <array>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/driver/compiled_pack.hpp"
#include "compiler/sema/const_fold.hpp"
#include "runtime/data/customer_table.hpp"
#include "runtime/engine/batch_run.hpp"
#include "runtime/store/store.hpp"

namespace herald::batch {

/// Small dense ids for names (campaigns, channels, offers), so history entries hold numbers.
class Names {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t id(std::string_view name) {
    // A run's history repeats a few names millions of times: the last ones asked are compared
    // before hashing.
    for (const Recent& r : recent_)
      if (r.name == name && r.name.data()) return r.id;
    auto it = ids_.find(name);
    if (it == ids_.end()) it = ids_.emplace(std::string(name), static_cast<uint32_t>(ids_.size())).first;
    recent_[next_++ % recent_.size()] = Recent{it->first, it->second};
    return it->second;
  }

 private:
  struct Recent {
    std::string_view name;  // a key of ids_ (nodes do not move)
    uint32_t id = kNone;
  };
  std::array<Recent, 4> recent_{};
  size_t next_ = 0;
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
    // Contacts are taken in batches, their customers looked up together (see findRows).
    constexpr size_t kBatch = 1024;
    std::string ids;  // the batch's customer ids, one after the other
    std::vector<size_t> ends;
    std::vector<Sent> sent;
    std::vector<std::string_view> views;
    std::vector<int64_t> rows(kBatch);
    auto flush = [&] {
      views.clear();
      for (size_t k = 0, begin = 0; k < ends.size(); begin = ends[k++])
        views.emplace_back(ids.data() + begin, ends[k] - begin);
      if (customers_) customers_->findRows(views, rows.data());
      else std::fill(rows.begin(), rows.end(), -1);
      for (size_t k = 0; k < views.size(); ++k)
        historyOf(rows[k] >= 0 ? static_cast<size_t>(rows[k]) : key(views[k])).push_back(sent[k]);
      ids.clear();
      ends.clear();
      sent.clear();
    };
    store.forEachSentContact(from, to, [&](const SentContactView& s) {
      uint32_t offer = s.offer ? names_.id(*s.offer) : Names::kNone;
      ids += s.customer;
      ends.push_back(ids.size());
      sent.push_back(Sent{s.at, names_.id(s.campaign), names_.id(s.channel), offer});
      if (ends.size() == kBatch) flush();
    }, err);
    flush();
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
    std::vector<Sent>& h = history_[customer];
    if (h.capacity() == 0) h.reserve(4);  // one allocation for most customers, not three
    return h;
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

}  // namespace herald::batch
