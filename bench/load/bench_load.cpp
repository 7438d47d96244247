// bench/load: how fast customers load from CSV and JSON Lines. Generates ROWS customers
// (1,000,000 by default) of the LANGUAGE.md section 11 schema, deterministically, writes them to
// temporary files, loads each, prints seconds and rows per second, and deletes the files.
// Usage: bench_load [ROWS]

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "compiler/driver/compilation.hpp"
#include "runtime/data/customer_table.hpp"

#include "bench/common/example_schema.hpp"

using namespace herald;

namespace {

const char* const kPack = bench::kExampleSchemaPack;

const char* kFirst[] = {"Wei",  "Fang", "Min",   "Jing", "Lei", "Yan",  "Jun", "Hui",  "Tao", "Ling",
                        "Anna", "Omar", "Sofia", "Liam", "Mia", "Noah", "Zoe", "Ivan", "Aya", "Ravi"};
const char* kLast[] = {"Wang", "Li",   "Zhang", "Liu",   "Chen",   "Yang",   "Huang",
                       "Zhao", "Wu",   "Zhou",  "Smith", "Garcia", "Müller", "Rossi",
                       "Kim",  "Sato", "Novak", "Silva", "Khan",   "Dubois"};
const char* kTiers[] = {"A", "B", "C"};
const char* kLifecycles[] = {"prospect", "lead", "opportunity", "customer", "churned"};
const char* kTags[] = {"5g",  "prepaid", "postpaid", "family",    "student", "roaming",
                       "iot", "senior",  "vip",      "broadband", "tv",      "gamer"};

/// A small deterministic generator (xorshift64*), so every run loads the same data.
struct Rng {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ull;
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

/// One customer's values, shared by both formats.
struct Row {
  std::string name, tags, tagsJson;
  int age = -1, cityTier = 1, day = 1, month = 1, year = 2020, hour = 0, minute = 0;
  const char* tier = "A";
  const char* lifecycle = "lead";
  double arpu = 0;
};

void makeRow(Rng& rng, Row& r) {
  r.name = fmt::format("{} {}", kFirst[rng.below(20)], kLast[rng.below(20)]);
  if (rng.below(50) == 0) r.name = fmt::format("{}, \"{}\"", kLast[rng.below(20)], kFirst[rng.below(20)]);
  r.age = rng.below(10) == 0 ? -1 : 16 + static_cast<int>(rng.below(70));
  r.cityTier = 1 + static_cast<int>(rng.below(5));
  r.tier = kTiers[rng.below(3)];
  r.lifecycle = kLifecycles[rng.below(5)];
  r.arpu = static_cast<double>(rng.below(50000)) / 100.0;
  r.tags.clear();
  r.tagsJson = "[";
  size_t count = rng.below(4);
  for (size_t t = 0; t < count; ++t) {
    const char* tag = kTags[rng.below(12)];
    r.tags += (t ? "|" : "") + std::string(tag);
    r.tagsJson += fmt::format("{}\"{}\"", t ? "," : "", tag);
  }
  r.tagsJson += "]";
  r.year = 2015 + static_cast<int>(rng.below(11));
  r.month = 1 + static_cast<int>(rng.below(12));
  r.day = 1 + static_cast<int>(rng.below(28));
  r.hour = static_cast<int>(rng.below(24));
  r.minute = static_cast<int>(rng.below(60));
}

std::string csvQuoted(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string jsonQuoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\\\"") : std::string(1, c);
  return out + "\"";
}

void generate(size_t rows, std::string& csv, std::string& jsonl) {
  Rng rng;
  Row r;
  csv = "id,name,age,city_tier,tier,lifecycle,arpu,tags,signed_up\n";
  jsonl.clear();
  auto csvOut = std::back_inserter(csv);
  auto jsonOut = std::back_inserter(jsonl);
  for (size_t i = 0; i < rows; ++i) {
    makeRow(rng, r);
    std::string age = r.age < 0 ? "" : std::to_string(r.age);
    // Every tenth timestamp carries an explicit offset; the rest are read in the pack's zone.
    std::string at = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:00{}", r.year, r.month, r.day, r.hour,
                                 r.minute, i % 10 == 0 ? "Z" : "");
    fmt::format_to(csvOut, "c{:07},{},{},{},{},{},{:.2f},{},{}\n", i, csvQuoted(r.name), age, r.cityTier,
                   r.tier, r.lifecycle, r.arpu, r.tags, at);
    fmt::format_to(
        jsonOut,
        "{{\"id\":\"c{:07}\",\"name\":{},\"age\":{},\"city_tier\":{},\"tier\":\"{}\",\"lifecycle\":\"{}\","
        "\"arpu\":{:.2f},\"tags\":{},\"signed_up\":\"{}\"}}\n",
        i, jsonQuoted(r.name), r.age < 0 ? "null" : age, r.cityTier, r.tier, r.lifecycle, r.arpu, r.tagsJson,
        at);
  }
}

bool writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  return static_cast<bool>(out);
}

// Loads one file, then the same text from memory; prints the figures; false when a load failed.
bool timeLoad(const char* label, const std::string& path, const std::string& text, bool json, size_t rows,
              const SchemaDecl& schema, const TimeZone& zone) {
  auto start = std::chrono::steady_clock::now();
  LoadResult result = loadCustomers(path, schema, zone);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!result.ok || result.table.rows() != rows) {
    std::fprintf(stderr, "%s: load failed (%zu rows)\n", label, result.table.rows());
    for (const auto& e : result.errors) std::fprintf(stderr, "  %s\n", e.text().c_str());
    return false;
  }
  result = LoadResult();
  start = std::chrono::steady_clock::now();
  result = loadCustomersFromText(path, text, json, schema, zone);
  double parseSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%-10s %zu rows, %.1f MiB: %.3f s, %.0f rows/s (from memory, without reading the file: %.3f s)\n",
      label, rows, text.size() / 1048576.0, seconds, rows / seconds, parseSeconds);
  return result.ok;
}

}  // namespace

int main(int argc, char** argv) {
  size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  auto compilation = Compilation::fromText("bench_load.herald", kPack);
  const SchemaDecl* schema = compilation->sema().syms.customer;
  TimeZone zone;
  if (!compilation->ok() || !schema || !TimeZone::parse("Asia/Shanghai", zone)) {
    std::fprintf(stderr, "bench_load: the schema does not compile\n");
    return 2;
  }
  std::string csv, jsonl;
  generate(rows, csv, jsonl);
  auto dir = std::filesystem::temp_directory_path();
  std::string csvPath = (dir / fmt::format("herald_bench_load_{}.csv", getpid())).string();
  std::string jsonPath = (dir / fmt::format("herald_bench_load_{}.jsonl", getpid())).string();
  bool ok = writeFile(csvPath, csv) && writeFile(jsonPath, jsonl);
  if (ok) {
    std::printf("goal: 1,000,000 customers from CSV in under 3 s\n");
    ok = timeLoad("CSV", csvPath, csv, false, rows, *schema, zone);
    ok = timeLoad("JSON Lines", jsonPath, jsonl, true, rows, *schema, zone) && ok;
  } else {
    std::fprintf(stderr, "bench_load: cannot write the temporary files in %s\n", dir.c_str());
  }
  std::error_code ignored;
  std::filesystem::remove(csvPath, ignored);
  std::filesystem::remove(jsonPath, ignored);
  return ok ? 0 : 1;
}
