// Pass 3: finds cycles among consts, lets and segments, and names each cycle once.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compiler/sema/sema.hpp"

namespace herald {
namespace {

class CycleFinder {
 public:
  explicit CycleFinder(Sema& sema) : s_(sema), n_(sema.syms.values.list.size()), edges_(n_), state_(n_, 0) {
    for (size_t i = 0; i < n_; ++i)
      walkExpr(sema.syms.values.list[i]->value.get(), [&](Expr* e) {
        if (e->kind == ExprKind::Name &&
            (e->ref == RefKind::Const || e->ref == RefKind::Let || e->ref == RefKind::Segment))
          edges_[i].push_back(e->refIndex);
      });
  }

  void run() {
    for (size_t i = 0; i < n_; ++i)
      if (state_[i] == 0) visit(static_cast<int>(i));
  }

 private:
  void visit(int v) {
    state_[v] = 1;
    stack_.push_back(v);
    for (int w : edges_[v]) {
      if (state_[w] == 1) report(w);
      else if (state_[w] == 0) visit(w);
    }
    stack_.pop_back();
    state_[v] = 2;
  }

  void report(int start) {
    auto it = std::find(stack_.begin(), stack_.end(), start);
    std::vector<int> cycle(it, stack_.end());
    std::set<int> key(cycle.begin(), cycle.end());
    if (!reported_.insert(key).second) return;
    // Start the message at the declaration written first, so it reads the same however found.
    auto first = std::min_element(cycle.begin(), cycle.end(), [&](int a, int b) {
      return s_.syms.values.list[a]->name.span.offset < s_.syms.values.list[b]->name.span.offset;
    });
    std::rotate(cycle.begin(), first, cycle.end());
    std::string path;
    for (int v : cycle) path += s_.syms.values.list[v]->name.name + " -> ";
    path += s_.syms.values.list[cycle[0]]->name.name;
    const Decl& at = *s_.syms.values.list[cycle[0]];
    s_.diags.report(DiagCode::Cycle, at.name.span,
                    cycle.size() == 1 ? fmt::format("'{}' is defined in terms of itself", at.name.name)
                                      : fmt::format("cycle among named values: {}", path));
  }

  Sema& s_;
  size_t n_;
  std::vector<std::vector<int>> edges_;
  std::vector<int> state_;
  std::vector<int> stack_;
  std::set<std::set<int>> reported_;
};

}  // namespace

void checkCycles(Sema& sema) { CycleFinder(sema).run(); }

}  // namespace herald
