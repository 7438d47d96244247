#pragma once
// The state database: runs, contacts (every decision and why), events, lists (dnd and others),
// orders and leads. SQLite by default (store/sqlite_store.cpp); the engine sees only this
// interface, so another database (PostgreSQL) can be added without touching it.
// The tables are documented in docs/store.md and meant to be queried by users.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

/// One recorded decision: a (customer, campaign) pair of a run, with its outcome and reason.
struct ContactEntry {
  int64_t run = 0;
  int64_t seq = 0;               // decision order within the run, from 1
  std::string activity;
  std::string campaign;
  std::string customer;
  std::string channel;
  std::optional<std::string> offer;
  std::string status;            // "sent" | "control" | "suppressed" | "deferred"
  std::optional<std::string> reason;
  std::optional<double> priority;  // null: unknown priority
  int64_t at = 0;                // instant of the decision (deferred: when it is due)
  std::optional<int64_t> deferredFrom;  // the instant it was deferred, once decided
  double cost = 0;
  std::optional<std::string> message;
};

/// A run: a batch run of an activity, one ingested event, or a flush of due work.
struct RunRecord {
  int64_t id = 0;
  std::string kind;      // "batch" | "event" | "flush"
  std::string activity;  // batch runs; "" otherwise
  int64_t at = 0;
};

/// A member of a list; `channel` empty means every channel (dnd) or no channel (other lists).
struct ListMember {
  std::string list;
  std::string channel;
  std::string customer;
};

/// A `sent` contact as the policy rules count it.
struct SentContact {
  std::string customer, campaign, channel;
  std::optional<std::string> offer;
  int64_t at = 0;
};

/// A `sent` contact as read, its text borrowed from the store: valid only while it is handed over.
struct SentContactView {
  std::string_view customer, campaign, channel;
  std::optional<std::string_view> offer;
  int64_t at = 0;
};

/// An error of the store with its kind: busy (locked by another writer), refused (a newer
/// schema), or I/O. Carries a message for the user.
struct StoreError {
  enum class Kind { None, Busy, NewerVersion, Io, Corrupt } kind = Kind::None;
  std::string message;
  explicit operator bool() const { return kind != Kind::None; }
};

struct StoreOptions {
  int busyTimeoutMs = 5000;  // how long to wait for another writer
  bool readOnly = false;     // open without creating or changing anything
};

/// The state database. Reads may happen any time; all writes of one run happen inside
/// begin()/commit(), atomically.
class Store {
 public:
  virtual ~Store() = default;

  // ---- reads
  /// The batch run of `activity` at instant `at`, if one was recorded.
  virtual std::optional<RunRecord> findBatchRun(const std::string& activity, int64_t at, StoreError& err) = 0;
  /// Every `sent` contact with `at` in (from, to].
  virtual std::vector<SentContact> sentContacts(int64_t from, int64_t to, StoreError& err) = 0;
  /// The same contacts handed to `each` one at a time, in order of `at`, without copying them:
  /// a run reads millions and keeps only a few numbers of each.
  virtual void forEachSentContact(int64_t from, int64_t to, const std::function<void(const SentContactView&)>& each,
                                  StoreError& err) {
    for (const SentContact& s : sentContacts(from, to, err))
      each(SentContactView{s.customer, s.campaign, s.channel, s.offer, s.at});
  }
  /// Total cost of `sent` contacts per campaign over all runs (as added by addSpent).
  virtual std::vector<std::pair<std::string, double>> spentByCampaign(StoreError& err) = 0;
  /// Deferred entries due by `by` (status "deferred", at <= by), in order of due instant, then
  /// run, then seq.
  virtual std::vector<ContactEntry> dueEntries(int64_t by, StoreError& err) = 0;
  /// Entries of a run (status sent/control/deferred), for its per_customer and limit counts.
  virtual std::vector<ContactEntry> runEntries(int64_t run, StoreError& err) = 0;
  /// Members of a list (all channels), or of every list when `list` is empty.
  virtual std::vector<ListMember> listMembers(const std::string& list, StoreError& err) = 0;
  /// Contacts filtered for `herald contacts` (0 / "" means any), in run order then seq.
  virtual std::vector<ContactEntry> contacts(int64_t run, const std::string& customer, const std::string& campaign,
                                             StoreError& err) = 0;

  // ---- writes (between begin and commit)
  virtual void begin(StoreError& err) = 0;
  virtual void commit(StoreError& err) = 0;
  virtual void rollback() = 0;
  /// Records a run and returns its number (runs are numbered from 1 in recording order).
  virtual int64_t addRun(const RunRecord& run, StoreError& err) = 0;
  virtual void addContact(const ContactEntry& entry, StoreError& err) = 0;
  /// Records many entries (faster than one by one). After an error some of them may be written:
  /// the caller rolls the run back.
  virtual void addContacts(std::span<const ContactEntry> entries, StoreError& err) {
    for (const ContactEntry& e : entries) {
      if (err) return;
      addContact(e, err);
    }
  }
  /// Rewrites a deferred entry in place with its final decision (keyed by run and seq).
  virtual void updateContact(const ContactEntry& entry, StoreError& err) = 0;
  /// Adds to what a campaign has spent: a run adds the cost of the contacts it sent.
  virtual void addSpent(const std::string& campaign, double cost, StoreError& err) = 0;
  virtual void addListMember(const ListMember& m, StoreError& err) = 0;
  virtual void removeListMember(const ListMember& m, StoreError& err) = 0;
};

/// Opens (creating when missing, unless read-only) the SQLite store at `path`.
std::unique_ptr<Store> openSqliteStore(const std::string& path, const StoreOptions& options, StoreError& err);

}  // namespace herald
