// The SQLite state store (LANGUAGE.md sections 6 and 9). Its tables are documented for users in
// docs/store.md. The schema version is SQLite's `PRAGMA user_version`; a store from a newer
// version is refused before anything is written.

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <unordered_map>

#include "runtime/store/store.hpp"
#include "stdlib/time.hpp"

namespace herald {
namespace {

/// The schema version this build writes and understands.
constexpr int kSchemaVersion = 5;

/// Version 1: every table. Released migrations never change; a later version adds a step.
const char* const kSchemaV1 = R"sql(
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind = 'batch' OR kind = 'event' OR kind = 'flush'),
  activity    TEXT,
  at          TEXT NOT NULL,
  at_s        INTEGER NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX runs_batch ON runs (activity, at_s) WHERE kind = 'batch';

CREATE TABLE contacts (
  run             INTEGER NOT NULL REFERENCES runs (id),
  seq             INTEGER NOT NULL,
  activity        TEXT,
  campaign        TEXT NOT NULL,
  customer        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  offer           TEXT,
  status          TEXT NOT NULL CHECK (status = 'sent' OR status = 'control' OR status = 'suppressed' OR status = 'deferred'),
  reason          TEXT,
  priority        REAL,
  at_s            INTEGER NOT NULL,
  deferred_from_s INTEGER,
  at              TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', at_s, 'unixepoch')) VIRTUAL,
  deferred_from   TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', deferred_from_s, 'unixepoch')) VIRTUAL,
  cost            REAL NOT NULL DEFAULT 0,
  message         TEXT,
  PRIMARY KEY (run, seq)
) WITHOUT ROWID;
CREATE INDEX contacts_customer ON contacts (customer, at_s);
CREATE INDEX contacts_sent ON contacts (at_s) WHERE status = 'sent';
CREATE INDEX contacts_deferred ON contacts (at_s) WHERE status = 'deferred';

CREATE TABLE lists (
  list     TEXT NOT NULL,
  channel  TEXT NOT NULL DEFAULT '',
  customer TEXT NOT NULL,
  added_at TEXT NOT NULL,
  PRIMARY KEY (list, channel, customer)
);

CREATE TABLE events (
  run       INTEGER NOT NULL REFERENCES runs (id),
  seq       INTEGER NOT NULL,
  type      TEXT NOT NULL,
  customer  TEXT NOT NULL,
  at        TEXT NOT NULL,
  at_s      INTEGER NOT NULL,
  payload   TEXT NOT NULL,
  event_key TEXT UNIQUE,
  PRIMARY KEY (run, seq)
);
CREATE INDEX events_customer ON events (customer, at_s);

CREATE TABLE orders (
  run      INTEGER NOT NULL REFERENCES runs (id),
  customer TEXT NOT NULL,
  campaign TEXT,
  offer    TEXT,
  at       TEXT NOT NULL,
  at_s     INTEGER NOT NULL
);
CREATE INDEX orders_customer ON orders (customer, at_s);

CREATE TABLE leads (
  run      INTEGER NOT NULL REFERENCES runs (id),
  customer TEXT NOT NULL,
  campaign TEXT,
  offer    TEXT,
  queue    TEXT NOT NULL,
  at       TEXT NOT NULL,
  at_s     INTEGER NOT NULL,
  due      TEXT NOT NULL,
  due_s    INTEGER NOT NULL
);
CREATE INDEX leads_due ON leads (due_s);

-- What each campaign has spent over all runs (the cost of its sent contacts), added by each run
-- in its transaction, so budgets are read without summing millions of contacts.
CREATE TABLE spent (
  campaign TEXT PRIMARY KEY,
  cost     REAL NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

/// Version 2: the index of sent contacts holds every column policies read (with `status`, which
/// SQLite needs in it to use a partial index alone), so loading a run's history of millions of
/// contacts reads the index only instead of looking up each contact in the table.
const char* const kSchemaV2 = R"sql(
DROP INDEX contacts_sent;
CREATE INDEX contacts_sent ON contacts (at_s, customer, campaign, channel, offer, cost, status) WHERE status = 'sent';
)sql";

/// Version 3: a run writes millions of entries, and two costs of version 2 dominated the write.
/// `at` and `deferred_from` were generated columns, computed (strftime) for every row written;
/// now Herald writes their text. The index by customer held every entry, so each entry was a
/// random insert into an index of millions; now it holds the `sent` contacts, the history that
/// policies and attribution look up by customer (a third of the entries of a typical run).
/// SQLite cannot change a column's kind in place: the table is rebuilt, its rows kept.
const char* const kSchemaV3 = R"sql(
CREATE TABLE contacts_v3 (
  run             INTEGER NOT NULL REFERENCES runs (id),
  seq             INTEGER NOT NULL,
  activity        TEXT,
  campaign        TEXT NOT NULL,
  customer        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  offer           TEXT,
  status          TEXT NOT NULL CHECK (status = 'sent' OR status = 'control' OR status = 'suppressed' OR status = 'deferred'),
  reason          TEXT,
  priority        REAL,
  at_s            INTEGER NOT NULL,
  deferred_from_s INTEGER,
  at              TEXT NOT NULL,
  deferred_from   TEXT,
  cost            REAL NOT NULL DEFAULT 0,
  message         TEXT,
  PRIMARY KEY (run, seq)
) WITHOUT ROWID;
INSERT INTO contacts_v3
  SELECT run, seq, activity, campaign, customer, channel, offer, status, reason, priority, at_s, deferred_from_s,
         at, deferred_from, cost, message
  FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_v3 RENAME TO contacts;
CREATE INDEX contacts_customer ON contacts (customer, at_s) WHERE status = 'sent';
CREATE INDEX contacts_sent ON contacts (at_s, customer, campaign, channel, offer, cost, status) WHERE status = 'sent';
CREATE INDEX contacts_deferred ON contacts (at_s) WHERE status = 'deferred';
)sql";

