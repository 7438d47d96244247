// bench/run: one batch run end to end over generated customers with a prior contact history:
// the example pack's activity plus 5 generated campaigns under policies. Prints the time split
// into load / evaluate / arbitrate / write and recorded contacts per second, and, as the
// in-process baseline, the cost of bulk-writing the same number of rows into the store.
// Usage: bench_run [CUSTOMERS] [PRIOR_CONTACTS]   (default 1,000,000 and 3,000,000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <fmt/format.h>

#include "compiler/driver/compiled_pack.hpp"
#include "runtime/engine/batch_run.hpp"

using namespace herald;

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string packText(const std::string& example) {
  std::string s = example;
  // Five more campaigns with their own policies, all in the example's activity.
  s += R"(
channel email { cost: 0.01 }
policy strict {
  max 2 contacts per 30d
  min 3d between contacts
  max 1 contacts per 14d for same campaign
}
)";
  std::string names;
  for (int i = 0; i < 5; ++i) {
    s += fmt::format(R"(
campaign gen{} {{
  channel: {}
  audience: city_tier <= {} and tier != "C" and (age ?? 40) >= {}
  priority: {}.0 + (if tier == "A" then 5 else 0)
  limit: {} per run
  policy: strict
  control: {}%
  message: "{{name}}, offer {} for you"
}}
)",
                     i, i % 2 ? "email" : "push", 1 + i % 4, 18 + 5 * i, 10 + i, 100000 + 50000 * i, 5 + i, i);
    names += fmt::format(", gen{}", i);
  }
  size_t at = s.find("campaigns: spring_5g, recharge_thanks");
  s.insert(at + std::string("campaigns: spring_5g, recharge_thanks").size(), names);
  return s;
}

