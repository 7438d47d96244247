// A build without LLVM (-DHERALD_JIT=OFF): the JIT never compiles, so every engine interprets.

#include "compiler/jit/jit.hpp"
#include "compiler/jit/jit_abi.hpp"

namespace llvm::orc {
class LLJIT {};  // never made in this build
}  // namespace llvm::orc

namespace herald {

JitPack::Impl::Impl() = default;
JitPack::Impl::~Impl() = default;

std::unique_ptr<JitPack> JitPack::compile(const std::vector<const IrNode*>&, const JitOptions&, std::string& error) {
  error = "this herald was built without the JIT (HERALD_JIT=OFF)";
  return nullptr;
}

}  // namespace herald
