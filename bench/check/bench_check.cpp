// bench/check: how fast the front end checks a large generated pack (1,000 campaigns and
// 1,000 segments by default), compared with the example pack in the same process.
// Usage: bench_check [CAMPAIGNS] [SEGMENTS]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "compiler/driver/compilation.hpp"

using namespace herald;

namespace {

std::string generatePack(int campaigns, int segments) {
  std::string s = R"(pack generated
timezone "Asia/Shanghai"
customer {
  id: string
  name: string
  age: int?
  city: string
  city_tier: int
  tier: enum("A","B","C")
  lifecycle: enum("prospect","lead","opportunity","customer","churned")
  arpu: float
  tags: set<string>
  signed_up: timestamp
  last_purchase: timestamp?
}
event recharge { amount: float, channel: string }
channel sms { cost: 0.05, quiet: 21:00 to 08:00 }
offer data_5g { value: 30.0, price: 19.9 }
policy default {
  max 3 contacts per 90d
  min 2d between contacts
}
)";
  static const char* kShapes[] = {
      "age between {} and {} and city_tier <= {}",
      "tier in [\"A\", \"B\"] and arpu >= {}.5 and not (\"tag{}\" in tags) and city_tier != {}",
      "(age ?? 0) >= {} or days_since(signed_up) > {} and lifecycle == \"customer\" and len(name) > {}",
      "sum(recharge.amount within {}d) >= {} and city starts_with \"C{}\"",
  };
  for (int i = 0; i < segments; ++i) {
    std::string body = fmt::format(fmt::runtime(kShapes[i % 4]), 18 + i % 20, 30 + i % 40, 1 + i % 3);
    if (i >= 2) body += fmt::format(" or seg{}", i / 2);  // segments build on earlier ones
    s += fmt::format("segment seg{} = {}\n", i, body);
  }
  for (int i = 0; i < campaigns; ++i) {
    s += fmt::format(
        "campaign camp{} {{\n  channel: sms\n  offer: data_5g\n  audience: seg{} and lifecycle == \"customer\"\n"
        "  priority: offer.value * {}.0 + (if tier == \"A\" then 10 else 0)\n  limit: {} per run\n"
        "  control: 5%\n  message: \"{{name}}, offer {} for {{offer.price}}\"\n}}\n",
        i, i % segments, 1 + i % 7, 1000 + i, i);
  }
  s += "activity all_of_them {\n  campaigns: ";
  for (int i = 0; i < campaigns; ++i) s += fmt::format("{}camp{}", i ? ", " : "", i);
  s += "\n  schedule: daily at 09:00\n}\n";
  return s;
}

double checkSeconds(const std::string& text, int repeats, size_t& diagnostics) {
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repeats; ++r) {
    auto c = Compilation::fromText("bench.herald", text);
    diagnostics = c->diags().all().size();
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;
}

}  // namespace

int main(int argc, char** argv) {
  int campaigns = argc > 1 ? std::atoi(argv[1]) : 1000;
  int segments = argc > 2 ? std::atoi(argv[2]) : 1000;
  std::string big = generatePack(campaigns, segments);
  std::string example, error;
  if (!readFile(std::string(HERALD_SOURCE_DIR) + "/examples/telecom/spring.herald", example, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  size_t bigDiags = 0, exampleDiags = 0;
  checkSeconds(example, 3, exampleDiags);  // warm up
  double exampleTime = checkSeconds(example, 20, exampleDiags);
  double bigTime = checkSeconds(big, 3, bigDiags);
  int rules = campaigns + segments;
  std::printf("example pack (section 11): %.2f ms per check, %zu diagnostics\n", exampleTime * 1000, exampleDiags);
  std::printf("generated pack: %d campaigns + %d segments, %zu KiB, %zu diagnostics\n", campaigns, segments,
              big.size() / 1024, bigDiags);
  std::printf("  check time %.3f s, %.0f rules/s (goal: under 1 s)\n", bigTime, rules / bigTime);
  // The example pack has 4 rules (2 segments, 2 campaigns): the ratio shows how checking scales.
  std::printf("  per rule %.1f us vs example pack per rule %.1f us (ratio %.2f)\n", bigTime / rules * 1e6,
              exampleTime / 4 * 1e6, (bigTime / rules) / (exampleTime / 4));
  return bigDiags == 0 ? 0 : 1;
}
