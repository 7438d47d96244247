// Every diagnostic code is documented in docs/diagnostics.md and exercised by a golden case.

#include <catch2/catch.hpp>

#include <filesystem>

#include "compiler/diag/diagnostic.hpp"
#include "compiler/driver/compilation.hpp"

using namespace herald;

TEST_CASE("every code has a section in docs/diagnostics.md", "[diag]") {
  std::string docs, error;
  REQUIRE(readFile(std::string(HERALD_SOURCE_DIR) + "/docs/diagnostics.md", docs, error));
  for (size_t i = 0; i < diagCodeCount(); ++i) {
    std::string code(diagCodeText(static_cast<DiagCode>(i)));
    INFO(code);
    CHECK(docs.find("## " + code) != std::string::npos);
  }
}

TEST_CASE("every code is produced by some golden check case", "[diag]") {
  std::string all;
  for (auto& entry : std::filesystem::directory_iterator(std::string(HERALD_SOURCE_DIR) + "/tests/golden/check")) {
    if (entry.path().extension() != ".expected") continue;
    std::string text, error;
    REQUIRE(readFile(entry.path().string(), text, error));
    all += text;
  }
  for (size_t i = 0; i < diagCodeCount(); ++i) {
    std::string code(diagCodeText(static_cast<DiagCode>(i)));
    INFO(code);
    bool found = all.find("[" + code + "]") != std::string::npos || all.find("\"" + code + "\"") != std::string::npos;
    CHECK(found);
  }
}
