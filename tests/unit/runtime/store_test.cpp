#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "runtime/store/store.hpp"

using namespace herald;

namespace {

/// A fresh directory for one test, removed afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("herald_store_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::unique_ptr<Store> openStore(const std::string& path, StoreOptions options = {}) {
  StoreError err;
  auto store = openSqliteStore(path, options, err);
  INFO(err.message);
  REQUIRE(store);
  REQUIRE(!err);
  return store;
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs SQL on a raw connection (the way a user's tool or another process would).
void rawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  INFO((msg ? msg : ""));
  sqlite3_free(msg);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

/// The first column of the first row of a query, as text ("" when none).
std::string rawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

ContactEntry entry(int64_t run, int64_t seq, const std::string& customer, const std::string& status, int64_t at) {
  ContactEntry e;
  e.run = run;
  e.seq = seq;
  e.activity = "spring_push";
  e.campaign = "spring_5g";
  e.customer = customer;
  e.channel = "sms";
  e.status = status;
  e.at = at;
  if (status == "sent") e.cost = 0.05;
  return e;
}

/// Records a batch run with its entries in one transaction; returns the run number.
int64_t record(Store& store, int64_t at, const std::vector<ContactEntry>& entries,
               const std::string& activity = "spring_push") {
  StoreError err;
  store.begin(err);
  int64_t run = store.addRun({0, "batch", activity, at}, err);
  for (ContactEntry e : entries) {
    e.run = run;
    store.addContact(e, err);
  }
  store.commit(err);
  INFO(err.message);
  REQUIRE(!err);
  return run;
}

constexpr int64_t kT = 1772326800;  // 2026-03-01T01:00:00Z

}  // namespace

TEST_CASE("a store is created on first use and reopened", "[store]") {
  TempDir dir;
  std::string path = dir.file("state.db");
  StoreError err;
  StoreOptions readOnly;
  readOnly.readOnly = true;
  CHECK(!openSqliteStore(path, readOnly, err));
  CHECK(err.kind == StoreError::Kind::Io);
  CHECK(err.message == "no store at " + path);
  CHECK(!std::filesystem::exists(path));  // reads never create it

  err = {};
  openStore(path);
  CHECK(rawQuery(path, "PRAGMA user_version") == "5");
  CHECK(rawQuery(path, "PRAGMA journal_mode") == "wal");
  CHECK(rawQuery(path, "PRAGMA page_size") == "16384");  // a new store's pages
  CHECK(rawQuery(path, "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' "
                       "ORDER BY name)") == "contact_log events leads lists names orders runs spent");
  CHECK(rawQuery(path, "SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'view'") == "contacts");
  auto store = openStore(path);
  CHECK(store->contacts(0, "", "", err).empty());
  CHECK(openStore(path, readOnly)->listMembers("", err).empty());
  CHECK(!err);
}

TEST_CASE("runs are numbered from 1 and a batch run is recorded once", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  StoreError err;
  CHECK(record(*store, kT, {}) == 1);
  CHECK(record(*store, kT, {}, "other") == 2);
  store->begin(err);
  CHECK(store->addRun({0, "event", "", kT}, err) == 3);
  CHECK(store->addRun({0, "event", "", kT}, err) == 4);  // events share instants freely
  store->commit(err);
  REQUIRE(!err);

  auto found = store->findBatchRun("spring_push", kT, err);
  REQUIRE(found);
  CHECK(found->id == 1);
  CHECK(found->kind == "batch");
  CHECK(found->activity == "spring_push");
  CHECK(found->at == kT);
  CHECK(!store->findBatchRun("spring_push", kT + 1, err));
  CHECK(!err);

  // The unique index refuses a second batch run of the same activity and instant.
  store->begin(err);
  CHECK(store->addRun({0, "batch", "spring_push", kT}, err) == 0);
  CHECK(err.kind == StoreError::Kind::Io);
  CHECK(err.message.find("already has the run of spring_push at 2026-03-01T01:00:00Z") != std::string::npos);
  store->rollback();
  err = {};
  // A rolled-back run uses no number.
  CHECK(record(*store, kT + 60, {}) == 5);
}

TEST_CASE("sentContacts takes sent contacts after from, up to and including to", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  auto a = entry(0, 1, "c1", "sent", kT - 100);
  a.offer = "data_5g";
  auto b = entry(0, 2, "c2", "sent", kT);
  auto c = entry(0, 3, "c3", "control", kT);
  auto d = entry(0, 4, "c4", "suppressed", kT);
  auto e = entry(0, 5, "c5", "sent", kT - 200);  // on the lower bound: excluded
  record(*store, kT, {a, b, c, d, e});
  StoreError err;
  auto sent = store->sentContacts(kT - 200, kT, err);
  REQUIRE(!err);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].customer == "c1");
  CHECK(sent[0].campaign == "spring_5g");
  CHECK(sent[0].channel == "sms");
  CHECK(sent[0].offer == std::optional<std::string>("data_5g"));
  CHECK(sent[0].at == kT - 100);
  CHECK(sent[1].customer == "c2");
  CHECK(!sent[1].offer);
  CHECK(store->sentContacts(kT - 201, kT, err).size() == 3);
  CHECK(store->sentContacts(kT, kT + 1000, err).empty());

  // The same contacts, handed over one at a time.
  std::vector<std::string> seen;
  store->forEachSentContact(kT - 200, kT, [&](const SentContactView& v) {
    seen.push_back(fmt::format("{} {} {} {} {}", v.customer, v.campaign, v.channel, v.offer.value_or("-"), v.at));
  }, err);
  CHECK(!err);
  CHECK(seen == std::vector<std::string>{fmt::format("c1 spring_5g sms data_5g {}", kT - 100),
                                         fmt::format("c2 spring_5g sms - {}", kT)});

  // What campaigns spent is what runs add (the engine adds each run's sent costs).
  store->begin(err);
  store->addSpent("spring_5g", 0.10, err);
  store->addSpent("spring_5g", 0.05, err);
  store->commit(err);
  auto spent = store->spentByCampaign(err);
  REQUIRE(spent.size() == 1);
  CHECK(spent[0].first == "spring_5g");
  CHECK(spent[0].second == Approx(0.15));
}

