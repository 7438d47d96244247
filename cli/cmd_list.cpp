// `herald list add|remove|show --db S NAME [--channel C] [ID... | --file F] [--json]`: manages
// the store's lists; `dnd` is the do-not-disturb list (without --channel: every channel).

#include <cstdio>
#include <fmt/format.h>
#include <set>

#include "cli/cli_util.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "compiler/driver/compilation.hpp"
#include "runtime/store/store.hpp"

namespace herald::cli {
namespace {

/// The list as people read it: `list dnd (all channels)`, `list dnd (channel sms)`, `list vip`.
std::string listLabel(const std::string& name, const std::string& channel) {
  if (!channel.empty()) return fmt::format("list {} (channel {})", name, channel);
  return name == "dnd" ? "list dnd (all channels)" : "list " + name;
}

/// The ids of a --file: one per line, surrounding blanks dropped, blank lines skipped.
bool readIds(const std::string& path, std::vector<std::string>& out, std::string& error) {
  std::string text;
  if (!readFile(path, text, error)) return false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    size_t b = text.find_first_not_of(" \t\r", start);
    if (b != std::string::npos && b < end) {
      size_t e = text.find_last_not_of(" \t\r", end - 1);
      out.push_back(text.substr(b, e + 1 - b));
    }
    start = end + 1;
  }
  return true;
}

/// "1 was" / "3 were".
std::string count(size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

int show(Store& store, const Options& o, const std::string& name) {
  StoreError err;
  std::vector<ListMember> members = store.listMembers(name, err);
  if (err) {
    std::fprintf(stderr, "herald list: %s\n", err.message.c_str());
    return 2;
  }
  bool byChannel = o.values.count("--channel") > 0;
  std::string channel = o.get("--channel");
  size_t shown = 0;
  for (const ListMember& m : members) {
    if (byChannel && m.channel != channel) continue;
    ++shown;
    std::string line;
    if (o.has("--json"))
      line = fmt::format("{{\"list\":{},\"channel\":{},\"customer\":{}}}", jsonString(m.list),
                         m.channel.empty() ? "null" : jsonString(m.channel), jsonString(m.customer));
    else
      line = byChannel || m.channel.empty() ? m.customer : fmt::format("{} (channel {})", m.customer, m.channel);
    std::puts(line.c_str());
  }
  if (shown == 0 && !o.has("--json")) std::printf("%s has no members\n", listLabel(name, channel).c_str());
  return 0;
}

/// Adds or removes `ids` in one transaction and says how many changed.
int change(Store& store, bool add, const std::string& name, const std::string& channel,
           const std::vector<std::string>& ids) {
  StoreError err;
  store.begin(err);
  std::set<std::string> present;
  if (!err)
    for (ListMember& m : store.listMembers(name, err))
      if (m.channel == channel) present.insert(std::move(m.customer));
  size_t changed = 0, unchanged = 0;
  for (size_t i = 0; i < ids.size() && !err; ++i) {
    ListMember m{name, channel, ids[i]};
    if (add == (present.count(ids[i]) > 0)) {
      ++unchanged;
    } else if (add) {
      store.addListMember(m, err);
      present.insert(ids[i]);
      ++changed;
    } else {
      store.removeListMember(m, err);
      present.erase(ids[i]);
      ++changed;
    }
  }
  if (!err) store.commit(err);
  if (err) {
    store.rollback();
    std::fprintf(stderr, "herald list: %s\n", err.message.c_str());
    return 2;
  }
  std::string label = listLabel(name, channel);
  if (add)
    std::printf("added %zu to %s%s\n", changed, label.c_str(),
                unchanged ? ("; " + count(unchanged, "was", "were") + " already there").c_str() : "");
  else
    std::printf("removed %zu from %s%s\n", changed, label.c_str(),
                unchanged ? ("; " + count(unchanged, "was", "were") + " not there").c_str() : "");
  return 0;
}

}  // namespace

int runList(const Args& args) {
  Options o;
  std::string error;
  if (parseOptions(args, {"--db", "--channel", "--file"}, {"--json"}, o, error)) {
    std::string action = o.positional.empty() ? "" : o.positional[0];
    bool show = action == "show";
    bool hasIds = o.positional.size() > 2 || o.values.count("--file");
    if (action != "add" && action != "remove" && !show)
      error = action.empty() ? "give add, remove or show"
                             : fmt::format("unknown action '{}'; give add, remove or show", action);
    else if (o.positional.size() < 2)
      error = "give the list's NAME (dnd is the do-not-disturb list)";
    else if (!o.values.count("--db"))
      error = "--db STORE is required";
    else if (show && hasIds)
      error = "show takes no customer ids";
    else if (!show && o.has("--json"))
      error = "--json applies to show only";
    else if (!show && !hasIds)
      error = fmt::format("give the customer ids to {}, or --file FILE", action);
    else if (o.positional.size() > 2 && o.values.count("--file"))
      error = "give customer ids or --file, not both";
  }
  if (!error.empty()) {
    std::fprintf(stderr, "herald list: %s\n\n%s", error.c_str(), helpText("list").c_str());
    return 2;
  }
  const std::string& action = o.positional[0];
  const std::string& name = o.positional[1];
  if (name.empty()) {
    std::fputs("herald list: the list's name is empty\n", stderr);
    return 1;
  }
  std::vector<std::string> ids(o.positional.begin() + 2, o.positional.end());
  if (o.values.count("--file") && !readIds(o.get("--file"), ids, error)) {
    std::fprintf(stderr, "herald list: %s\n", error.c_str());
    return 2;
  }
  for (const std::string& id : ids)
    if (id.empty()) {
      std::fputs("herald list: a customer id is empty\n", stderr);
      return 1;
    }
  StoreError err;
  StoreOptions options;
  options.readOnly = action == "show";
  std::unique_ptr<Store> store = openSqliteStore(o.get("--db"), options, err);
  if (!store) {
    std::fprintf(stderr, "herald list: %s\n", err.message.c_str());
    return 2;
  }
  if (action == "show") return show(*store, o, name);
  return change(*store, action == "add", name, o.get("--channel"), ids);
}

}  // namespace herald::cli
