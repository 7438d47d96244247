// Parser fuzz smoke test: random mutations of real packs must never crash or hang the checker.
// Usage: herald_fuzz_check FILE_OR_DIR... ; HERALD_FUZZ_ITERATIONS (default 10000) and
// HERALD_FUZZ_SEED (default fixed) choose how much and which mutations.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "compiler/ast/ast_printer.hpp"
#include "compiler/driver/compilation.hpp"

using namespace herald;

namespace {

const char* const kFragments[] = {
    "{", "}", "(", ")", "[", "]", "\"", "\\", "/*", "*/", "//", "%", "??", "?", ".", ":", ",", "<", ">=", "->",
    "-", "_", "0", "9", "1_000", "5%", "2.5e3", ".5", "5.", "7d", "09:00", "25:99", "2026-02-30", "2026-03-01T09:00",
    "\\u{4E2D}", "\\u{D800}", "r\"", "退订", "\xff", "\xe4\xb8", "\n", " ", "\t", "and", "or", "not", "in",
    "between", "if", "then", "else", "event", "event.", "offer.", "now", "within", "where", "count(", "sum(",
    "contacts(", "campaign", "segment", "let", "const", "policy", "max", "min", "per", "on", "for", "same",
    "activity", "response", "when", "trigger:", "audience:", "channel:", "message:", "{name}", "cron \"",
    "9223372036854775808", "enum(", "set<", "int?", "has(", "matches", "true", "false"};

std::string mutate(std::string text, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  int edits = 1 + static_cast<int>(pick(4));
  for (int k = 0; k < edits; ++k) {
    size_t at = pick(text.size() + 1);
    switch (pick(6)) {
      case 0:  // delete a range
        text.erase(at, 1 + pick(12));
        break;
      case 1:  // insert a fragment
        text.insert(at, kFragments[pick(std::size(kFragments))]);
        break;
      case 2: {  // duplicate a range elsewhere
        size_t from = pick(text.size() + 1), len = pick(40);
        text.insert(at, text.substr(from, len));
        break;
      }
      case 3:  // flip a byte
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(rng());
        break;
      case 4:  // truncate
        text.resize(at);
        break;
      default: {  // swap two lines' worth of text
        size_t from = pick(text.size() + 1), len = pick(80);
        std::string piece = text.substr(from, len);
        text.erase(from, piece.size());
        text.insert(pick(text.size() + 1), piece);
      }
    }
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (auto& e : std::filesystem::directory_iterator(p))
        if (e.path().extension() == ".herald") files.push_back(e.path());
    } else {
      files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      std::string text, error;
      if (!readFile(f.string(), text, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 2;
      }
      seeds.push_back(std::move(text));
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "usage: herald_fuzz_check FILE_OR_DIR...\n");
    return 2;
  }
  long iterations = std::getenv("HERALD_FUZZ_ITERATIONS") ? std::atol(std::getenv("HERALD_FUZZ_ITERATIONS")) : 10000;
  uint64_t seed = std::getenv("HERALD_FUZZ_SEED") ? std::strtoull(std::getenv("HERALD_FUZZ_SEED"), nullptr, 10) : 20261125;
  std::mt19937_64 rng(seed);
  auto start = std::chrono::steady_clock::now();
  double slowest = 0;
  size_t diagnostics = 0;
  for (long i = 0; i < iterations; ++i) {
    std::string text = mutate(seeds[rng() % seeds.size()], rng);
    if (std::getenv("HERALD_FUZZ_DUMP")) {
      if (FILE* f = std::fopen(std::getenv("HERALD_FUZZ_DUMP"), "wb")) {
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    auto c = Compilation::fromText("fuzz.herald", text);
    for (auto& d : c->diags().all()) {
      formatDiagnostic(c->sources(), d, false);
      formatDiagnosticJson(c->sources(), d);
    }
    printAst(c->pack(), &c->sources());
    diagnostics += c->diags().all().size();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    slowest = std::max(slowest, seconds);
    if (seconds > 5.0) {
      std::fprintf(stderr, "mutation %ld (seed %llu) took %.2f s: a hang\n", i, (unsigned long long)seed, seconds);
      std::string dump = "fuzz-slow-" + std::to_string(i) + ".herald";
      if (FILE* f = std::fopen(dump.c_str(), "wb")) {
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
      }
      return 1;
    }
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%ld mutations of %zu packs checked in %.2f s (slowest %.1f ms, %zu diagnostics); no crash, no hang\n",
              iterations, seeds.size(), total, slowest * 1000, diagnostics);
  return 0;
}
