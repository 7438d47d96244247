// Tiering: compile a pack on a background thread; the interpreter runs until it is ready.

#include <fmt/format.h>

#include <chrono>

#include "compiler/jit/jit.hpp"

namespace herald {

bool JitTier::parseMode(std::string_view text, Mode& out) {
  if (text == "interp") out = Mode::Interp;
  else if (text == "jit") out = Mode::Jit;
  else if (text == "auto") out = Mode::Auto;
  else return false;
  return true;
}

JitTier::JitTier(Mode mode, std::vector<const IrNode*> roots, JitOptions options)
    : mode_(mode), roots_(std::move(roots)) {
  if (mode_ == Mode::Interp) {
    done_ = true;
    return;
  }
  worker_ = std::thread([this, options = std::move(options)] {
    std::string error;
    if (roots_.size() > kJitBigPack) {
      JitOptions quick = options;
      quick.firstTier = true;
      first_ = JitPack::compile(roots_, quick, error);
      firstDone_.store(first_ != nullptr, std::memory_order_release);
      if (first_ && stopping_.load(std::memory_order_acquire)) {  // the command is done: skip tier two
        done_.store(true, std::memory_order_release);
        return;
      }
    }
    pack_ = JitPack::compile(roots_, options, error);
    if (!pack_ && !first_) error_ = error.empty() ? "the JIT failed" : error;
    done_.store(true, std::memory_order_release);
  });
}

JitTier::~JitTier() {
  stopping_.store(true, std::memory_order_release);
  if (worker_.joinable()) worker_.join();
}

const JitPack* JitTier::wait() {
  if (worker_.joinable()) worker_.join();
  return pack_ ? pack_.get() : first_.get();
}

const JitPack* JitTier::get() {
  if (mode_ == Mode::Interp) return nullptr;
  if (done_.load(std::memory_order_acquire)) return wait();
  if (firstDone_.load(std::memory_order_acquire)) return first_.get();
  if (mode_ == Mode::Auto) return nullptr;
  if (roots_.size() > kJitBigPack)  // Jit mode: the first tier is enough to start with
    while (!firstDone_.load(std::memory_order_acquire) && !done_.load(std::memory_order_acquire))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return firstDone_.load(std::memory_order_acquire) && !done_.load(std::memory_order_acquire) ? first_.get() : wait();
}

size_t JitTier::indexOf(const IrNode* root) const {
  for (size_t i = 0; i < roots_.size(); ++i)
    if (roots_[i] == root) return i;
  return SIZE_MAX;
}

std::vector<std::string> JitTier::report(const std::function<std::string(size_t)>& describe) {
  std::vector<std::string> lines;
  if (mode_ == Mode::Interp) return lines;
  const JitPack* pack = wait();
  if (!pack) {
    lines.push_back(fmt::format("jit: not used: {}", error_));
    return lines;
  }
  size_t compiled = 0;
  for (size_t i = 0; i < pack->size(); ++i) compiled += pack->compiled(i);
  lines.push_back(fmt::format("jit: {} of {} expressions compiled to native code{}", compiled, pack->size(),
                              pack->fromCache() ? " (object code from the cache)" : ""));
  for (size_t i = 0; i < pack->size(); ++i)
    if (!pack->compiled(i)) {
      lines.push_back(fmt::format("jit: {} falls back to the interpreter: {}", describe(i), pack->fallbackReason(i)));
    }
  return lines;
}

}  // namespace herald