/// Version 4: a run writes millions of entries, and the text repeated in each (activity,
/// campaign, channel, offer, reason and the instant's text) made most of their bytes, so most of
/// the pages a run writes. The entries move to `contact_log`, which names them by number (the
/// `names` table) and keeps the instants in seconds; `contacts` becomes a view with the columns
/// of version 3, for users' queries. `status` stays text, so the partial indexes on it serve
/// queries through the view. `run` is not a foreign key, which SQLite checks row by row (a
/// tenth of the write); the store checks it once per run written instead (addContact).
const char* const kSchemaV4 = R"sql(
CREATE TABLE names (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
INSERT INTO names (name)
  SELECT activity FROM contacts WHERE activity IS NOT NULL
  UNION SELECT campaign FROM contacts
  UNION SELECT channel FROM contacts
  UNION SELECT offer FROM contacts WHERE offer IS NOT NULL
  UNION SELECT reason FROM contacts WHERE reason IS NOT NULL;
CREATE TABLE contact_log (
  run             INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  activity        INTEGER,
  campaign        INTEGER NOT NULL,
  customer        TEXT NOT NULL,
  channel         INTEGER NOT NULL,
  offer           INTEGER,
  status          TEXT NOT NULL CHECK (status = 'sent' OR status = 'control' OR status = 'suppressed' OR status = 'deferred'),
  reason          INTEGER,
  priority        REAL,
  at_s            INTEGER NOT NULL,
  deferred_from_s INTEGER,
  cost            REAL NOT NULL DEFAULT 0,
  message         TEXT,
  PRIMARY KEY (run, seq)
) WITHOUT ROWID;
INSERT INTO contact_log
  SELECT run, seq, (SELECT id FROM names WHERE name = activity), (SELECT id FROM names WHERE name = campaign),
         customer, (SELECT id FROM names WHERE name = channel), (SELECT id FROM names WHERE name = offer), status,
         (SELECT id FROM names WHERE name = reason), priority, at_s, deferred_from_s, cost, message
  FROM contacts;
DROP TABLE contacts;
CREATE INDEX contacts_customer ON contact_log (customer, at_s) WHERE status = 'sent';
CREATE INDEX contacts_sent ON contact_log (at_s, customer, campaign, channel, offer, cost, status) WHERE status = 'sent';
CREATE INDEX contacts_deferred ON contact_log (at_s) WHERE status = 'deferred';
CREATE VIEW contacts AS
  SELECT c.run, c.seq, a.name AS activity, k.name AS campaign, c.customer, h.name AS channel, o.name AS offer,
         c.status, r.name AS reason, c.priority, c.at_s, c.deferred_from_s,
         strftime('%Y-%m-%dT%H:%M:%SZ', c.at_s, 'unixepoch') AS at,
         strftime('%Y-%m-%dT%H:%M:%SZ', c.deferred_from_s, 'unixepoch') AS deferred_from, c.cost, c.message
  FROM contact_log c
  JOIN names k ON k.id = c.campaign
  JOIN names h ON h.id = c.channel
  LEFT JOIN names a ON a.id = c.activity
  LEFT JOIN names o ON o.id = c.offer
  LEFT JOIN names r ON r.id = c.reason;
)sql";

/// Version 5: the index the history load reads drops `cost`, which policies do not read (what
/// campaigns spent is in `spent`): a run inserts a narrower entry for each contact it sends.
const char* const kSchemaV5 = R"sql(
DROP INDEX contacts_sent;
CREATE INDEX contacts_sent ON contact_log (at_s, customer, campaign, channel, offer, status) WHERE status = 'sent';
)sql";

/// The page size of a new store (SQLite's default is 4 KiB). A run appends millions of entries
/// and their index entries; bigger pages mean fewer pages to split, link and write (a run of
/// 1.5M entries: 0.8 s less). A store keeps the page size it was created with: in WAL mode
/// SQLite cannot change it.
const char* const kNewStorePageSize = "PRAGMA page_size = 16384";

/// Pages kept in memory (at most 256 MiB, taken only as pages are read): a run inserts into the
/// indexes of a table of millions of rows; with less, the random inserts into the customer index
/// spilled pages to the WAL and read them back (schema 2, a run of 1.5M entries: 11 s with 64 MiB,
/// 7 s here). Reads go through a memory map of the file's first 4 GiB (no copy into the page
/// cache, no system call per page): a run reads millions of index entries of its history.
const char* const kCacheSize = "PRAGMA cache_size = -262144; PRAGMA mmap_size = 4294967296";

/// WAL pages (4 KiB) after which a commit folds the WAL back into the store file (a checkpoint:
/// each page copied and the file synced). SQLite's default, 1,000, makes the commit of every
/// large run wait for that copy (1.7 s of a run of 1.5M entries); here a run's commit only
/// appends to the WAL, and the copy happens when the store is closed, after the summary is
/// out, or at the commit that takes the WAL past 256 MiB (so a long-lived process stays bounded).
const char* const kWalPages = "PRAGMA wal_autocheckpoint = 65536";