std::string customersCsv(size_t n) {
  std::mt19937_64 rng(3);
  const char* tiers[] = {"A", "B", "C"};
  const char* stages[] = {"prospect", "lead", "opportunity", "customer", "customer", "churned"};
  const char* tags[] = {"", "5g", "family", "video|5g", "student"};
  std::string csv = "id,name,age,city_tier,tier,lifecycle,arpu,tags,signed_up\n";
  csv.reserve(n * 70);
  for (size_t i = 0; i < n; ++i)
    csv += fmt::format("c{:07},Name {},{},{},{},{},{}.5,{},2024-01-01T00:00:00\n", i, i % 1000,
                       rng() % 10 ? std::to_string(16 + rng() % 60) : "", 1 + rng() % 4, tiers[rng() % 3],
                       stages[rng() % 6], rng() % 300, tags[rng() % 5]);
  return csv;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  size_t prior = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 3000000;
  std::string example, error;
  if (!readFile(std::string(HERALD_SOURCE_DIR) + "/examples/telecom/spring.herald", example, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  auto compilation = Compilation::fromText("bench.herald", packText(example));
  if (!compilation->ok()) {
    for (auto& d : compilation->diags().all())
      std::fprintf(stderr, "%s", formatDiagnostic(compilation->sources(), d, false).c_str());
    return 2;
  }
  CompiledPack pack(std::move(compilation));
  std::string csv = customersCsv(n);
  auto t0 = std::chrono::steady_clock::now();
  LoadResult loaded = loadCustomersFromText("customers.csv", csv, false, *pack.symbols().customer, pack.zone());
  double loadSeconds = seconds(t0);
  if (!loaded.ok) {
    std::fprintf(stderr, "%s\n", loaded.errors[0].text().c_str());
    return 2;
  }

  // HERALD_BENCH_STORE=FILE keeps the store (with its prior history) for later runs, which then
  // dry-run: repeatable timings of history, evaluation and arbitration while tuning them (with
  // HERALD_BENCH_WRITE=1 they run for real and change FILE: run them over copies).
  const char* kept = std::getenv("HERALD_BENCH_STORE");
  bool reuse = kept && std::filesystem::exists(kept);
  std::string path = kept ? kept : (std::filesystem::temp_directory_path() / fmt::format("herald-bench-run-{}.db", getpid())).string();
  if (!reuse) std::filesystem::remove(path);
  StoreError err;
  auto store = openSqliteStore(path, StoreOptions{}, err);
  if (!store) {
    std::fprintf(stderr, "%s\n", err.message.c_str());
    return 2;
  }
  // Six months of prior contacts, one batch run a day (the in-process baseline for writing).
  auto t1 = std::chrono::steady_clock::now();
  const int64_t runAt = 1773104400;  // 2026-03-10T01:00:00Z
  std::mt19937_64 rng(9);
  const char* campaigns[] = {"spring_5g", "gen0", "gen1", "gen2", "gen3", "gen4"};
  const char* channels[] = {"sms", "push", "email", "push", "email", "push"};
  if (!reuse) store->begin(err);
  size_t perDay = prior / 180 + 1, written = 0;
  for (int day = 180; day >= 1 && !err && !reuse; --day) {
    int64_t at = runAt - day * 86400;
    int64_t run = store->addRun(RunRecord{0, "batch", "history", at}, err);
    std::vector<ContactEntry> entries;
    for (size_t k = 0; k < perDay && written < prior; ++k, ++written) {
      ContactEntry& e = entries.emplace_back();
      e.run = run;
      e.seq = static_cast<int64_t>(k) + 1;
      e.activity = "history";
      int c = static_cast<int>(rng() % 6);
      e.campaign = campaigns[c];
      e.channel = channels[c];
      e.customer = fmt::format("c{:07}", rng() % n);
      e.status = "sent";
      e.at = at;
      e.cost = 0.01;
    }
    store->addContacts(entries, err);
  }
  if (!err && !reuse) store->commit(err);
  double priorSeconds = seconds(t1);
  if (err) {
    std::fprintf(stderr, "%s\n", err.message.c_str());
    return 2;
  }

  if (kept && !reuse) {
    std::printf("kept %s with %zu prior contacts; the next runs over it are dry runs\n", path.c_str(), written);
    return 0;
  }
  // The run opens the store afresh, as `herald run` does: nothing of it in memory yet.
  store.reset();
  store = openSqliteStore(path, StoreOptions{}, err);
  if (!store) {
    std::fprintf(stderr, "%s\n", err.message.c_str());
    return 2;
  }
  RunError runError;
  auto t2 = std::chrono::steady_clock::now();
  // As `herald run` does by default: the JIT compiles while history loads (engine auto).
  JitTier tier(JitTier::Mode::Auto, jitRoots(pack, "spring_push"), JitOptions{});
  RunRequest request;
  request.activity = "spring_push";
  request.at = runAt;
  request.jit = &tier;
  request.dryRun = reuse && !std::getenv("HERALD_BENCH_WRITE");
  RunSummary s = runActivity(pack, loaded.table, *store, request, runError);
  double runSeconds = seconds(t2);
  if (runError) {
    std::fprintf(stderr, "%s\n", runError.message.c_str());
    return 2;
  }
  int64_t recorded = 0, sent = 0;
  for (auto& c : s.campaigns) {
    recorded += c.planned;
    sent += c.sent;
  }
  std::printf("%zu customers, %zu prior contacts (written in %.2f s: %.0f rows/s, the baseline)\n", n, written,
              priorSeconds, written / priorSeconds);
  std::printf("load %.2f s | run %.2f s = history %.2f + evaluate %.2f + arbitrate %.2f + write %.2f\n", loadSeconds,
              runSeconds, s.historySeconds, s.evaluateSeconds, s.arbitrateSeconds, s.writeSeconds);
  std::printf("audiences: %lld of %lld blocks in native code\n", static_cast<long long>(s.jitBlocks),
              static_cast<long long>(s.blocks));
  // Writing overlaps arbitration (a second thread): the phases add up to more than the run.
  std::printf("recorded %lld decisions (%lld sent): %.0f decisions/s written, %.0f/s over the whole run; load + run "
              "%.2f s (goal < 10 s)\n",
              static_cast<long long>(recorded), static_cast<long long>(sent), recorded / s.writeSeconds,
              recorded / runSeconds, loadSeconds + runSeconds);
  std::printf("write speed vs the baseline bulk insert: %.2f\n", (recorded / s.writeSeconds) / (written / priorSeconds));
  // Closing folds the run's WAL back into the store file (the checkpoint), after the run.
  auto t3 = std::chrono::steady_clock::now();
  store.reset();
  std::printf("closing the store (its WAL folded into the file): %.2f s\n", seconds(t3));
  if (kept) return 0;
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return 0;
}