TEST_CASE("dueEntries are in order of due instant, then run, then seq", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  record(
      *store, kT,
      {entry(0, 1, "a", "deferred", kT + 500), entry(0, 5, "b", "deferred", kT + 400), entry(0, 6, "x", "sent", kT)});
  record(*store, kT + 10, {entry(0, 2, "c", "deferred", kT + 400), entry(0, 3, "d", "deferred", kT + 600)});
  StoreError err;
  auto due = store->dueEntries(kT + 500, err);
  REQUIRE(!err);
  REQUIRE(due.size() == 3);
  CHECK(due[0].customer == "b");
  CHECK(due[1].customer == "c");
  CHECK(due[2].customer == "a");
  CHECK(due[0].run == 1);
  CHECK(due[0].seq == 5);
  CHECK(due[1].run == 2);
  CHECK(store->dueEntries(kT + 399, err).empty());
}

TEST_CASE("updateContact decides a deferred entry in place", "[store]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  auto store = openStore(path);
  auto d = entry(0, 1, "c1", "deferred", kT + 3600);
  d.reason = "quiet hours";
  d.priority = 45;
  record(*store, kT, {d, entry(0, 2, "c2", "suppressed", kT), entry(0, 3, "c3", "control", kT)});

  StoreError err;
  auto entries = store->runEntries(1, err);  // suppressed entries are left out
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].seq == 1);
  CHECK(entries[1].seq == 3);

  ContactEntry decided = entries[0];
  decided.status = "sent";
  decided.reason.reset();
  decided.deferredFrom = kT;
  decided.cost = 0.05;
  decided.message = "Hi c1";
  store->begin(err);
  store->updateContact(decided, err);
  store->commit(err);
  REQUIRE(!err);
  auto after = store->contacts(1, "c1", "", err);
  REQUIRE(after.size() == 1);
  CHECK(after[0].status == "sent");
  CHECK(!after[0].reason);
  CHECK(after[0].priority == std::optional<double>(45));
  CHECK(after[0].at == kT + 3600);
  CHECK(after[0].deferredFrom == std::optional<int64_t>(kT));
  CHECK(after[0].message == std::optional<std::string>("Hi c1"));
  CHECK(store->dueEntries(kT + 99999, err).empty());
  CHECK(rawQuery(path, "SELECT deferred_from || ' ' || at FROM contacts WHERE seq = 1") ==
        "2026-03-01T01:00:00Z 2026-03-01T02:00:00Z");

  ContactEntry missing = decided;
  missing.seq = 99;
  store->begin(err);
  store->updateContact(missing, err);
  CHECK(err.kind == StoreError::Kind::Io);
  store->rollback();
}