/// The cached statements of a store, prepared on first use.
enum Query {
  kFindBatchRun,
  kSentCount,
  kSent,
  kSpent,
  kAddSpent,
  kDue,
  kRunEntries,
  kListAll,
  kListOne,
  kRunExists,
  kNames,
  kInsertName,
  kInsertRun,
  kInsertContact,       // one entry (contactInsertSql)
  kInsertContactBlock,  // kBlockRows entries in one statement
  kUpdateContact,
  kAddMember,
  kRemoveMember,
  kBegin,
  kCommit,
  kRollback,
  kContacts,  // eight variants follow: bit 0 run, bit 1 customer, bit 2 campaign filtered
  kQueryCount = kContacts + 8
};

constexpr int kBlockRows = 128;  // contacts per multi-row INSERT: fewer statements, same rows
constexpr int kEntryColumns = 14;

/// The columns of an entry in `contact_log`, as read and as written (parameters ?1..?14); the
/// names (activity, campaign, channel, offer, reason) are numbers of the `names` table.
#define HERALD_ENTRY_COLUMNS                                                                                           \
  "run, seq, activity, campaign, customer, channel, offer, status, reason, priority, at_s, "                           \
  "deferred_from_s, "                                                                                                  \
  "cost, message"

const char* querySql(Query q) {
  switch (q) {
    case kFindBatchRun:
      return "SELECT id, activity, at_s FROM runs WHERE kind = 'batch' AND activity = ?1 AND at_s = ?2";
    case kSentCount: return "SELECT count(*) FROM contact_log WHERE status = 'sent' AND at_s > ?1 AND at_s <= ?2";
    case kSent:
      return "SELECT customer, campaign, channel, offer, at_s FROM contact_log"
             " WHERE status = 'sent' AND at_s > ?1 AND at_s <= ?2 ORDER BY at_s";
    case kSpent:
      return "SELECT campaign, cost FROM spent ORDER BY campaign";
    case kAddSpent:
      return "INSERT INTO spent (campaign, cost) VALUES (?1, ?2)"
             " ON CONFLICT (campaign) DO UPDATE SET cost = cost + excluded.cost";
    case kDue:
      return "SELECT " HERALD_ENTRY_COLUMNS " FROM contact_log WHERE status = 'deferred' AND at_s <= ?1"
             " ORDER BY at_s, run, seq";
    case kRunEntries:
      return "SELECT " HERALD_ENTRY_COLUMNS " FROM contact_log"
             " WHERE run = ?1 AND status IN ('sent', 'control', 'deferred') ORDER BY seq";
    case kListAll: return "SELECT list, channel, customer FROM lists ORDER BY list, channel, customer";
    case kListOne: return "SELECT list, channel, customer FROM lists WHERE list = ?1 ORDER BY channel, customer";
    case kRunExists: return "SELECT 1 FROM runs WHERE id = ?1";
    case kNames: return "SELECT id, name FROM names WHERE id > ?1 ORDER BY id";
    case kInsertName: return "INSERT INTO names (name) VALUES (?1)";
    case kInsertRun: return "INSERT INTO runs (kind, activity, at, at_s, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)";
    case kUpdateContact:
      return "UPDATE contact_log SET activity = ?3, campaign = ?4, customer = ?5, channel = ?6, offer = ?7,"
             " status = ?8, reason = ?9, priority = ?10, at_s = ?11, deferred_from_s = ?12, cost = ?13,"
             " message = ?14 WHERE run = ?1 AND seq = ?2";
    case kAddMember:
      return "INSERT INTO lists (list, channel, customer, added_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO "
             "NOTHING";
    case kRemoveMember: return "DELETE FROM lists WHERE list = ?1 AND channel = ?2 AND customer = ?3";
    case kBegin: return "BEGIN IMMEDIATE";
    case kCommit: return "COMMIT";
    case kRollback: return "ROLLBACK";
    default: return nullptr;  // the inserts of entries and the kContacts variants are built below
  }
}

/// `herald contacts`: only the filters given appear in the query, so SQLite can use the indexes.
std::string contactsSql(int mask) {
  std::string sql = "SELECT " HERALD_ENTRY_COLUMNS " FROM contact_log";
  const char* sep = " WHERE ";
  if (mask & 1) sql += sep + std::string("run = ?1"), sep = " AND ";
  if (mask & 2) sql += sep + std::string("customer = ?2"), sep = " AND ";
  if (mask & 4) sql += sep + std::string("campaign = ?3");
  return sql + " ORDER BY run, seq";
}

/// A cached statement in use: reset and its bindings cleared when the use ends.
class Use {
 public:
  explicit Use(sqlite3_stmt* s) : s_(s) {}
  ~Use() {
    if (s_) {
      sqlite3_reset(s_);
      if (clear_) sqlite3_clear_bindings(s_);
    }
  }
  /// For a statement whose every parameter is bound at each use: no clearing after it.
  void keepBindings() { clear_ = false; }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  explicit operator bool() const { return s_ != nullptr; }

  void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_TRANSIENT); }
  void bindNull(int i) { sqlite3_bind_null(s_, i); }
  /// Binds text without copying it: `v` must outlive this use of the statement.
  void bindStatic(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.data(), int(v.size()), SQLITE_STATIC); }
  void bindStatic(int i, const std::optional<std::string>& v) { v ? bindStatic(i, *v) : bindNull(i); }
  /// Binds NULL for an empty string.
  void bindOrNull(int i, const std::string& v) { v.empty() ? bindNull(i) : bind(i, v); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    v ? bind(i, *v) : bindNull(i);
  }
  int step() { return sqlite3_step(s_); }

  int64_t int64(int i) const { return sqlite3_column_int64(s_, i); }
  double real(int i) const { return sqlite3_column_double(s_, i); }
  bool isNull(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
  std::string text(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, size_t(sqlite3_column_bytes(s_, i))) : std::string();
  }
  /// The text of column i, valid until the next step.
  std::string_view view(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string_view(p, size_t(sqlite3_column_bytes(s_, i))) : std::string_view();
  }
  std::optional<std::string> optText(int i) const {
    if (isNull(i)) return std::nullopt;
    return text(i);
  }

 private:
  sqlite3_stmt* s_;
  bool clear_ = true;
};

