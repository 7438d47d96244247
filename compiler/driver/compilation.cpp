#include "compiler/driver/compilation.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "compiler/parse/parser.hpp"

namespace herald {

bool readFile(const std::string& path, std::string& out, std::string& error) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    error = path + ": is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

std::unique_ptr<Compilation> Compilation::fromText(std::string name, std::string text) {
  std::unique_ptr<Compilation> c(new Compilation());
  uint32_t file = c->sources_.add(std::move(name), std::move(text));
  c->pack_ = parsePack(c->sources_, file, c->diags_);
  c->sema_ = std::make_unique<Sema>(c->sources_, c->diags_, *c->pack_);
  checkPack(*c->sema_);
  c->diags_.sort();
  return c;
}

const Expr* Compilation::checkExpression(std::string name, std::string text) {
  uint32_t file = sources_.add(std::move(name), std::move(text));
  size_t before = diags_.errorCount();
  ExprPtr e = parseExpression(sources_, file, diags_);
  if (diags_.errorCount() == before) checkStandaloneExpr(*sema_, *e);
  diags_.sort();
  if (diags_.errorCount() > before) return nullptr;
  extraExprs_.push_back(std::move(e));
  return extraExprs_.back().get();
}

std::unique_ptr<Compilation> Compilation::fromFile(const std::string& path, std::string& error) {
  std::string text;
  if (!readFile(path, text, error)) return nullptr;
  return fromText(path, std::move(text));
}

}  // namespace herald
