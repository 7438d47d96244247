// `herald contacts --db S [--run N] [--customer ID] [--campaign C] [--json]`: what the store
// recorded and why — every decision in run order, then decision order.

#include <cmath>
#include <cstdio>
#include <fmt/format.h>

#include "cli/cli_util.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "runtime/store/store.hpp"
#include "stdlib/time.hpp"

namespace herald::cli {
namespace {

/// A JSON number that always reads as a float (`45.0`, `0.05`); null when not finite.
std::string floatJson(double v) {
  if (!std::isfinite(v)) return "null";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

/// A number for the table: `-` when unknown.
std::string floatText(std::optional<double> v) { return v ? fmt::format("{}", *v) : "-"; }

std::string optJson(const std::optional<std::string>& s) { return s ? jsonString(*s) : "null"; }

/// One entry as the JSON line of LANGUAGE.md section 9.
std::string entryJson(const ContactEntry& e) {
  return fmt::format(
      "{{\"run\":{},\"activity\":{},\"campaign\":{},\"customer\":{},\"channel\":{},\"offer\":{},\"status\":{}"
      ","
      "\"reason\":{},\"priority\":{},\"at\":\"{}\",\"deferred_from\":{},\"cost\":{},\"message\":{}}}",
      e.run, e.activity.empty() ? "null" : jsonString(e.activity), jsonString(e.campaign), jsonString(e.customer),
      jsonString(e.channel), optJson(e.offer), jsonString(e.status), optJson(e.reason),
      e.priority ? floatJson(*e.priority) : "null", formatInstantUtc(e.at),
      e.deferredFrom ? "\"" + formatInstantUtc(*e.deferredFrom) + "\"" : "null", floatJson(e.cost), optJson(e.message));
}

/// The entries as an aligned table: numbers right-aligned, text left-aligned.
void printTable(const std::vector<ContactEntry>& entries) {
  const std::vector<std::string> header = {"run",    "campaign", "customer", "channel", "status",
                                           "reason", "priority", "at",       "cost"};
  const std::vector<bool> right = {true, false, false, false, false, false, true, false, true};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(entries.size());
  for (const ContactEntry& e : entries)
    rows.push_back({std::to_string(e.run), e.campaign, e.customer, e.channel, e.status, e.reason.value_or("-"),
                    floatText(e.priority), formatInstantUtc(e.at), fmt::format("{}", e.cost)});
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) line += "  ";
      std::string pad(width[i] - row[i].size(), ' ');
      line += right[i] ? pad + row[i] : (i + 1 == row.size() ? row[i] : row[i] + pad);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::puts(line.c_str());
  };
  print(header);
  for (const auto& row : rows) print(row);
}

}  // namespace

int runContacts(const Args& args) {
  Options o;
  std::string error;
  if (parseOptions(args, {"--db", "--run", "--customer", "--campaign"}, {"--json"}, o, error)) {
    if (!o.positional.empty())
      error = fmt::format("unexpected argument '{}'", o.positional[0]);
    else if (!o.values.count("--db"))
      error = "--db STORE is required";
  }
  if (!error.empty()) {
    std::fprintf(stderr, "herald contacts: %s\n\n%s", error.c_str(), helpText("contacts").c_str());
    return 2;
  }
  int64_t run = 0;
  if (o.values.count("--run")) {
    std::string text = o.get("--run");
    size_t used = 0;
    try {
      run = std::stoll(text, &used);
    } catch (...) {
      used = 0;
    }
    if (used != text.size() || text.empty() || run < 1) {
      std::fprintf(stderr, "herald contacts: --run needs a run number (1, 2, ...), not '%s'\n", text.c_str());
      return 2;
    }
  }
  StoreError err;
  StoreOptions options;
  options.readOnly = true;
  std::unique_ptr<Store> store = openSqliteStore(o.get("--db"), options, err);
  std::vector<ContactEntry> entries;
  if (store) entries = store->contacts(run, o.get("--customer"), o.get("--campaign"), err);
  if (err) {
    std::fprintf(stderr, "herald contacts: %s\n", err.message.c_str());
    return 2;
  }
  if (o.has("--json")) {
    for (const ContactEntry& e : entries) {
      std::string line = entryJson(e) + '\n';
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
  } else if (entries.empty()) {
    bool filtered = run != 0 || o.values.count("--customer") || o.values.count("--campaign");
    std::puts(filtered ? "no contacts match" : "no contacts recorded");
  } else {
    printTable(entries);
  }
  return 0;
}

}  // namespace herald::cli