/// The `names` table in memory. Names are only ever added (ids grow), so the ones another
/// process added since are read by id. A name read stays where it is (a deque), so views of it
/// stay valid while more are read.
class Names {
 public:
  /// The name numbered `id`, or nullptr when not known (yet).
  const std::string* find(int64_t id) const {
    return id > 0 && size_t(id) < names_.size() && known_[size_t(id)] ? &names_[size_t(id)] : nullptr;
  }
  /// The number of `name`. A run names the same few campaigns, channels and offers in each of
  /// millions of entries: the names found last are compared before hashing.
  std::optional<int64_t> find(const std::string& name) {
    for (const Recent& r : recent_)
      if (r.name && *r.name == name) return r.id;
    auto it = ids_.find(name);
    if (it == ids_.end()) return std::nullopt;
    recent_[next_++ % recent_.size()] = Recent{&names_[size_t(it->second)], it->second};
    return it->second;
  }
  void add(int64_t id, std::string name) {
    if (size_t(id) >= names_.size()) {
      names_.resize(size_t(id) + 1);
      known_.resize(size_t(id) + 1);
    }
    ids_[name] = id;
    names_[size_t(id)] = std::move(name);
    known_[size_t(id)] = true;
  }
  /// The highest id known.
  int64_t last() const { return names_.empty() ? 0 : int64_t(names_.size()) - 1; }
  /// Forgets the names numbered above `id` (added by a transaction that was rolled back).
  void truncate(int64_t id) {
    recent_ = {};
    for (int64_t i = last(); i > id; --i)
      if (known_[size_t(i)]) ids_.erase(names_[size_t(i)]);
    names_.resize(size_t(id) + 1);
    known_.resize(size_t(id) + 1);
  }

 private:
  std::deque<std::string> names_;
  std::vector<bool> known_;
  std::unordered_map<std::string, int64_t> ids_;
  struct Recent {
    const std::string* name = nullptr;  // in names_ (a deque: stays where it is)
    int64_t id = 0;
  };
  std::array<Recent, 8> recent_{};
  size_t next_ = 0;
};

/// Seconds as the user reads them: "5", "0.2".
std::string secondsText(int ms) { return fmt::format("{}", ms / 1000.0); }

/// True when `path` is a non-empty file that does not start with SQLite's header. SQLite itself
/// takes a file shorter than its header for an empty database, and would overwrite it.
bool foreignFile(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return false;
  static const char kMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f', 'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
  char head[16] = {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;  // unreadable: SQLite reports it
  in.read(head, sizeof head);
  return in.gcount() != sizeof head || !std::equal(head, head + 16, kMagic);
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const StoreOptions& options) : path_(std::move(path)), options_(options) {}
  ~SqliteStore() override {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    // The last connection to close folds the WAL into the file; when another is still open
    // (another process reading), what it allows is folded now (see kWalPages).
    if (db_ && !options_.readOnly && sqlite3_get_autocommit(db_))
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    sqlite3_close(db_);  // rolls back a transaction left open
  }

  /// Opens, checks the version and (unless read-only) creates or migrates the schema.
  bool open(StoreError& err);

  std::optional<RunRecord> findBatchRun(const std::string& activity, int64_t at, StoreError& err) override;
  std::vector<SentContact> sentContacts(int64_t from, int64_t to, StoreError& err) override;
  void forEachSentContact(int64_t from, int64_t to, const std::function<void(const SentContactView&)>& each,
                          StoreError& err) override;
  std::vector<std::pair<std::string, double>> spentByCampaign(StoreError& err) override;
  std::vector<ContactEntry> dueEntries(int64_t by, StoreError& err) override;
  std::vector<ContactEntry> runEntries(int64_t run, StoreError& err) override;
  std::vector<ListMember> listMembers(const std::string& list, StoreError& err) override;
  std::vector<ContactEntry> contacts(int64_t run, const std::string& customer, const std::string& campaign,
                                     StoreError& err) override;

  void begin(StoreError& err) override;
  void commit(StoreError& err) override;
  void rollback() override;
  int64_t addRun(const RunRecord& run, StoreError& err) override;
  void addContact(const ContactEntry& entry, StoreError& err) override;
  void addSpent(const std::string& campaign, double cost, StoreError& err) override;
  void addContacts(std::span<const ContactEntry> entries, StoreError& err) override;
  void updateContact(const ContactEntry& entry, StoreError& err) override;
  void addListMember(const ListMember& m, StoreError& err) override;
  void removeListMember(const ListMember& m, StoreError& err) override;

 private:
  /// The error for a store of a schema version newer than this build's.
  StoreError newerVersion(int version) const {
    return {StoreError::Kind::NewerVersion,
            fmt::format("the store {} has schema version {}, newer than this herald understands ({}); it was "
                        "left unchanged: use a newer herald",
                        path_, version, kSchemaVersion)};
  }
  /// Sets `err` from an SQLite result code, for an action described by `what`.
  void fail(int rc, const std::string& what, StoreError& err) const;
  /// The cached statement `q`, prepared on first use; empty (and `err` set) when it cannot be.
  Use use(int q, StoreError& err);
  /// Runs statements without results (the schema); false with `err` set on failure.
  bool exec(const char* sql, const std::string& what, StoreError& err);
  /// (Re)opens the connection with SQLite open `flags`.
  bool connect(int flags, StoreError& err);
  bool readVersion(int& version, StoreError& err);
  /// Reads the schema version; refuses a newer one and a database that is not a store.
  bool checkVersion(int& version, StoreError& err);
  bool migrate(StoreError& err);
  bool migrateStep(int from, StoreError& err);
  /// Runs a statement to completion, reading no rows.
  bool run(Use& q, const std::string& what, StoreError& err);
  /// Reads every row of a statement of HERALD_ENTRY_COLUMNS.
  std::vector<ContactEntry> entries(Use& q, const std::string& what, StoreError& err);
  /// Reads a row of HERALD_ENTRY_COLUMNS.
  ContactEntry readEntry(const Use& q, StoreError& err);
  /// Binds an entry as ?1..?14 (+ base) of HERALD_ENTRY_COLUMNS, as kInsertContact and
  /// kUpdateContact read them. The text is not copied: `e` outlives the use.
  void bindEntry(Use& q, const ContactEntry& e, StoreError& err, int base = 0);
  /// Reads the names added since the last read (by this or another process).
  bool refreshNames(StoreError& err);
  /// The name numbered `id`; an unknown number is a damaged store.
  const std::string& name(int64_t id, StoreError& err);
  /// The number of `name`, if it is in `names`.
  std::optional<int64_t> findName(const std::string& name, StoreError& err);
  /// The number of `name`, added to `names` when new.
  int64_t nameId(const std::string& name, StoreError& err);

  std::string path_;
  StoreOptions options_;
  sqlite3* db_ = nullptr;
  std::array<sqlite3_stmt*, kQueryCount> stmts_{};
  /// Fails unless `run` is a recorded run (entries must belong to one).
  bool checkRun(int64_t run, StoreError& err);

  Names names_;
  int64_t namesAtBegin_ = 0;  // the last name of before the open transaction
  int64_t knownRun_ = 0;      // the run last found recorded
};