TEST_CASE("contacts filters by run, customer and campaign", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  auto other = entry(0, 2, "c2", "sent", kT);
  other.campaign = "upsell";
  record(*store, kT, {entry(0, 1, "c1", "sent", kT), other});
  record(*store, kT + 60, {entry(0, 1, "c1", "suppressed", kT + 60)});
  StoreError err;
  CHECK(store->contacts(0, "", "", err).size() == 3);
  CHECK(store->contacts(2, "", "", err).size() == 1);
  CHECK(store->contacts(0, "c1", "", err).size() == 2);
  CHECK(store->contacts(0, "", "upsell", err).size() == 1);
  CHECK(store->contacts(1, "c1", "spring_5g", err).size() == 1);
  CHECK(store->contacts(2, "c2", "", err).empty());
  auto all = store->contacts(0, "", "", err);
  CHECK(all[0].run == 1);
  CHECK(all[1].seq == 2);
  CHECK(all[2].run == 2);
  CHECK(!err);
}

TEST_CASE("lists keep members per channel", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  StoreError err;
  store->begin(err);
  store->addListMember({"dnd", "", "c1"}, err);
  store->addListMember({"dnd", "sms", "c2"}, err);
  store->addListMember({"dnd", "sms", "c2"}, err);  // already there: no change, no error
  store->addListMember({"dnd", "email", "c1"}, err);
  store->addListMember({"complained", "", "c3"}, err);
  store->commit(err);
  REQUIRE(!err);
  auto dnd = store->listMembers("dnd", err);
  REQUIRE(dnd.size() == 3);
  CHECK((dnd[0].channel == "" && dnd[0].customer == "c1"));
  CHECK((dnd[1].channel == "email" && dnd[1].customer == "c1"));
  CHECK((dnd[2].channel == "sms" && dnd[2].customer == "c2"));
  CHECK(store->listMembers("", err).size() == 4);
  CHECK(store->listMembers("nobody", err).empty());

  store->begin(err);
  store->removeListMember({"dnd", "", "c1"}, err);
  store->removeListMember({"dnd", "", "c9"}, err);  // not there: no change, no error
  store->commit(err);
  REQUIRE(!err);
  dnd = store->listMembers("dnd", err);
  REQUIRE(dnd.size() == 2);
  CHECK(dnd[0].channel == "email");
}

TEST_CASE("rollback leaves nothing recorded", "[store]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  auto store = openStore(path);
  StoreError err;
  store->begin(err);
  int64_t run = store->addRun({0, "batch", "spring_push", kT}, err);
  store->addContact(entry(run, 1, "c1", "sent", kT), err);
  store->addListMember({"dnd", "", "c1"}, err);
  REQUIRE(!err);
  store->rollback();
  CHECK(store->contacts(0, "", "", err).empty());
  CHECK(store->listMembers("", err).empty());
  CHECK(!store->findBatchRun("spring_push", kT, err));
  CHECK(rawQuery(path, "SELECT count(*) FROM runs") == "0");
  CHECK(record(*store, kT, {}) == 1);
}

