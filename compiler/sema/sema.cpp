#include "compiler/sema/sema.hpp"

namespace herald {

void checkPack(Sema& sema) {
  collectDecls(sema);
  resolveNames(sema);
  checkCycles(sema);
  checkTypes(sema);
  checkRules(sema);
  checkWarnings(sema);
}

void resolveStandaloneExpr(Sema& sema, Expr& e);
void checkStandaloneExprTypes(Sema& sema, Expr& e);

void checkStandaloneExpr(Sema& sema, Expr& e) {
  resolveStandaloneExpr(sema, e);
  checkStandaloneExprTypes(sema, e);
}

}  // namespace herald