void SqliteStore::fail(int rc, const std::string& what, StoreError& err) const {
  const char* detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      err = {StoreError::Kind::Busy, fmt::format("the store {} is locked by another writer; waited {} s", path_,
                                                 secondsText(options_.busyTimeoutMs))};
      return;
    case SQLITE_NOTADB:
      err = {StoreError::Kind::Corrupt, fmt::format("{} is not a Herald store (not an SQLite database)", path_)};
      return;
    case SQLITE_CORRUPT:
      err = {StoreError::Kind::Corrupt,
             fmt::format("the store {} is damaged ({}); restore it from a backup", path_, detail)};
      return;
    case SQLITE_READONLY:
      err = {StoreError::Kind::Io,
             options_.readOnly
                 ? fmt::format("the store {} was opened for reading only; nothing was changed", path_)
                 : fmt::format("the store {} cannot be written (read-only file or directory); nothing was changed",
                               path_)};
      return;
    case SQLITE_FULL:
      err = {StoreError::Kind::Io,
             fmt::format("the store {} cannot be written: the disk is full; nothing was changed", path_)};
      return;
    default: err = {StoreError::Kind::Io, fmt::format("the store {}: {} failed: {}", path_, what, detail)};
  }
}

/// An INSERT of `rows` entries (HERALD_ENTRY_COLUMNS), row k's parameters from 14k + 1.
/// `OR FAIL`: a failing row stops the statement but keeps the rows before it. With the default
/// (ABORT) SQLite must be able to undo a statement of many rows alone, so it copies every page
/// the statement changes first into a statement journal: a quarter of the time a run of 1.5M
/// entries took to write. Entries are only written inside a run's transaction, and a run that
/// fails is rolled back whole, so the rows a failed statement kept never stay.
std::string contactInsertSql(int rows) {
  std::string sql = "INSERT OR FAIL INTO contact_log (" HERALD_ENTRY_COLUMNS ") VALUES ";
  for (int k = 0; k < rows; ++k) {
    sql += k ? ",(" : "(";
    for (int c = 1; c <= kEntryColumns; ++c) sql += fmt::format("{}?{}", c > 1 ? "," : "", kEntryColumns * k + c);
    sql += ")";
  }
  return sql;
}

Use SqliteStore::use(int q, StoreError& err) {
  sqlite3_stmt*& s = stmts_[size_t(q)];
  if (!s) {
    std::string sql = q >= kContacts               ? contactsSql(q - kContacts)
                      : q == kInsertContact        ? contactInsertSql(1)
                      : q == kInsertContactBlock   ? contactInsertSql(kBlockRows)
                                                   : std::string(querySql(Query(q)));
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
      fail(rc, "preparing a query", err);
      sqlite3_finalize(s);
      s = nullptr;
    }
  }
  return Use(s);
}

bool SqliteStore::exec(const char* sql, const std::string& what, StoreError& err) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, what, err);
  return rc == SQLITE_OK;
}

bool SqliteStore::run(Use& q, const std::string& what, StoreError& err) {
  if (!q) return false;
  int rc = q.step();
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  fail(rc, what, err);
  return false;
}

bool SqliteStore::readVersion(int& version, StoreError& err) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) version = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (rc == SQLITE_ROW) return true;
  fail(rc, "reading the schema version", err);
  return false;
}

bool SqliteStore::connect(int flags, StoreError& err) {
  sqlite3_close(db_);
  db_ = nullptr;
  // One store is used by one thread at a time: no locking in every call (a tenth of a large read).
  int rc = sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    err = {StoreError::Kind::Io,
           fmt::format("cannot open the store {}: {}", path_, db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc))};
    return false;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options_.busyTimeoutMs);
  return exec("PRAGMA foreign_keys = ON", "opening", err) && exec(kCacheSize, "opening", err);
}