TEST_CASE("names written by another connection, or lost with a rollback, are read right", "[store]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  auto first = openStore(path);
  auto second = openStore(path);
  ContactEntry a = entry(0, 1, "c1", "sent", kT);
  a.campaign = "winter";
  a.offer = "gift";
  record(*first, kT, {a});
  // The second connection has not seen these names: it reads them when it meets them.
  StoreError err;
  auto seen = second->contacts(0, "", "winter", err);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].offer == std::optional<std::string>("gift"));
  auto sent = second->sentContacts(kT - 1, kT, err);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].campaign == "winter");

  // A rolled-back transaction takes its new names with it; the next ones get the same numbers.
  ContactEntry b = entry(0, 1, "c2", "suppressed", kT + 60);
  b.campaign = "autumn";
  b.reason = "limit";
  first->begin(err);
  b.run = first->addRun({0, "batch", "spring_push", kT + 60}, err);
  first->addContact(b, err);
  REQUIRE(!err);
  first->rollback();
  ContactEntry c = entry(0, 1, "c3", "suppressed", kT + 120);
  c.campaign = "summer";
  c.reason = "dnd";
  record(*second, kT + 120, {c});
  auto all = first->contacts(0, "", "", err);
  CHECK(!err);
  REQUIRE(all.size() == 2);
  CHECK(all[1].campaign == "summer");
  CHECK(all[1].reason == std::optional<std::string>("dnd"));
  CHECK(rawQuery(path, "SELECT group_concat(campaign || '/' || ifnull(reason, '-'), ' ') FROM contacts") ==
        "winter/- summer/dnd");
  CHECK(first->contacts(0, "", "autumn", err).empty());
}

TEST_CASE("a contact must belong to a recorded run", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  StoreError err;
  store->begin(err);
  store->addContact(entry(7, 1, "c1", "sent", kT), err);
  CHECK(err.kind == StoreError::Kind::Io);
  CHECK(err.message.find("has no run 7") != std::string::npos);
  store->rollback();

  // Many at once: one entry of an unknown run among a block of a recorded one.
  err = {};
  store->begin(err);
  int64_t run = store->addRun({0, "batch", "spring_push", kT}, err);
  std::vector<ContactEntry> many;
  for (int k = 1; k <= 100; ++k) many.push_back(entry(run, k, "c" + std::to_string(k), "sent", kT));
  many[70].run = run + 1;
  store->addContacts(many, err);
  CHECK(err.kind == StoreError::Kind::Io);
  store->rollback();

  // A run rolled back is no longer recorded, even for the connection that recorded it.
  err = {};
  store->begin(err);
  run = store->addRun({0, "batch", "spring_push", kT}, err);
  store->addContact(entry(run, 1, "c1", "sent", kT), err);
  REQUIRE(!err);
  store->rollback();
  store->begin(err);
  store->addContact(entry(run, 1, "c1", "sent", kT), err);
  CHECK(err.kind == StoreError::Kind::Io);
  store->rollback();
  CHECK(store->contacts(0, "", "", err).empty());
}

TEST_CASE("an entry that fails inside a block of many fails the call, and a rollback keeps nothing of it", "[store]") {
  TempDir dir;
  auto store = openStore(dir.file("s.db"));
  int64_t kept = record(*store, kT, {entry(0, 1, "c1", "sent", kT)});
  StoreError err;
  store->begin(err);
  int64_t run = store->addRun({0, "batch", "spring_push", kT + 60}, err);
  std::vector<ContactEntry> many;
  for (int k = 1; k <= 300; ++k) many.push_back(entry(run, k, "c" + std::to_string(k), "sent", kT + 60));
  many[200].seq = 150;  // (run, seq) twice, in the second block of the insert: SQLite refuses it
  store->addContacts(many, err);
  CHECK(err.kind == StoreError::Kind::Io);
  CHECK(err.message.find("recording contacts") != std::string::npos);
  store->rollback();
  err = {};
  auto all = store->contacts(0, "", "", err);
  REQUIRE(!err);
  REQUIRE(all.size() == 1);
  CHECK(all[0].run == kept);
  // The store takes the same run again, whole.
  many[200].seq = 201;
  store->begin(err);
  run = store->addRun({0, "batch", "spring_push", kT + 60}, err);
  for (ContactEntry& e : many) e.run = run;
  store->addContacts(many, err);
  store->commit(err);
  CHECK(!err);
  CHECK(store->contacts(run, "", "", err).size() == 300);
}

