#pragma once
// The customer schema of LANGUAGE.md section 11, shared by the benchmarks that generate
// customers of the example's shape.

namespace herald::bench {

/// A pack holding only the example's header and customer schema.
inline constexpr const char* kExampleSchemaPack = R"(pack bench
timezone "Asia/Shanghai"
customer {
  id: string
  name: string
  age: int?
  city_tier: int
  tier: enum("A","B","C")
  lifecycle: enum("prospect","lead","opportunity","customer","churned")
  arpu: float
  tags: set<string>
  signed_up: timestamp
}
)";

}  // namespace herald::bench