bool SqliteStore::checkVersion(int& version, StoreError& err) {
  if (!readVersion(version, err)) return false;
  if (version > kSchemaVersion) {
    err = newerVersion(version);
    return false;
  }
  if (version > 0) return true;
  // Version 0: a new store, or another application's database that must not be touched.
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT count(*) FROM sqlite_master", -1, &s, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  int64_t objects = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) {
    fail(rc, "reading the schema", err);
    return false;
  }
  if (objects == 0) return true;
  err = {StoreError::Kind::Corrupt,
         fmt::format("{} is an SQLite database but not a Herald store; it was left unchanged", path_)};
  return false;
}

bool SqliteStore::open(StoreError& err) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path_, ec);
  if (options_.readOnly && !exists) {
    err = {StoreError::Kind::Io, fmt::format("no store at {}", path_)};
    return false;
  }
  if (exists && foreignFile(path_)) {
    err = {StoreError::Kind::Corrupt, fmt::format("{} is not a Herald store (not an SQLite database)", path_)};
    return false;
  }
  int version = 0;
  // First a look that cannot write: closing a writable connection may checkpoint the WAL into
  // the file, and a store we refuse must stay byte for byte as it was.
  if (exists && !(connect(SQLITE_OPEN_READONLY, err) && checkVersion(version, err))) return false;
  if (options_.readOnly) {
    if (version != kSchemaVersion) {
      err = {StoreError::Kind::Io, version == 0 ? fmt::format("{} is an empty file, not a Herald store", path_)
                                                : fmt::format("the store {} has the older schema version {}; any "
                                                              "herald command that writes upgrades it",
                                                              path_, version)};
      return false;
    }
    // Reads through a writable connection made read-only, when the file allows: the last
    // connection to close then folds the WAL back into the store and removes it.
    if (access(path_.c_str(), W_OK) == 0) {
      if (!connect(SQLITE_OPEN_READWRITE, err)) return false;
      if (!exec("PRAGMA query_only = ON", "opening", err)) return false;
      if (!checkVersion(version, err)) return false;
    }
    return true;
  }
  if (!connect(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err)) return false;
  if (sqlite3_db_readonly(db_, "main") == 1) {
    fail(SQLITE_READONLY, "opening", err);
    return false;
  }
  if (!checkVersion(version, err)) return false;  // again: it may have changed since the look
  // Only an empty database takes a page size (before WAL mode, which fixes it).
  if (version == 0 && !exec(kNewStorePageSize, "creating the store", err)) return false;
  if (!exec("PRAGMA journal_mode = WAL", "switching to WAL mode", err)) return false;
  // In WAL mode NORMAL keeps every transaction atomic; only the last ones may be lost to a power cut.
  if (!exec("PRAGMA synchronous = NORMAL", "opening", err)) return false;
  if (!exec(kWalPages, "opening", err)) return false;
  return version == kSchemaVersion || migrate(err);
}

bool SqliteStore::migrate(StoreError& err) {
  if (!exec("BEGIN IMMEDIATE", "creating the tables", err)) return false;
  int version = 0;
  // Another process may have created or migrated the store since we looked.
  bool ok = readVersion(version, err);
  if (ok && version > kSchemaVersion) {
    err = newerVersion(version);
    ok = false;
  }
  for (; ok && version < kSchemaVersion; ++version) ok = migrateStep(version, err);
  if (ok) ok = exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion).c_str(), "setting the version", err);
  if (ok) ok = exec("COMMIT", "creating the tables", err);
  if (!ok) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return ok;
}

/// Takes the schema from version `from` to `from + 1`. A new version adds a case (and bumps
/// kSchemaVersion); released steps never change, so every old store upgrades the same way.
bool SqliteStore::migrateStep(int from, StoreError& err) {
  switch (from) {
    case 0: return exec(kSchemaV1, "creating the tables", err);
    case 1: return exec(kSchemaV2, "upgrading the store to schema version 2", err);
    case 2: return exec(kSchemaV3, "upgrading the store to schema version 3", err);
    case 3: return exec(kSchemaV4, "upgrading the store to schema version 4", err);
    case 4: return exec(kSchemaV5, "upgrading the store to schema version 5", err);
    default:
      err = {StoreError::Kind::Io, fmt::format("the store {}: no migration from schema version {}", path_, from)};
      return false;
  }
}

// ---------------------------------------------------------------- reads

std::optional<RunRecord> SqliteStore::findBatchRun(const std::string& activity, int64_t at, StoreError& err) {
  Use q = use(kFindBatchRun, err);
  if (!q) return std::nullopt;
  q.bind(1, activity);
  q.bind(2, at);
  int rc = q.step();
  if (rc == SQLITE_ROW) return RunRecord{q.int64(0), "batch", q.text(1), q.int64(2)};
  if (rc != SQLITE_DONE) fail(rc, "looking up a run", err);
  return std::nullopt;
}

std::vector<SentContact> SqliteStore::sentContacts(int64_t from, int64_t to, StoreError& err) {
  std::vector<SentContact> out;
  {
    // Counting reads only the (status, at_s) index: cheap next to the copies a growing vector makes.
    Use count = use(kSentCount, err);
    if (!count) return out;
    count.bind(1, from);
    count.bind(2, to);
    int rc = count.step();
    if (rc != SQLITE_ROW) {
      fail(rc, "reading sent contacts", err);
      return out;
    }
    out.reserve(size_t(count.int64(0)));
  }
  forEachSentContact(
      from, to,
      [&](const SentContactView& c) {
        out.push_back(SentContact{std::string(c.customer), std::string(c.campaign), std::string(c.channel),
                                  c.offer ? std::optional<std::string>(*c.offer) : std::nullopt, c.at});
      },
      err);
  return out;
}