/// Turns the store at `path` back into what an older herald left: version 3 kept every entry in
/// a `contacts` table, its names as text and its instants also as text; version 2 had `at` and
/// `deferred_from` generated from the seconds and indexed every entry by customer; version 1
/// also indexed sent contacts on `at_s` alone.
void downgrade(const std::string& path, int version) {
  if (version == 4) {  // the index of sent contacts held their cost
    rawExec(path, "DROP INDEX contacts_sent; CREATE INDEX contacts_sent ON contact_log (at_s, customer, campaign, "
                  "channel, offer, cost, status) WHERE status = 'sent'; PRAGMA user_version = 4;");
    return;
  }
  std::string instants = version == 3 ? "at TEXT NOT NULL, deferred_from TEXT,"
                                      : R"(at TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', at_s, 'unixepoch')) VIRTUAL,
      deferred_from TEXT GENERATED ALWAYS AS (strftime('%Y-%m-%dT%H:%M:%SZ', deferred_from_s, 'unixepoch')) VIRTUAL,)";
  std::string columns = "run, seq, activity, campaign, customer, channel, offer, status, reason, priority, at_s, "
                        "deferred_from_s, cost, message";
  if (version == 3) columns += ", at, deferred_from";
  rawExec(path, R"sql(
    CREATE TABLE old (
      run INTEGER NOT NULL REFERENCES runs (id), seq INTEGER NOT NULL, activity TEXT, campaign TEXT NOT NULL,
      customer TEXT NOT NULL, channel TEXT NOT NULL, offer TEXT, status TEXT NOT NULL, reason TEXT, priority REAL,
      at_s INTEGER NOT NULL, deferred_from_s INTEGER, )sql" + instants + R"sql(
      cost REAL NOT NULL DEFAULT 0, message TEXT, PRIMARY KEY (run, seq)) WITHOUT ROWID;
    INSERT INTO old ()sql" + columns + ") SELECT " + columns + R"sql( FROM contacts;
    DROP VIEW contacts;
    DROP TABLE contact_log;
    DROP TABLE names;
    ALTER TABLE old RENAME TO contacts;
    CREATE INDEX contacts_deferred ON contacts (at_s) WHERE status = 'deferred';
  )sql");
  if (version == 3) {
    rawExec(path, "CREATE INDEX contacts_customer ON contacts (customer, at_s) WHERE status = 'sent';"
                  "CREATE INDEX contacts_sent ON contacts (at_s, customer, campaign, channel, offer, cost, status) "
                  "WHERE status = 'sent'; PRAGMA user_version = 3;");
    return;
  }
  rawExec(path, "CREATE INDEX contacts_customer ON contacts (customer, at_s); PRAGMA user_version = 2;");
  rawExec(path, version == 1 ? "CREATE INDEX contacts_sent ON contacts (at_s) WHERE status = 'sent';"
                               "PRAGMA user_version = 1;"
                             : "CREATE INDEX contacts_sent ON contacts (at_s, customer, campaign, channel, offer, cost, "
                               "status) WHERE status = 'sent';");
}