void SqliteStore::forEachSentContact(int64_t from, int64_t to,
                                     const std::function<void(const SentContactView&)>& each, StoreError& err) {
  Use q = use(kSent, err);
  if (!q) return;
  q.bind(1, from);
  q.bind(2, to);
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    SentContactView c{q.view(0), name(q.int64(1), err), name(q.int64(2), err), std::nullopt, q.int64(4)};
    if (!q.isNull(3)) c.offer = name(q.int64(3), err);
    if (err) return;
    each(c);
  }
  if (rc != SQLITE_DONE) fail(rc, "reading sent contacts", err);
}

std::vector<std::pair<std::string, double>> SqliteStore::spentByCampaign(StoreError& err) {
  std::vector<std::pair<std::string, double>> out;
  Use q = use(kSpent, err);
  if (!q) return out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.emplace_back(q.text(0), q.real(1));
  if (rc != SQLITE_DONE) fail(rc, "reading spent budgets", err);
  return out;
}

std::vector<ContactEntry> SqliteStore::entries(Use& q, const std::string& what, StoreError& err) {
  std::vector<ContactEntry> out;
  if (!q) return out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    out.push_back(readEntry(q, err));
    if (err) return {};
  }
  if (rc != SQLITE_DONE) fail(rc, what, err);
  return out;
}

ContactEntry SqliteStore::readEntry(const Use& q, StoreError& err) {
  auto optName = [&](int i) { return q.isNull(i) ? std::nullopt : std::optional<std::string>(name(q.int64(i), err)); };
  ContactEntry e;
  e.run = q.int64(0);
  e.seq = q.int64(1);
  if (!q.isNull(2)) e.activity = name(q.int64(2), err);
  e.campaign = name(q.int64(3), err);
  e.customer = q.text(4);
  e.channel = name(q.int64(5), err);
  e.offer = optName(6);
  e.status = q.text(7);
  e.reason = optName(8);
  if (!q.isNull(9)) e.priority = q.real(9);
  e.at = q.int64(10);
  if (!q.isNull(11)) e.deferredFrom = q.int64(11);
  e.cost = q.real(12);
  e.message = q.optText(13);
  return e;
}

void SqliteStore::bindEntry(Use& q, const ContactEntry& e, StoreError& err, int base) {
  auto bindName = [&](int i, const std::string& n) { q.bind(base + i, nameId(n, err)); };
  q.bind(base + 1, e.run);
  q.bind(base + 2, e.seq);
  e.activity.empty() ? q.bindNull(base + 3) : bindName(3, e.activity);
  bindName(4, e.campaign);
  q.bindStatic(base + 5, e.customer);
  bindName(6, e.channel);
  e.offer ? bindName(7, *e.offer) : q.bindNull(base + 7);
  q.bindStatic(base + 8, e.status);
  e.reason ? bindName(9, *e.reason) : q.bindNull(base + 9);
  q.bind(base + 10, e.priority);
  q.bind(base + 11, e.at);
  q.bind(base + 12, e.deferredFrom);
  q.bind(base + 13, e.cost);
  q.bindStatic(base + 14, e.message);
}

bool SqliteStore::refreshNames(StoreError& err) {
  Use q = use(kNames, err);
  if (!q) return false;
  q.bind(1, names_.last());
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) names_.add(q.int64(0), q.text(1));
  if (rc == SQLITE_DONE) return true;
  fail(rc, "reading names", err);
  return false;
}

const std::string& SqliteStore::name(int64_t id, StoreError& err) {
  static const std::string kNone;
  if (const std::string* n = names_.find(id)) return *n;
  if (refreshNames(err))
    if (const std::string* n = names_.find(id)) return *n;
  if (!err) err = {StoreError::Kind::Corrupt, fmt::format("the store {} is damaged (no name {}); restore it from a backup", path_, id)};
  return kNone;
}

std::optional<int64_t> SqliteStore::findName(const std::string& n, StoreError& err) {
  if (auto id = names_.find(n)) return id;
  // Another process may have added it since we read the names.
  if (!refreshNames(err)) return std::nullopt;
  return names_.find(n);
}

int64_t SqliteStore::nameId(const std::string& n, StoreError& err) {
  if (auto id = findName(n, err)) return *id;
  if (err) return 0;
  Use q = use(kInsertName, err);
  if (!q) return 0;
  q.bind(1, n);
  if (!run(q, "recording a name", err)) return 0;
  int64_t id = sqlite3_last_insert_rowid(db_);
  names_.add(id, n);
  return id;
}

std::vector<ContactEntry> SqliteStore::dueEntries(int64_t by, StoreError& err) {
  Use q = use(kDue, err);
  if (q) q.bind(1, by);
  return entries(q, "reading deferred contacts", err);
}

std::vector<ContactEntry> SqliteStore::runEntries(int64_t run, StoreError& err) {
  Use q = use(kRunEntries, err);
  if (q) q.bind(1, run);
  return entries(q, "reading a run's contacts", err);
}

std::vector<ContactEntry> SqliteStore::contacts(int64_t run, const std::string& customer, const std::string& campaign,
                                                StoreError& err) {
  int mask = (run != 0 ? 1 : 0) | (!customer.empty() ? 2 : 0) | (!campaign.empty() ? 4 : 0);
  std::optional<int64_t> campaignId;
  if (mask & 4) {
    campaignId = findName(campaign, err);
    if (!campaignId) return {};  // a campaign that never had an entry (or a failed read)
  }
  Use q = use(kContacts + mask, err);
  if (q) {
    if (mask & 1) q.bind(1, run);
    if (mask & 2) q.bind(2, customer);
    if (mask & 4) q.bind(3, *campaignId);
  }
  return entries(q, "reading contacts", err);
}

std::vector<ListMember> SqliteStore::listMembers(const std::string& list, StoreError& err) {
  std::vector<ListMember> out;
  Use q = use(list.empty() ? kListAll : kListOne, err);
  if (!q) return out;
  if (!list.empty()) q.bind(1, list);
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) out.push_back({q.text(0), q.text(1), q.text(2)});
  if (rc != SQLITE_DONE) fail(rc, "reading lists", err);
  return out;
}

// ---------------------------------------------------------------- writes

void SqliteStore::begin(StoreError& err) {
  // IMMEDIATE takes the write lock now, so a busy store is waited for here and never half-way.
  Use q = use(kBegin, err);
  // Names known now stay; those the transaction adds go if it is rolled back (names another
  // process added meanwhile are forgotten too, and read again when met).
  if (run(q, "starting a transaction", err)) namesAtBegin_ = names_.last();
}

void SqliteStore::commit(StoreError& err) {
  Use q = use(kCommit, err);
  if (!run(q, "committing", err)) rollback();
}

void SqliteStore::rollback() {
  if (sqlite3_get_autocommit(db_)) return;  // no transaction open
  StoreError ignored;
  Use q = use(kRollback, ignored);
  if (q) q.step();
  names_.truncate(namesAtBegin_);  // the names the transaction added are gone with it
  knownRun_ = 0;                   // and so may be the run
}

int64_t SqliteStore::addRun(const RunRecord& r, StoreError& err) {
  Use q = use(kInsertRun, err);
  if (!q) return 0;
  q.bind(1, r.kind);
  q.bindOrNull(2, r.activity);
  q.bind(3, formatInstantUtc(r.at));
  q.bind(4, r.at);
  q.bind(5, formatInstantUtc(int64_t(std::time(nullptr))));
  int rc = q.step();
  if (rc == SQLITE_DONE) return sqlite3_last_insert_rowid(db_);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    err = {StoreError::Kind::Io,
           fmt::format("the store {} already has the run of {} at {}", path_, r.activity, formatInstantUtc(r.at))};
  else
    fail(rc, "recording a run", err);
  return 0;
}

bool SqliteStore::checkRun(int64_t run, StoreError& err) {
  if (run == knownRun_ && run != 0) return true;
  Use q = use(kRunExists, err);
  if (!q) return false;
  q.bind(1, run);
  int rc = q.step();
  if (rc == SQLITE_ROW) {
    knownRun_ = run;
    return true;
  }
  if (rc == SQLITE_DONE)
    err = {StoreError::Kind::Io, fmt::format("the store {} has no run {}: an entry must belong to a recorded run", path_, run)};
  else
    fail(rc, "looking up a run", err);
  return false;
}

void SqliteStore::addContact(const ContactEntry& e, StoreError& err) {
  if (!checkRun(e.run, err)) return;
  Use q = use(kInsertContact, err);
  if (!q) return;
  bindEntry(q, e, err);
  if (!err) run(q, "recording a contact", err);
}

void SqliteStore::addContacts(std::span<const ContactEntry> entries, StoreError& err) {
  size_t i = 0;
  for (; i + kBlockRows <= entries.size() && !err; i += kBlockRows) {
    for (int k = 0; k < kBlockRows; ++k)
      if (!checkRun(entries[i + k].run, err)) return;
    Use q = use(kInsertContactBlock, err);
    if (!q) return;
    q.keepBindings();  // bindEntry binds all of them
    for (int k = 0; k < kBlockRows && !err; ++k) bindEntry(q, entries[i + k], err, kEntryColumns * k);
    if (!err) run(q, "recording contacts", err);
  }
  for (; i < entries.size() && !err; ++i) addContact(entries[i], err);
}

void SqliteStore::addSpent(const std::string& campaign, double cost, StoreError& err) {
  Use q = use(kAddSpent, err);
  if (!q) return;
  q.bind(1, campaign);
  q.bind(2, cost);
  run(q, "recording what a campaign spent", err);
}

void SqliteStore::updateContact(const ContactEntry& e, StoreError& err) {
  Use q = use(kUpdateContact, err);
  if (!q) return;
  bindEntry(q, e, err);
  if (!err && run(q, "updating a contact", err) && sqlite3_changes(db_) == 0)
    err = {StoreError::Kind::Io,
           fmt::format("the store {} has no contact {} of run {} to update", path_, e.seq, e.run)};
}

void SqliteStore::addListMember(const ListMember& m, StoreError& err) {
  Use q = use(kAddMember, err);
  if (!q) return;
  q.bind(1, m.list);
  q.bind(2, m.channel);
  q.bind(3, m.customer);
  q.bind(4, formatInstantUtc(int64_t(std::time(nullptr))));
  run(q, "adding to a list", err);
}

void SqliteStore::removeListMember(const ListMember& m, StoreError& err) {
  Use q = use(kRemoveMember, err);
  if (!q) return;
  q.bind(1, m.list);
  q.bind(2, m.channel);
  q.bind(3, m.customer);
  run(q, "removing from a list", err);
}

}  // namespace

std::unique_ptr<Store> openSqliteStore(const std::string& path, const StoreOptions& options, StoreError& err) {
  if (path.empty()) {
    err = {StoreError::Kind::Io, "no store given (an empty path)"};
    return nullptr;
  }
  auto store = std::make_unique<SqliteStore>(path, options);
  if (!store->open(err)) return nullptr;
  return store;
}

}  // namespace herald