TEST_CASE("a store of an older version is upgraded on first write, its entries kept", "[store]") {
  int version = GENERATE(1, 2, 3, 4);
  TempDir dir;
  std::string path = dir.file("old.db");
  ContactEntry deferred = entry(0, 3, "c3", "deferred", kT + 3600);
  deferred.deferredFrom = kT;
  ContactEntry suppressed = entry(0, 2, "c2", "suppressed", kT);
  suppressed.reason = "limit";
  record(*openStore(path), kT, {entry(0, 1, "c1", "sent", kT), suppressed, deferred});
  downgrade(path, version);
  const std::string kind = "SELECT type FROM sqlite_master WHERE name = 'contacts'";
  const std::string generated = "SELECT group_concat(name || ':' || hidden, ' ') FROM pragma_table_xinfo('contacts') "
                                "WHERE name IN ('at', 'deferred_from')";
  CHECK(rawQuery(path, kind) == (version == 4 ? "view" : "table"));
  if (version < 4)
    CHECK(rawQuery(path, generated) == (version == 3 ? "at:0 deferred_from:0" : "at:2 deferred_from:2"));
  CHECK(rawQuery(path, "PRAGMA user_version") == std::to_string(version));

  auto store = openStore(path);
  CHECK(rawQuery(path, "PRAGMA user_version") == "5");
  CHECK(rawQuery(path, kind) == "view");
  // The view has the columns of version 3, in their order, whatever version the store was.
  CHECK(rawQuery(path, "SELECT group_concat(name, ' ') FROM pragma_table_info('contacts')") ==
        "run seq activity campaign customer channel offer status reason priority at_s deferred_from_s at "
        "deferred_from cost message");
  CHECK(rawQuery(path, "SELECT group_concat(customer || ' ' || campaign || ' ' || channel || ' ' || status || ' ' || "
                       "ifnull(reason, '-') || ' ' || at || ' ' || ifnull(deferred_from, '-'), ', ') FROM "
                       "(SELECT * FROM contacts ORDER BY seq)") ==
        "c1 spring_5g sms sent - 2026-03-01T01:00:00Z -, c2 spring_5g sms suppressed limit 2026-03-01T01:00:00Z -, "
        "c3 spring_5g sms deferred - 2026-03-01T02:00:00Z 2026-03-01T01:00:00Z");
  CHECK(rawQuery(path, "SELECT group_concat(name, ' ') FROM (SELECT name FROM names ORDER BY name)") ==
        "limit sms spring_5g spring_push");
  CHECK(rawQuery(path, "SELECT sql FROM sqlite_master WHERE name = 'contacts_customer'")
            .find("contact_log (customer, at_s) WHERE status = 'sent'") != std::string::npos);
  CHECK(rawQuery(path, "SELECT sql FROM sqlite_master WHERE name = 'contacts_sent'")
            .find("contact_log (at_s, customer, campaign, channel, offer, status) WHERE status = 'sent'") !=
        std::string::npos);
  StoreError err;
  auto sent = store->sentContacts(kT - 1, kT, err);
  CHECK(!err);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].customer == "c1");
  CHECK(sent[0].campaign == "spring_5g");
  REQUIRE(store->dueEntries(kT + 3600, err).size() == 1);
  auto all = store->contacts(0, "", "", err);
  REQUIRE(all.size() == 3);
  CHECK(all[1].reason == std::optional<std::string>("limit"));
  // The upgraded store takes new runs as a new one does.
  CHECK(record(*store, kT + 86400, {entry(0, 1, "c1", "sent", kT + 86400)}) == 2);
  CHECK(rawQuery(path, "SELECT at FROM contacts WHERE run = 2") == "2026-03-02T01:00:00Z");
}

TEST_CASE("a store from a newer version is refused and left unchanged", "[store]") {
  TempDir dir;
  bool wal = GENERATE(false, true);
  std::string path = dir.file("new.db");
  rawExec(path, std::string(wal ? "PRAGMA journal_mode = WAL;" : "") +
                    "CREATE TABLE future (x); INSERT INTO future VALUES (1); PRAGMA user_version = 99;");
  std::string before = readBytes(path);
  for (bool readOnly : {false, true}) {
    StoreError err;
    StoreOptions options;
    options.readOnly = readOnly;
    CHECK(!openSqliteStore(path, options, err));
    CHECK(err.kind == StoreError::Kind::NewerVersion);
    CHECK(err.message.find("schema version 99, newer than this herald understands (5)") != std::string::npos);
  }
  CHECK(readBytes(path) == before);
  if (!wal) CHECK(!std::filesystem::exists(path + "-wal"));
  CHECK(!std::filesystem::exists(path + "-journal"));
}

TEST_CASE("a file that is not a Herald store is refused and left unchanged", "[store]") {
  TempDir dir;
  for (std::string text : {std::string("id,name\nc1,Ann\n"), std::string("hi"), std::string(5000, 'x')}) {
    std::string path = dir.file("customers.csv");
    std::ofstream(path, std::ios::binary) << text;
    StoreError err;
    CHECK(!openSqliteStore(path, {}, err));
    CHECK(err.kind == StoreError::Kind::Corrupt);
    CHECK(err.message == path + " is not a Herald store (not an SQLite database)");
    CHECK(readBytes(path) == text);
  }
  // Another application's SQLite database is not taken over either.
  std::string other = dir.file("other.sqlite");
  rawExec(other, "CREATE TABLE notes (t TEXT)");
  std::string before = readBytes(other);
  StoreError err;
  CHECK(!openSqliteStore(other, {}, err));
  CHECK(err.kind == StoreError::Kind::Corrupt);
  CHECK(err.message == other + " is an SQLite database but not a Herald store; it was left unchanged");
  CHECK(readBytes(other) == before);
}

TEST_CASE("a store locked by another writer is waited for, then refused", "[store]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  openStore(path);
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE; INSERT INTO lists VALUES ('dnd', '', 'x', 'now')", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  StoreOptions options;
  options.busyTimeoutMs = 200;
  auto store = openStore(path, options);  // an up-to-date store opens without the write lock
  StoreError err;
  CHECK(store->listMembers("dnd", err).empty());  // readers see the last commit
  CHECK(!err);
  store->begin(err);
  CHECK(err.kind == StoreError::Kind::Busy);
  CHECK(err.message == "the store " + path + " is locked by another writer; waited 0.2 s");

  // A store being created while another writer holds the file is refused the same way.
  std::string fresh = dir.file("fresh.db");
  sqlite3* creator = nullptr;
  REQUIRE(sqlite3_open(fresh.c_str(), &creator) == SQLITE_OK);
  REQUIRE(sqlite3_exec(creator, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  err = {};
  CHECK(!openSqliteStore(fresh, options, err));
  CHECK(err.kind == StoreError::Kind::Busy);
  sqlite3_exec(creator, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(creator);

  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  err = {};
  store->begin(err);
  CHECK(!err);
  store->rollback();
}

TEST_CASE("an unwritable store is refused for writes and kept", "[store]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  record(*openStore(path), kT, {entry(0, 1, "c1", "sent", kT)});
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  if (access(path.c_str(), W_OK) == 0) {
    WARN("running with permission to write read-only files (root?); skipping");
    return;
  }
  std::string before = readBytes(path);
  StoreError err;
  CHECK(!openSqliteStore(path, {}, err));
  CHECK(err.kind == StoreError::Kind::Io);
  CHECK(err.message.find("cannot be written") != std::string::npos);
  CHECK(readBytes(path) == before);
}

TEST_CASE("a store opened read-only refuses writes", "[store]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  record(*openStore(path), kT, {entry(0, 1, "c1", "sent", kT)});
  StoreOptions readOnly;
  readOnly.readOnly = true;
  auto store = openStore(path, readOnly);
  StoreError err;
  CHECK(store->contacts(0, "", "", err).size() == 1);
  store->begin(err);
  if (!err) store->addListMember({"dnd", "", "c1"}, err);
  CHECK(err.kind == StoreError::Kind::Io);
  store->rollback();
  CHECK(rawQuery(path, "SELECT count(*) FROM lists") == "0");
}

// ---------------------------------------------------------------- the commands over a store

#ifdef HERALD_BINARY
namespace {

/// Runs `herald ARGS` and returns its standard output and error, and sets `exitCode`.
std::string runHerald(const std::string& args, int& exitCode) {
  std::string out;
  FILE* p = popen((std::string("'") + HERALD_BINARY + "' " + args + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace

TEST_CASE("herald contacts prints what was recorded", "[store][cli]") {
  TempDir dir;
  std::string path = dir.file("s.db");
  auto a = entry(0, 1, "c1", "sent", kT);
  a.offer = "data_5g";
  a.priority = 45;
  a.message = "Hi \"Ann\"";
  auto b = entry(0, 2, "c2", "suppressed", kT);
  b.reason = "policy standard: max 3 contacts per 90d";
  auto c = entry(0, 3, "c3", "sent", kT + 3600);
  c.deferredFrom = kT;
  c.cost = 1;
  c.priority = 7.5;
  record(*openStore(path), kT, {a, b, c});

  int code = 0;
  CHECK(runHerald("contacts --db '" + path + "' --json", code) ==
        "{\"run\":1,\"activity\":\"spring_push\",\"campaign\":\"spring_5g\",\"customer\":\"c1\",\"channel\":"
        "\"sms\","
        "\"offer\":\"data_5g\",\"status\":\"sent\",\"reason\":null,\"priority\":45.0,"
        "\"at\":\"2026-03-01T01:00:00Z\",\"deferred_from\":null,\"cost\":0.05,\"message\":\"Hi \\\"Ann\\\"\"}\n"
        "{\"run\":1,\"activity\":\"spring_push\",\"campaign\":\"spring_5g\",\"customer\":\"c2\",\"channel\":"
        "\"sms\","
        "\"offer\":null,\"status\":\"suppressed\",\"reason\":\"policy standard: max 3 contacts per 90d\","
        "\"priority\":null,\"at\":\"2026-03-01T01:00:00Z\",\"deferred_from\":null,\"cost\":0.0,\"message\":"
        "null}\n"
        "{\"run\":1,\"activity\":\"spring_push\",\"campaign\":\"spring_5g\",\"customer\":\"c3\",\"channel\":"
        "\"sms\","
        "\"offer\":null,\"status\":\"sent\",\"reason\":null,\"priority\":7.5,\"at\":\"2026-03-01T02:00:00Z\","
        "\"deferred_from\":\"2026-03-01T01:00:00Z\",\"cost\":1.0,\"message\":null}\n");
  CHECK(code == 0);
  CHECK(runHerald("contacts --db '" + path + "' --customer c2", code) ==
        "run  campaign   customer  channel  status      reason                                   priority"
        "  at                    cost\n"
        "  1  spring_5g  c2        sms      suppressed  policy standard: max 3 contacts per 90d         -"
        "  2026-03-01T01:00:00Z     0\n");
  CHECK(runHerald("contacts --db '" + path + "' --run 2", code) == "no contacts match\n");
  CHECK(code == 0);
  CHECK(runHerald("contacts --db '" + path + "' --run x", code) ==
        "herald contacts: --run needs a run number (1, 2, ...), not 'x'\n");
  CHECK(code == 2);
  std::string missing = dir.file("missing.db");
  CHECK(runHerald("contacts --db '" + missing + "'", code) == "herald contacts: no store at " + missing + "\n");
  CHECK(code == 2);
  CHECK(!std::filesystem::exists(missing));
}

TEST_CASE("herald list adds, removes and shows members", "[store][cli]") {
  TempDir dir;
  std::string db = "--db '" + dir.file("s.db") + "' ";
  int code = 0;
  CHECK(runHerald("list show " + db + "dnd", code).find("no store at") != std::string::npos);
  CHECK(code == 2);
  CHECK(runHerald("list add " + db + "dnd c1 c2", code) == "added 2 to list dnd (all channels)\n");
  CHECK(code == 0);
  CHECK(runHerald("list add " + db + "dnd c2 c3", code) == "added 1 to list dnd (all channels); 1 was already there\n");
  std::string file = dir.file("ids.txt");
  std::ofstream(file) << "c4\n\n  c5 \r\n";
  CHECK(runHerald("list add " + db + "dnd --channel sms --file '" + file + "'", code) ==
        "added 2 to list dnd (channel sms)\n");
  CHECK(runHerald("list remove " + db + "dnd c1 c9", code) ==
        "removed 1 from list dnd (all channels); 1 was not there\n");
  CHECK(runHerald("list show " + db + "dnd", code) == "c2\nc3\nc4 (channel sms)\nc5 (channel sms)\n");
  CHECK(runHerald("list show " + db + "dnd --channel sms", code) == "c4\nc5\n");
  CHECK(runHerald("list show " + db + "dnd --json", code) ==
        "{\"list\":\"dnd\",\"channel\":null,\"customer\":\"c2\"}\n"
        "{\"list\":\"dnd\",\"channel\":null,\"customer\":\"c3\"}\n"
        "{\"list\":\"dnd\",\"channel\":\"sms\",\"customer\":\"c4\"}\n"
        "{\"list\":\"dnd\",\"channel\":\"sms\",\"customer\":\"c5\"}\n");
  CHECK(runHerald("list show " + db + "vip", code) == "list vip has no members\n");
  CHECK(code == 0);
  runHerald("list add " + db + "dnd", code);
  CHECK(code == 2);
  runHerald("list add " + db + "dnd c1 --file '" + file + "'", code);
  CHECK(code == 2);
  CHECK(runHerald("list add " + db + "dnd --file '" + dir.file("nope.txt") + "'", code).find("nope.txt") !=
        std::string::npos);
  CHECK(code == 2);
}
#endif
