// The JIT: plans which expressions get native code, generates one LLVM module for all of them
// (a per-customer function r<i> and a batch kernel k<i> per expression), optimises it at O2,
// emits object code (or takes it from the cache) and links it with ORC LLJIT.
//
// Code generation mirrors compiler/interp/interpreter.cpp clause by clause. Every value is a
// tuple (state, int, float, error code, set items, set length) computed without branches: both
// sides of `if` and `??` are computed and one is selected (they are pure), divisions and
// host calls get safe operands when theirs are unknown, so a block loop is one basic block
// that LLVM can unroll and vectorise.

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Analysis/InstSimplifyFolder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <cstddef>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "compiler/jit/jit.hpp"
#include "compiler/jit/jit_abi.hpp"
#include "compiler/sema/sema.hpp"

namespace herald {

JitPack::Impl::Impl() = default;
JitPack::Impl::~Impl() = default;

namespace {

// ------------------------------------------------------------------------------------ planning

bool sameMembers(const Type& a, const Type& b) {
  return a.members && b.members && (a.members == b.members || *a.members == *b.members);
}

int memberIndex(const Type& enumType, const std::string& text) {
  if (!enumType.members) return -1;
  auto it = std::find(enumType.members->begin(), enumType.members->end(), text);
  return it == enumType.members->end() ? -1 : static_cast<int>(it - enumType.members->begin());
}

/// Whether an arm of `if`/`??` can be given as a value of the result's kind.
bool armFits(const IrNode* arm, const Type& result) {
  if (arm->kind == IrKind::Const && arm->value.unknown()) return true;
  if (result.kind == TypeKind::Enum) {
    if (arm->type.kind == TypeKind::Enum) return sameMembers(arm->type, result);
    return arm->kind == IrKind::Const && arm->type.kind == TypeKind::String && memberIndex(result, arm->value.text) >= 0;
  }
  if (result.kind == TypeKind::String && arm->type.kind == TypeKind::Enum) return arm->type.members != nullptr;
  return arm->type.kind == result.kind;
}

/// Decides, node by node, what the JIT can compile, and numbers what the host must know about
/// (string constants, regular expressions, aggregates).
class Planner {
 public:
  explicit Planner(JitPlan& plan) : plan_(plan) { stringIndex(""); }

  std::string check(const IrNode* n) {
    auto it = why_.find(n);
    if (it != why_.end()) return it->second;
    std::string reason = checkNode(n);
    why_[n] = reason;
    return reason;
  }

  int stringIndex(const std::string& s) {
    auto [it, added] = strings_.emplace(s, static_cast<int>(plan_.strings.size()));
    if (added) plan_.strings.push_back(s);
    return it->second;
  }
  /// The index of a string constant check() registered (safe to call from several threads).
  int stringIndexOf(const std::string& s) const { return strings_.at(s); }
  int regexIndex(const IrNode* n) const { return regexes_.at(n); }
  /// The table that answers call `n`, or -1.
  const JitTable& table(int t) const { return plan_.tables[t]; }
  int tableIndex(const IrNode* n) const {
    auto it = tables_.find(n);
    return it == tables_.end() ? -1 : it->second;
  }
  int aggregateIndex(const IrNode* n) const { return aggregates_.at(n); }

 private:
  static bool isText(const IrNode* a) { return a->type.kind == TypeKind::String; }

  void addTable(const IrNode* n, JitTable table) {
    if (tables_.emplace(n, static_cast<int>(plan_.tables.size())).second) plan_.tables.push_back(table);
  }
  /// A text test of a string column against a constant: answered per dictionary id.
  void textTest(const IrNode* n) {
    const IrNode *a = n->args[0], *b = n->args.size() > 1 ? n->args[1] : nullptr;
    auto constant = [](const IrNode* x) { return x && x->kind == IrKind::Const && x->value.known(); };
    if (a->kind == IrKind::Field && (n->fn == Fn::Matches || constant(b)))
      addTable(n, JitTable{JitTable::Kind::TextTest, a->index, n->fn == Fn::Matches ? -1 : stringIndex(b->value.text),
                           n, true});
    else if (b && b->kind == IrKind::Field && constant(a) && n->fn >= Fn::Lt && n->fn <= Fn::Ge)
      addTable(n, JitTable{JitTable::Kind::TextTest, b->index, stringIndex(a->value.text), n, false});
  }

  std::string checkNode(const IrNode* n) {
    for (const IrNode* a : n->args)
      if (std::string r = check(a); !r.empty()) return r;
    switch (n->kind) {
      case IrKind::Const:
        if (!n->value.known()) return "";
        if (n->value.kind == TypeKind::Set) return "a set constant";
        if (n->value.kind == TypeKind::String) stringIndex(n->value.text);
        if (n->value.kind == TypeKind::Enum && memberIndex(n->type, n->value.text) < 0) return "an enum constant";
        return "";
      case IrKind::Field:
      case IrKind::Now:
      case IrKind::Not:
      case IrKind::And:
      case IrKind::Or: return "";
      case IrKind::EventField: return "reads the current event";
      case IrKind::If:
      case IrKind::Coalesce:
        for (size_t k = n->kind == IrKind::If ? 1 : 0; k < n->args.size(); ++k)
          if (!armFits(n->args[k], n->type)) return "`if`/`??` arms of different kinds";
        for (const IrNode* a : n->args) {
          if (n->type.kind == TypeKind::Enum && a->kind == IrKind::Const && a->type.kind == TypeKind::String &&
              a->value.known())
            stringIndex(a->value.text);
          if (n->type.kind == TypeKind::String && a->type.kind == TypeKind::Enum && a->type.members)
            for (const std::string& m : *a->type.members) stringIndex(m);  // the enum's text, as a string
        }
        return "";
      case IrKind::Aggregate:
        if (n->type.kind == TypeKind::Enum || n->type.kind == TypeKind::Set) return "an aggregate of an enum";
        if (aggregates_.emplace(n, static_cast<int>(plan_.aggregates.size())).second) plan_.aggregates.push_back(n);
        return "";
      case IrKind::Call: break;
    }
    Fn fn = n->fn;
    auto textArgs = [&](size_t count) {
      for (size_t k = 0; k < count && k < n->args.size(); ++k)
        if (!isText(n->args[k])) return false;
      return true;
    };
    if (fn == Fn::Matches) {
      if (!n->regex || !textArgs(1)) return "`matches` with a computed pattern";
      if (regexes_.emplace(n, static_cast<int>(plan_.regexes.size())).second) plan_.regexes.push_back(n);
      textTest(n);
      return "";
    }
    if (fn >= Fn::Eq && fn <= Fn::Ge) {
      const Type &a = n->args[0]->type, &b = n->args[1]->type;
      if ((a.kind == TypeKind::Enum) != (b.kind == TypeKind::Enum)) return "compares an enum with a string";
      if (a.kind == TypeKind::Enum && !sameMembers(a, b)) return "compares enums of different members";
      if (a.kind == TypeKind::Enum && fn != Fn::Eq && fn != Fn::Ne) return "orders enums";
      if (a.kind == TypeKind::Set || b.kind == TypeKind::Set) return "compares sets";
      if (a.kind == TypeKind::String && fn != Fn::Eq && fn != Fn::Ne) textTest(n);
      return "";
    }
    if (fn == Fn::InItems) {
      const Type& x = n->args[0]->type;
      for (size_t k = 1; k < n->args.size(); ++k) {
        const Type& item = n->args[k]->type;
        if (n->args[k]->kind == IrKind::Const && n->args[k]->value.unknown()) continue;
        if ((x.kind == TypeKind::Enum) != (item.kind == TypeKind::Enum)) return "an enum `in` a list of strings";
        if (x.kind == TypeKind::Enum && !sameMembers(x, item)) return "an enum `in` a list of other members";
        if (x.kind != item.kind) return "`in` a list of another kind";
      }
      return "";
    }
    if (fn == Fn::InSet) {
      if (!textArgs(1)) return "an enum `in` a set";
      const IrNode *needle = n->args[0], *set = n->args[1];
      if (needle->kind == IrKind::Const && needle->value.known() && set->kind == IrKind::Field)
        addTable(n, JitTable{JitTable::Kind::RowHasString, set->index, stringIndex(needle->value.text), n, true});
      return "";
    }
    if (fn == Fn::Contains || fn == Fn::StartsWith || fn == Fn::EndsWith) {
      if (!textArgs(2)) return "a text test on an enum";
      textTest(n);
      return "";
    }
    if (fn == builtinFn(Builtin::Len) && n->args[0]->type.kind != TypeKind::Set && !textArgs(1))
      return "`len` of an enum";
    if ((fn == builtinFn(Builtin::InList) || fn == builtinFn(Builtin::Bucket)) && !textArgs(1))
      return fmt::format("`{}` of an enum", fnName(fn));
    return "";
  }

  JitPlan& plan_;
  std::unordered_map<const IrNode*, std::string> why_;
  std::unordered_map<std::string, int> strings_;
  std::unordered_map<const IrNode*, int> regexes_, aggregates_, tables_;
};

// ------------------------------------------------------------------------------------ the key

/// A canonical text of the roots' IR: everything code generation reads.
std::string serialize(const std::vector<const IrNode*>& roots) {
  std::unordered_map<const IrNode*, size_t> ids;
  std::string out;
  std::function<size_t(const IrNode*)> visit = [&](const IrNode* n) -> size_t {
    if (auto it = ids.find(n); it != ids.end()) return it->second;
    std::vector<size_t> args;
    for (const IrNode* a : n->args) args.push_back(visit(a));
    size_t id = ids.size();
    ids[n] = id;
    const Value& v = n->value;
    uint64_t realBits;
    std::memcpy(&realBits, &v.real, sizeof realBits);
    out += fmt::format("{}:k{} t{}{} f{} i{} s{} v{}/{}/{}/{}/{}/{:x}:{}", id, int(n->kind), int(n->type.kind),
                       n->type.optional ? "?" : "", int(n->fn), n->index, n->eventType, int(v.state), int(v.kind),
                       int(v.boolean), v.integer, v.text.size(), realBits, v.text);
    if (n->type.members)
      for (const std::string& m : *n->type.members) out += fmt::format(" m{}:{}", m.size(), m);
    if (n->regex) out += fmt::format(" re{}:{}", n->regex->pattern().size(), n->regex->pattern());
    if (n->kind == IrKind::Aggregate) out += fmt::format(" agg{}", int(n->agg));
    for (size_t a : args) out += fmt::format(" a{}", a);
    out += '\n';
    return id;
  };
  for (const IrNode* r : roots) out += fmt::format("root {}\n", visit(r));
  return out;
}

uint64_t fnv1a(std::string_view s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// ------------------------------------------------------------------------------------ codegen

/// A value in generated code (see the file comment).
struct CV {
  llvm::Value *st, *i, *f, *err, *sp, *sl;
};

class Codegen {
 public:
  Codegen(llvm::LLVMContext& ctx, llvm::Module& m, const Planner& planner)
      : ctx_(ctx), m_(m), b_(ctx, llvm::InstSimplifyFolder(m.getDataLayout())), planner_(planner) {
    i1_ = b_.getInt1Ty();
    i8_ = b_.getInt8Ty();
    i32_ = b_.getInt32Ty();
    i64_ = b_.getInt64Ty();
    f64_ = b_.getDoubleTy();
    ptr_ = b_.getPtrTy();
  }

  /// uint8_t r<i>(const JitFrame*, uint64_t row, JitOut*): the state; the value into JitOut.
  void rowFunction(const IrNode* root, const std::string& name) {
    auto* type = llvm::FunctionType::get(i8_, {ptr_, i64_, ptr_}, false);
    llvm::Function* fn = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, m_);
    fn->addParamAttr(2, llvm::Attribute::NoAlias);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
    b_.SetInsertPoint(entry);
    begin(fn->getArg(0), fn->getArg(1), b_.saveIP());
    CV v = gen(root);
    llvm::Value* out = fn->getArg(2);
    llvm::Value* failed = stIs(v, 2);
    b_.CreateStore(b_.CreateSelect(failed, v.err, v.i), out);
    b_.CreateStore(v.f, b_.CreateConstInBoundsGEP1_64(i8_, out, 8));
    b_.CreateRet(v.st);
  }

  /// void k<i>(const JitFrame*, uint64_t begin, uint64_t end, uint64_t* truth, uint64_t* unknown):
  /// the rows' states as two bitmaps (JitKernelFn). The rows' loop, k<i>.bytes (byteKernel,
  /// JitByteKernelFn), writes a state byte per row into a block on the stack, which pack() turns
  /// into the bitmaps, 64 rows at a time with vector compares.
  void kernel(const IrNode* root, const std::string& name, bool versions) {
    // Its own function (not inlined, so not optimised twice), which evaluate() and value() call
    // for states as bytes.
    llvm::Function* bytes = byteKernel(root, name + ".bytes", versions);
    bytes->addFnAttr(llvm::Attribute::NoInline);
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr_, i64_, i64_, ptr_, ptr_}, false);
    llvm::Function* fn = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, m_);
    fn->addParamAttr(3, llvm::Attribute::NoAlias);
    fn->addParamAttr(4, llvm::Attribute::NoAlias);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
    llvm::AllocaInst* block = b_.CreateAlloca(llvm::ArrayType::get(i8_, BatchEvaluator::kBlock));
    block->setAlignment(llvm::Align(64));
    llvm::Value *first = fn->getArg(1), *last = fn->getArg(2);
    b_.CreateCall(bytes, {fn->getArg(0), first, last, block});
    b_.CreateCall(pack(), {block, b_.CreateSub(last, first), fn->getArg(3), fn->getArg(4)});
    b_.CreateRetVoid();
  }

 private:
  /// void herald.pack(const uint8_t* states, uint64_t n, uint64_t* truth, uint64_t* unknown): the
  /// bitmaps of n states (n <= kBlock, the block 64-byte aligned): bit k of truth is bit 0 of
  /// state k, of unknown its bit 1 (so an error, 3, sets both); bits past n are 0.
  llvm::Function* pack() {
    if (llvm::Function* f = m_.getFunction("herald.pack")) return f;
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr_, i64_, ptr_, ptr_}, false);
    llvm::Function* fn = llvm::Function::Create(type, llvm::Function::InternalLinkage, "herald.pack", m_);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    fn->addFnAttr(llvm::Attribute::NoInline);  // one copy for all kernels
    for (unsigned a : {0u, 2u, 3u}) fn->addParamAttr(a, llvm::Attribute::NoAlias);
    llvm::IRBuilder<> b(ctx_);
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
    auto* loop = llvm::BasicBlock::Create(ctx_, "word", fn);
    auto* done = llvm::BasicBlock::Create(ctx_, "done", fn);
    llvm::Value *states = fn->getArg(0), *n = fn->getArg(1);
    b.SetInsertPoint(entry);
    llvm::Value* words = b.CreateLShr(b.CreateAdd(n, b.getInt64(63)), 6);
    b.CreateCondBr(b.CreateICmpEQ(words, b.getInt64(0)), done, loop);
    b.SetInsertPoint(loop);
    llvm::PHINode* w = b.CreatePHI(i64_, 2, "w");
    w->addIncoming(b.getInt64(0), entry);
    auto* v64 = llvm::FixedVectorType::get(i8_, 64);
    // Bytes past n are not states (they may be unwritten): frozen, then masked off.
    llvm::Value* v = b.CreateFreeze(b.CreateAlignedLoad(v64, b.CreateInBoundsGEP(i8_, states, b.CreateShl(w, 6)),
                                                        llvm::Align(64)));
    llvm::Value* rest = b.CreateSub(n, b.CreateShl(w, 6));
    llvm::Value* inWord = b.CreateSelect(b.CreateICmpULT(rest, b.getInt64(64)), rest, b.getInt64(64));
    llvm::Value* mask = b.CreateLShr(b.getInt64(~uint64_t(0)), b.CreateSub(b.getInt64(64), inWord));
    for (auto [bit, out] : {std::pair{1, fn->getArg(2)}, std::pair{2, fn->getArg(3)}}) {
      llvm::Value* set = b.CreateICmpNE(b.CreateAnd(v, llvm::ConstantInt::get(v64, bit)),
                                        llvm::ConstantAggregateZero::get(v64));
      llvm::Value* bits = b.CreateAnd(b.CreateBitCast(set, i64_), mask);
      b.CreateStore(bits, b.CreateInBoundsGEP(i64_, out, w));
    }
    llvm::Value* following = b.CreateAdd(w, b.getInt64(1));
    w->addIncoming(following, loop);
    b.CreateCondBr(b.CreateICmpEQ(following, words), done, loop);
    b.SetInsertPoint(done);
    b.CreateRetVoid();
    return fn;
  }

  /// The rows' loop of a kernel, writing one state byte per row: 1 true, 0 false, 2 unknown,
  /// 3 error. Its loop is kernelLoop's. With `versions`, a kernel that calls no host function and
  /// whose int columns may all be bytes in a binding (JitColumn::narrow) gets two loops, chosen
  /// once per call: one reads the bytes (an eighth of the memory, and compares a vector
  /// instruction can make 32 at a time), the other the 64-bit values.
  llvm::Function* byteKernel(const IrNode* root, const std::string& name, bool versions) {
    intColumns_.clear();
    narrowable_ = true;
    callsHost_ = false;
    llvm::Function* wide = kernelLoop(root, name);
    if (!versions || intColumns_.empty() || !narrowable_ || callsHost_) return wide;
    wide->setName(name + ".wide");
    wide->setLinkage(llvm::Function::InternalLinkage);
    narrow_ = true;
    llvm::Function* narrow = kernelLoop(root, name + ".narrow");
    narrow_ = false;
    narrow->setLinkage(llvm::Function::InternalLinkage);

    llvm::Function* fn = llvm::Function::Create(wide->getFunctionType(), llvm::Function::ExternalLinkage, name, m_);
    fn->addParamAttr(3, llvm::Attribute::NoAlias);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
    llvm::Value* columns = b_.CreateLoad(ptr_, fn->getArg(0));
    llvm::Value* allBytes = b_.getTrue();
    for (int c : intColumns_) {
      llvm::Value* bytes = b_.CreateLoad(ptr_, b_.CreateConstInBoundsGEP1_64(i8_, columns, c * kJitColumnBytes + offsetof(JitColumn, narrow)));
      allBytes = b_.CreateAnd(allBytes, b_.CreateIsNotNull(bytes));
    }
    auto* narrowBlock = llvm::BasicBlock::Create(ctx_, "bytes", fn);
    auto* wideBlock = llvm::BasicBlock::Create(ctx_, "words", fn);
    b_.CreateCondBr(allBytes, narrowBlock, wideBlock);
    llvm::SmallVector<llvm::Value*, 4> args;
    for (llvm::Argument& a : fn->args()) args.push_back(&a);
    for (auto [block, callee] : {std::pair{narrowBlock, narrow}, std::pair{wideBlock, wide}}) {
      b_.SetInsertPoint(block);
      b_.CreateCall(callee, args);
      b_.CreateRetVoid();
    }
    return fn;
  }

  /// The loop of a kernel over rows [first, last) as function `name`: one loop over the rows
  /// when the expression reads no validity bitmap (it vectorises whole), else rows within a loop
  /// over the bitmaps' 64-bit words (each word read once).
  llvm::Function* kernelLoop(const IrNode* root, const std::string& name) {
    readValidity_ = false;
    llvm::Function* flat = kernelLoop(root, name, false);
    if (!readValidity_) return flat;
    flat->eraseFromParent();
    return kernelLoop(root, name, true);
  }
  llvm::Function* kernelLoop(const IrNode* root, const std::string& name, bool words) {
    auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr_, i64_, i64_, ptr_}, false);
    llvm::Function* fn = llvm::Function::Create(type, llvm::Function::ExternalLinkage, name, m_);
    fn->addParamAttr(3, llvm::Attribute::NoAlias);
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    llvm::Value *frame = fn->getArg(0), *first = fn->getArg(1), *last = fn->getArg(2), *out = fn->getArg(3);
    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
    auto* outer = words ? llvm::BasicBlock::Create(ctx_, "word", fn) : nullptr;
    auto* inner = llvm::BasicBlock::Create(ctx_, "row", fn);
    auto* next = words ? llvm::BasicBlock::Create(ctx_, "next_word", fn) : nullptr;
    auto* done = llvm::BasicBlock::Create(ctx_, "done", fn);
    b_.SetInsertPoint(entry);
    llvm::Value* firstWord = words ? b_.CreateLShr(first, 6) : nullptr;
    llvm::BranchInst* enter = b_.CreateCondBr(b_.CreateICmpUGE(first, last), done, words ? outer : inner);

    // The rows [lo, hi) of one pass of the row loop: all of them, or those of one bitmap word.
    llvm::Value *lo = first, *hi = last, *top = nullptr;
    llvm::PHINode* word = nullptr;
    if (words) {
      b_.SetInsertPoint(outer);
      word = b_.CreatePHI(i64_, 2, "w");
      word->addIncoming(firstWord, entry);
      llvm::Value* base = b_.CreateShl(word, 6);
      lo = b_.CreateSelect(b_.CreateICmpUGT(first, base), first, base);
      top = b_.CreateAdd(base, i64c(64));
      hi = b_.CreateSelect(b_.CreateICmpULT(last, top), last, top);
      llvm::BranchInst* toRows = b_.CreateBr(inner);
      wordIP_ = llvm::IRBuilderBase::InsertPoint(outer, toRows->getIterator());
    }

    b_.SetInsertPoint(inner);
    llvm::PHINode* row = b_.CreatePHI(i64_, 2, "r");
    row->addIncoming(lo, words ? outer : entry);
    begin(frame, row, llvm::IRBuilderBase::InsertPoint(entry, enter->getIterator()));
    word_ = word;
    CV v = gen(root);
    // 1 true, 0 false, 2 unknown, 3 error.
    llvm::Value* state = b_.CreateSelect(stIs(v, 0), b_.CreateTrunc(b_.CreateAnd(v.i, 1), i8_),
                                         b_.CreateAdd(v.st, st(1)));
    b_.CreateStore(state, b_.CreateInBoundsGEP(i8_, out, b_.CreateSub(row, first)));
    llvm::Value* following = b_.CreateAdd(row, i64c(1));
    row->addIncoming(following, b_.GetInsertBlock());
    b_.CreateCondBr(b_.CreateICmpEQ(following, hi), words ? next : done, inner);

    if (words) {
      b_.SetInsertPoint(next);
      word->addIncoming(b_.CreateAdd(word, i64c(1)), next);
      b_.CreateCondBr(b_.CreateICmpUGE(top, last), done, outer);
    }
    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
    word_ = nullptr;
    return fn;
  }

  // Per function: the frame, the row, where loop-invariant loads go, and what was generated.
  void begin(llvm::Value* frame, llvm::Value* row, llvm::IRBuilderBase::InsertPoint pre) {
    aggOut_ = nullptr;
    frame_ = frame;
    row_ = row;
    pre_ = pre;
    memo_.clear();
    invariant_.clear();
  }

  /// A load made once per function under `key`, placed at `where` (which moves past it):
  /// from `base` + `offset` bytes, or from element `index` of an array of i64 at `base`.
  llvm::Value* hoistedLoad(llvm::IRBuilderBase::InsertPoint& where, const std::string& key, llvm::Type* type,
                           llvm::Value* base, int64_t offset, llvm::Value* index = nullptr) {
    auto it = invariant_.find(key);
    if (it != invariant_.end()) return it->second;
    llvm::IRBuilder<> at(ctx_);
    at.restoreIP(where);
    llvm::Value* address = index ? at.CreateInBoundsGEP(i64_, base, index) : at.CreateConstInBoundsGEP1_64(i8_, base, offset);
    llvm::Value* v = at.CreateLoad(type, address);
    where = at.saveIP();
    invariant_[key] = v;
    return v;
  }
  /// A load placed where it runs once per call (before the loops in kernels).
  llvm::Value* invariantLoad(llvm::Type* type, llvm::Value* base, int64_t offset, const std::string& key) {
    return hoistedLoad(pre_, key, type, base, offset);
  }
  /// The validity word of column c holding the current row: in kernels, loaded once per word.
  llvm::Value* validWord(int c) {
    readValidity_ = true;
    if (!word_) return b_.CreateLoad(i64_, b_.CreateInBoundsGEP(i64_, column(c, 0), b_.CreateLShr(row_, 6)));
    llvm::Value* bitmap = column(c, 0);
    return hoistedLoad(wordIP_, fmt::format("w{}", c), i64_, bitmap, 0, word_);
  }
  llvm::Value* columns() { return invariantLoad(ptr_, frame_, 0, "columns"); }
  llvm::Value* column(int c, int member) {
    return invariantLoad(ptr_, columns(), c * kJitColumnBytes + member * 8, fmt::format("c{}.{}", c, member));
  }
  llvm::Value* now() { return invariantLoad(i64_, frame_, 16, "now"); }
  llvm::Value* host() { return invariantLoad(ptr_, frame_, 24, "host"); }
  llvm::Value* stringId(int k) {
    return invariantLoad(i64_, invariantLoad(ptr_, frame_, 8, "strIds"), k * 8, fmt::format("s{}", k));
  }

  /// Byte `index` of table t (see JitTable), sign-extended.
  llvm::Value* tableByte(int t, llvm::Value* index) {
    llvm::Value* table = invariantLoad(ptr_, invariantLoad(ptr_, frame_, 32, "tables"), t * 8, fmt::format("t{}", t));
    return b_.CreateSExt(b_.CreateLoad(i8_, b_.CreateInBoundsGEP(i8_, table, index)), i64_);
  }
  /// The id of a string column's value, 0 (a valid index) when it has none.
  llvm::Value* tableId(const CV& v) { return b_.CreateSelect(isKnown(v), v.i, i64c(0)); }

  llvm::Constant* st(int s) { return b_.getInt8(s); }
  llvm::Constant* i64c(int64_t v) { return b_.getInt64(v); }
  llvm::Constant* f64c(double v) { return llvm::ConstantFP::get(f64_, v); }

  CV plain() { return CV{st(0), i64c(0), f64c(0), i64c(0), llvm::ConstantPointerNull::get(ptr_), i64c(0)}; }
  CV unknown() {
    CV v = plain();
    v.st = st(1);
    return v;
  }
  CV knownInt(llvm::Value* i) {
    CV v = plain();
    v.i = i->getType() == i64_ ? i : b_.CreateZExt(i, i64_);
    return v;
  }
  CV knownFloat(llvm::Value* f) {
    CV v = plain();
    v.f = f;
    return v;
  }
  llvm::Value* isKnown(const CV& v) { return stIs(v, 0); }
  /// Whether v's state is k, as i1 logic. A state made of selects between constants (as fields,
  /// `and`, `or` and the operators make them) becomes the selects' conditions themselves: the
  /// code of a big pack's first tier is then as direct as optimised code, and InstCombine has
  /// less to untangle. Deeper than a few selects, it compares.
  llvm::Value* stIs(const CV& v, int k) { return stIs(v.st, k, 4); }
  llvm::Value* stIs(llvm::Value* s, int k, int depth) {
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(s)) return b_.getInt1(c->getZExtValue() == uint64_t(k));
    auto* select = llvm::dyn_cast<llvm::SelectInst>(s);
    if (!select || depth == 0) return b_.CreateICmpEQ(s, st(k));
    llvm::Value* c = select->getCondition();
    llvm::Value *x = stIs(select->getTrueValue(), k, depth - 1), *y = stIs(select->getFalseValue(), k, depth - 1);
    auto* cx = llvm::dyn_cast<llvm::ConstantInt>(x);
    auto* cy = llvm::dyn_cast<llvm::ConstantInt>(y);
    if (x == y) return x;
    if (cx && cy) return cx->isOne() ? c : b_.CreateNot(c);  // (c ? 1 : 0) or (c ? 0 : 1)
    if (cx) return cx->isOne() ? b_.CreateOr(c, y) : b_.CreateAnd(b_.CreateNot(c), y);
    if (cy) return cy->isOne() ? b_.CreateOr(b_.CreateNot(c), x) : b_.CreateAnd(c, x);
    return b_.CreateSelect(c, x, y);
  }
  llvm::Value* number(const CV& v, TypeKind kind) { return kind == TypeKind::Float ? v.f : b_.CreateSIToFP(v.i, f64_); }
  /// A string id safe to give the host: the empty string's when the value is not known.
  llvm::Value* safeId(const CV& v) { return b_.CreateSelect(isKnown(v), v.i, stringId(0)); }
  llvm::Value* safeInt(const CV& v) { return b_.CreateSelect(isKnown(v), v.i, i64c(0)); }

  CV select(llvm::Value* c, const CV& x, const CV& y) {
    return CV{b_.CreateSelect(c, x.st, y.st), b_.CreateSelect(c, x.i, y.i),   b_.CreateSelect(c, x.f, y.f),
              b_.CreateSelect(c, x.err, y.err), b_.CreateSelect(c, x.sp, y.sp), b_.CreateSelect(c, x.sl, y.sl)};
  }

  /// A known result fails with `code` where `cond` holds.
  void fail(CV& r, llvm::Value* cond, int64_t code) {
    llvm::Value* hit = b_.CreateAnd(isKnown(r), cond);
    r.st = b_.CreateSelect(hit, st(2), r.st);
    r.err = b_.CreateSelect(hit, i64c(code), r.err);
  }
  void finite(CV& r) {
    llvm::Value* abs = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, r.f);
    fail(r, b_.CreateNot(b_.CreateFCmpOLT(abs, f64c(HUGE_VAL))), kJitNotFinite);
  }

  /// A strict call's state: the first failing operand's error, else unknown if any is.
  CV strict(const std::vector<CV>& args) {
    llvm::Value *seen = b_.getFalse(), *err = i64c(0), *unk = b_.getFalse();
    for (const CV& a : args) {
      llvm::Value* isErr = stIs(a, 2);
      err = b_.CreateSelect(b_.CreateAnd(isErr, b_.CreateNot(seen)), a.err, err);
      seen = b_.CreateOr(seen, isErr);
      unk = b_.CreateOr(unk, stIs(a, 1));
    }
    CV r = plain();
    r.st = b_.CreateSelect(seen, st(2), b_.CreateSelect(unk, st(1), st(0)));
    r.err = err;
    return r;
  }

  llvm::FunctionCallee hostFn(const char* name, llvm::Type* result, std::vector<llvm::Type*> params, bool pure) {
    callsHost_ = true;
    llvm::FunctionCallee f = m_.getOrInsertFunction(name, llvm::FunctionType::get(result, params, false));
    if (auto* fn = llvm::dyn_cast<llvm::Function>(f.getCallee()); fn && fn->empty()) {
      fn->addFnAttr(llvm::Attribute::NoUnwind);
      if (pure) {
        fn->addFnAttr(llvm::Attribute::WillReturn);
        fn->setOnlyReadsMemory();
      }
    }
    return f;
  }
  llvm::Value* callHost(const char* name, std::vector<llvm::Value*> args, bool pure = true) {
    std::vector<llvm::Type*> types;
    for (llvm::Value* a : args) types.push_back(a->getType());
    return b_.CreateCall(hostFn(name, i64_, types, pure), args);
  }

  CV gen(const IrNode* n) {
    auto it = memo_.find(n);
    if (it != memo_.end()) return it->second;
    CV v = genNode(n);
    memo_[n] = v;
    return v;
  }

  /// An arm of `if`/`??` as a value of the result's kind (a string constant of an enum result
  /// becomes its member index).
  CV arm(const IrNode* a, const Type& result) {
    if (result.kind == TypeKind::Enum && a->kind == IrKind::Const && a->type.kind == TypeKind::String &&
        a->value.known())
      return knownInt(i64c(memberIndex(result, a->value.text)));
    CV v = gen(a);
    if (result.kind == TypeKind::String && a->type.kind == TypeKind::Enum) {  // member index -> its text's id
      const auto& members = *a->type.members;
      llvm::Value* id = stringId(planner_.stringIndexOf(members.back()));
      for (size_t m = 0; m + 1 < members.size(); ++m)
        id = b_.CreateSelect(b_.CreateICmpEQ(v.i, i64c(static_cast<int64_t>(m))),
                             stringId(planner_.stringIndexOf(members[m])), id);
      v.i = id;
    }
    return v;
  }

  CV genNode(const IrNode* n) {
    switch (n->kind) {
      case IrKind::Const: return constant(n);
      case IrKind::Field: return field(n->index, n->type);
      case IrKind::Now: return knownInt(now());
      case IrKind::EventField: return unknown();  // never planned
      case IrKind::Not: {
        CV a = gen(n->args[0]);
        a.i = b_.CreateXor(a.i, i64c(1));
        return a;
      }
      case IrKind::And:
      case IrKind::Or: {
        int64_t decider = n->kind == IrKind::Or;
        CV a = gen(n->args[0]), c = gen(n->args[1]);
        llvm::Value* da = b_.CreateAnd(isKnown(a), b_.CreateICmpEQ(a.i, i64c(decider)));
        llvm::Value* dc = b_.CreateAnd(isKnown(c), b_.CreateICmpEQ(c.i, i64c(decider)));
        llvm::Value* decided = b_.CreateOr(da, dc);
        llvm::Value *aErr = stIs(a, 2), *cErr = stIs(c, 2);
        llvm::Value* anyUnk = b_.CreateOr(stIs(a, 1), stIs(c, 1));
        CV r = plain();
        r.st = b_.CreateSelect(decided, st(0),
                               b_.CreateSelect(b_.CreateOr(aErr, cErr), st(2), b_.CreateSelect(anyUnk, st(1), st(0))));
        r.err = b_.CreateSelect(aErr, a.err, c.err);
        r.i = b_.CreateSelect(decided, i64c(decider), i64c(!decider));
        return r;
      }
      case IrKind::If: {
        CV c = gen(n->args[0]);
        CV x = arm(n->args[1], n->type), y = arm(n->args[2], n->type);
        CV r = select(b_.CreateAnd(isKnown(c), b_.CreateICmpNE(c.i, i64c(0))), x, y);
        llvm::Value* cErr = stIs(c, 2);
        r.st = b_.CreateSelect(cErr, st(2), r.st);
        r.err = b_.CreateSelect(cErr, c.err, r.err);
        return r;
      }
      case IrKind::Coalesce: {
        CV a = arm(n->args[0], n->type), c = arm(n->args[1], n->type);
        return select(stIs(a, 1), c, a);
      }
      case IrKind::Aggregate: {
        if (!aggOut_) {
          llvm::IRBuilder<> pre(ctx_);
          pre.restoreIP(pre_);
          aggOut_ = pre.CreateAlloca(llvm::ArrayType::get(i64_, 2));
          pre_ = pre.saveIP();
        }
        llvm::FunctionCallee f = hostFn("herald_jit_aggregate", i64_, {ptr_, i64_, i64_, ptr_}, false);
        llvm::Value* state =
            b_.CreateCall(f, {host(), i64c(planner_.aggregateIndex(n)), row_, aggOut_});
        CV r = plain();
        r.st = b_.CreateTrunc(state, i8_);
        r.i = b_.CreateLoad(i64_, aggOut_);
        r.f = b_.CreateLoad(f64_, b_.CreateConstInBoundsGEP1_64(i8_, aggOut_, 8));
        r.err = r.i;
        return r;
      }
      case IrKind::Call: return call(n);
    }
    return unknown();
  }

  CV constant(const IrNode* n) {
    const Value& v = n->value;
    if (!v.known()) return unknown();
    switch (v.kind) {
      case TypeKind::Bool: return knownInt(i64c(v.boolean));
      case TypeKind::Float: return knownFloat(f64c(v.real));
      case TypeKind::String: return knownInt(stringId(planner_.stringIndexOf(v.text)));
      case TypeKind::Enum: return knownInt(i64c(memberIndex(n->type, v.text)));
      default: return knownInt(i64c(v.integer));
    }
  }

  /// A customer column's value. A required field has a value on every row (the loaders refuse
  /// or skip rows without one), so only optional ones read the validity bitmap: most audiences
  /// then fold to plain comparisons.
  CV field(int c, const Type& type) {
    CV v = plain();
    if (type.optional) {
      llvm::Value* word = validWord(c);
      llvm::Value* bit = b_.CreateAnd(b_.CreateLShr(word, b_.CreateAnd(row_, 63)), 1);
      v.st = b_.CreateSelect(b_.CreateICmpNE(bit, i64c(0)), st(0), st(1));
    }
    switch (type.kind) {
      case TypeKind::Float: v.f = b_.CreateLoad(f64_, b_.CreateInBoundsGEP(f64_, column(c, 2), row_)); break;
      case TypeKind::String:
        v.i = b_.CreateZExt(b_.CreateLoad(i32_, b_.CreateInBoundsGEP(i32_, column(c, 3), row_)), i64_);
        break;
      case TypeKind::Set: {
        llvm::Value* offsets = column(c, 4);
        llvm::Value* from = b_.CreateLoad(i32_, b_.CreateInBoundsGEP(i32_, offsets, row_));
        llvm::Value* to = b_.CreateLoad(i32_, b_.CreateInBoundsGEP(i32_, offsets, b_.CreateAdd(row_, i64c(1))));
        v.sp = b_.CreateInBoundsGEP(i32_, column(c, 5), b_.CreateZExt(from, i64_));
        v.sl = b_.CreateZExt(b_.CreateSub(to, from), i64_);
        break;
      }
      default:
        intColumns_.insert(c);
        if (type.kind != TypeKind::Int && type.kind != TypeKind::Enum && type.kind != TypeKind::Bool)
          narrowable_ = false;  // timestamps and durations never fit a byte
        v.i = narrow_ ? b_.CreateSExt(b_.CreateLoad(i8_, b_.CreateInBoundsGEP(i8_, column(c, 6), row_)), i64_)
                      : b_.CreateLoad(i64_, b_.CreateInBoundsGEP(i64_, column(c, 1), row_));
    }
    return v;
  }

  /// a `fn` b for two known values of one kind (Eq .. Ge), as the interpreter's compare().
  llvm::Value* compare(Fn fn, const CV& a, const CV& c, TypeKind kind, const IrNode* node = nullptr) {
    if (kind == TypeKind::Float) {
      switch (fn) {
        case Fn::Eq: return b_.CreateFCmpUEQ(a.f, c.f);
        case Fn::Ne: return b_.CreateFCmpONE(a.f, c.f);
        case Fn::Lt: return b_.CreateFCmpOLT(a.f, c.f);
        case Fn::Le: return b_.CreateFCmpULE(a.f, c.f);
        case Fn::Gt: return b_.CreateFCmpOGT(a.f, c.f);
        default: return b_.CreateFCmpUGE(a.f, c.f);
      }
    }
    llvm::Value *x = a.i, *y = c.i;
    if (kind == TypeKind::String && fn != Fn::Eq && fn != Fn::Ne) {  // ids are not in text order
      int t = node ? planner_.tableIndex(node) : -1;
      x = t < 0 ? callHost("herald_jit_text_cmp", {host(), safeId(a), safeId(c)})
                : tableByte(t, tableId(planner_.table(t).fieldFirst ? a : c));
      y = i64c(0);
    }
    switch (fn) {
      case Fn::Eq: return b_.CreateICmpEQ(x, y);
      case Fn::Ne: return b_.CreateICmpNE(x, y);
      case Fn::Lt: return b_.CreateICmpSLT(x, y);
      case Fn::Le: return b_.CreateICmpSLE(x, y);
      case Fn::Gt: return b_.CreateICmpSGT(x, y);
      default: return b_.CreateICmpSGE(x, y);
    }
  }

  CV overflowing(llvm::Intrinsic::ID id, const CV& a, const CV& c, CV r) {
    llvm::Value* pair = b_.CreateBinaryIntrinsic(id, a.i, c.i);
    r.i = b_.CreateExtractValue(pair, 0);
    fail(r, b_.CreateExtractValue(pair, 1), kJitOverflow);
    return r;
  }

  /// min/max of known values: the first of the smallest (largest), as the interpreter scans.
  CV pick(const std::vector<CV>& args, bool wantMax, TypeKind kind) {
    CV best = args[0];
    for (size_t k = 1; k < args.size(); ++k) {
      const CV& v = args[k];
      llvm::Value* better = kind == TypeKind::Float
                                ? (wantMax ? b_.CreateFCmpOGT(v.f, best.f) : b_.CreateFCmpOLT(v.f, best.f))
                                : (wantMax ? b_.CreateICmpSGT(v.i, best.i) : b_.CreateICmpSLT(v.i, best.i));
      best.i = b_.CreateSelect(better, v.i, best.i);
      best.f = b_.CreateSelect(better, v.f, best.f);
    }
    return best;
  }

  CV call(const IrNode* n) {
    Fn fn = n->fn;
    if (fn == builtinFn(Builtin::Has)) return knownInt(isKnown(gen(n->args[0])));
    std::vector<CV> args;
    for (const IrNode* a : n->args) args.push_back(gen(a));
    CV r = strict(args);
    const CV& a = args[0];
    TypeKind ak = n->args[0]->type.kind;
    TypeKind result = n->type.kind;
    if (fn == Fn::InItems) {
      llvm::Value *found = b_.getFalse(), *unk = b_.getFalse();
      for (size_t k = 1; k < args.size(); ++k) {
        llvm::Value* eq = compare(Fn::Eq, a, args[k], n->args[k]->type.kind == TypeKind::Float ? TypeKind::Float : ak);
        found = b_.CreateOr(found, b_.CreateAnd(isKnown(args[k]), eq));
        unk = b_.CreateOr(unk, stIs(args[k], 1));
      }
      llvm::Value* failed = stIs(r, 2);
      r.st = b_.CreateSelect(failed, st(2),
                             b_.CreateSelect(stIs(a, 1), st(1),
                                             b_.CreateSelect(found, st(0), b_.CreateSelect(unk, st(1), st(0)))));
      r.i = b_.CreateZExt(found, i64_);
      return r;
    }
    const CV* c = args.size() > 1 ? &args[1] : nullptr;
    bool ints = ak != TypeKind::Float && (!c || n->args[1]->type.kind != TypeKind::Float);
    switch (fn) {
      case Fn::Add:
        if (!ints) break;
        return overflowing(llvm::Intrinsic::sadd_with_overflow, a, *c, r);
      case Fn::Sub:
        if (!ints) break;
        return overflowing(llvm::Intrinsic::ssub_with_overflow, a, *c, r);
      case Fn::Mul:
        if (result == TypeKind::Duration) {  // duration * number: a fraction of a second is dropped
          bool aDur = ak == TypeKind::Duration;
          const CV& d = aDur ? a : *c;
          const CV& k = aDur ? *c : a;
          llvm::Value* x = b_.CreateFMul(b_.CreateSIToFP(d.i, f64_), number(k, n->args[aDur ? 1 : 0]->type.kind));
          llvm::Value* ok = b_.CreateAnd(b_.CreateFCmpOLT(x, f64c(9.2233720368547758e18)),
                                         b_.CreateFCmpOGE(x, f64c(-9.2233720368547758e18)));
          r.i = b_.CreateFPToSI(b_.CreateSelect(ok, x, f64c(0)), i64_);
          fail(r, b_.CreateNot(ok), kJitOverflow);
          return r;
        }
        if (!ints) break;
        return overflowing(llvm::Intrinsic::smul_with_overflow, a, *c, r);
      case Fn::Div:
        if (ak == TypeKind::Duration) {
          fail(r, b_.CreateICmpEQ(c->i, i64c(0)), kJitDivisionByZero);
          r.f = b_.CreateFDiv(b_.CreateSIToFP(a.i, f64_), b_.CreateSIToFP(c->i, f64_));
        } else {
          llvm::Value* divisor = number(*c, n->args[1]->type.kind);
          fail(r, b_.CreateFCmpOEQ(divisor, f64c(0)), kJitDivisionByZero);
          r.f = b_.CreateFDiv(number(a, ak), divisor);
        }
        finite(r);
        return r;
      case Fn::Mod: {
        llvm::Value* zero = b_.CreateICmpEQ(c->i, i64c(0));
        llvm::Value* minusOne = b_.CreateICmpEQ(c->i, i64c(-1));
        fail(r, zero, kJitDivisionByZero);
        llvm::Value* safe = b_.CreateSelect(b_.CreateOr(zero, minusOne), i64c(1), c->i);
        r.i = b_.CreateSelect(minusOne, i64c(0), b_.CreateSRem(a.i, safe));
        return r;
      }
      case Fn::Neg:
        if (ak == TypeKind::Float) {
          r.f = b_.CreateFNeg(a.f);
          return r;
        }
        fail(r, b_.CreateICmpEQ(a.i, i64c(INT64_MIN)), kJitOverflow);
        r.i = b_.CreateSub(i64c(0), a.i);
        return r;
      case Fn::IntToFloat: r.f = b_.CreateSIToFP(a.i, f64_); return r;
      case Fn::Eq:
      case Fn::Ne:
      case Fn::Lt:
      case Fn::Le:
      case Fn::Gt:
      case Fn::Ge: r.i = b_.CreateZExt(compare(fn, a, *c, ak, n), i64_); return r;
      case Fn::Matches:
        if (int t = planner_.tableIndex(n); t >= 0) r.i = tableByte(t, tableId(a));
        else r.i = callHost("herald_jit_matches", {host(), i64c(planner_.regexIndex(n)), safeId(a)});
        return r;
      case Fn::Contains:
      case Fn::StartsWith:
      case Fn::EndsWith:
        if (int t = planner_.tableIndex(n); t >= 0) r.i = tableByte(t, tableId(a));
        else r.i = callHost("herald_jit_text_op", {host(), i64c(int(fn) - int(Fn::Contains)), safeId(a), safeId(*c)});
        return r;
      case Fn::InSet:
        if (int t = planner_.tableIndex(n); t >= 0) r.i = tableByte(t, row_);
        else r.i = callHost("herald_jit_in_set", {c->sp, b_.CreateSelect(isKnown(*c), c->sl, i64c(0)), a.i});
        return r;
      default: return builtin(n, args, r);
    }
    // Float forms of + - *.
    llvm::Value *x = number(a, ak), *y = number(*c, n->args[1]->type.kind);
    r.f = fn == Fn::Add ? b_.CreateFAdd(x, y) : fn == Fn::Sub ? b_.CreateFSub(x, y) : b_.CreateFMul(x, y);
    finite(r);
    return r;
  }

  CV builtin(const IrNode* n, const std::vector<CV>& args, CV r) {
    auto which = static_cast<Builtin>(int(n->fn) - int(builtinFn(Builtin::Len)));
    const CV& a = args[0];
    TypeKind ak = n->args[0]->type.kind;
    auto keep = [&](CV v) {  // the known payload of v with the call's state
      v.st = r.st;
      v.err = r.err;
      return v;
    };
    auto floorDiv = [&](int64_t k) {  // periodsSince(), the same way: exact in 64 bits, no branch
      llvm::Value* unit = llvm::ConstantInt::get(i64_, k);
      auto floorDivMod = [&](llvm::Value* x, llvm::Value*& mod) {
        llvm::Value* r = b_.CreateSRem(x, unit);
        llvm::Value* negative = b_.CreateICmpSLT(r, llvm::ConstantInt::get(i64_, 0));
        mod = b_.CreateSelect(negative, b_.CreateAdd(r, unit), r);
        return b_.CreateSub(b_.CreateSDiv(x, unit), b_.CreateZExt(negative, i64_));
      };
      llvm::Value *rNow, *rAt;
      llvm::Value* qNow = floorDivMod(now(), rNow);
      llvm::Value* qAt = floorDivMod(a.i, rAt);
      return b_.CreateSub(b_.CreateSub(qNow, qAt), b_.CreateZExt(b_.CreateICmpSLT(rNow, rAt), i64_));
    };
    switch (which) {
      case Builtin::Len:
        r.i = ak == TypeKind::Set ? a.sl : callHost("herald_jit_text_len", {host(), safeId(a)});
        return r;
      case Builtin::Abs:
        if (ak == TypeKind::Float) {
          r.f = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, a.f);
          return r;
        }
        fail(r, b_.CreateICmpEQ(a.i, i64c(INT64_MIN)), kJitOverflow);
        r.i = b_.CreateSelect(b_.CreateICmpSLT(a.i, i64c(0)), b_.CreateSub(i64c(0), a.i), a.i);
        return r;
      case Builtin::Min:
      case Builtin::Max: return keep(pick(args, which == Builtin::Max, ak));
      case Builtin::Clamp: {
        CV low = pick({a, args[1]}, true, ak);
        return keep(pick({low, args[2]}, false, ak));
      }
      case Builtin::Round:
      case Builtin::Floor:
      case Builtin::Ceil: {
        if (ak != TypeKind::Float) return keep(a);
        auto id = which == Builtin::Round ? llvm::Intrinsic::round
                  : which == Builtin::Floor ? llvm::Intrinsic::floor
                                            : llvm::Intrinsic::ceil;
        r.f = b_.CreateUnaryIntrinsic(id, a.f);
        finite(r);
        return r;
      }
      case Builtin::Sqrt: {
        llvm::Value* x = number(a, ak);
        fail(r, b_.CreateFCmpOLT(x, f64c(0)), kJitSqrtNegative);
        r.f = b_.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x);
        finite(r);
        return r;
      }
      case Builtin::Log: {
        llvm::Value* x = number(a, ak);
        fail(r, b_.CreateFCmpOLE(x, f64c(0)), kJitLogNonPositive);
        r.f = b_.CreateCall(hostFn("herald_jit_log", f64_, {f64_}, true), {x});
        finite(r);
        return r;
      }
      case Builtin::Exp:
      case Builtin::Sigmoid: {
        llvm::Value* x = number(a, ak);
        llvm::FunctionCallee exp = hostFn("herald_jit_exp", f64_, {f64_}, true);
        if (which == Builtin::Exp) r.f = b_.CreateCall(exp, {x});
        else r.f = b_.CreateFDiv(f64c(1.0), b_.CreateFAdd(f64c(1.0), b_.CreateCall(exp, {b_.CreateFNeg(x)})));
        finite(r);
        return r;
      }
      case Builtin::DaysSince: r.i = floorDiv(86400); return r;
      case Builtin::HoursSince: r.i = floorDiv(3600); return r;
      case Builtin::Hour:
      case Builtin::Weekday:
      case Builtin::Month:
      case Builtin::Year:
      case Builtin::Date: {
        int64_t code = which == Builtin::Hour ? 0 : which == Builtin::Weekday ? 1 : which == Builtin::Month ? 2
                       : which == Builtin::Year ? 3 : 4;
        r.i = callHost("herald_jit_civil", {host(), i64c(code), safeInt(a)});
        return r;
      }
      case Builtin::InList: r.i = callHost("herald_jit_in_list", {host(), safeId(a)}); return r;
      case Builtin::Lower:
      case Builtin::Upper:
      case Builtin::Trim: {  // the host makes the text and gives it an id (it remembers new strings)
        int64_t op = which == Builtin::Lower ? 0 : which == Builtin::Upper ? 1 : 2;
        r.i = callHost("herald_jit_text_map", {host(), i64c(op), safeId(a)}, false);
        return r;
      }
      case Builtin::Bucket: {
        llvm::Value* small = b_.CreateICmpSLT(args[1].i, i64c(1));
        fail(r, small, kJitBucketN);
        r.i = callHost("herald_jit_bucket", {host(), safeId(a), b_.CreateSelect(small, i64c(1), args[1].i), row_});
        return r;
      }
      default: return unknown();  // Has is handled by call()
    }
  }

  llvm::LLVMContext& ctx_;
  llvm::Module& m_;
  // Folds what is trivially simpler as it is built (`x and true`, a select of two equal arms,
  // constants): less IR for every pass after (a big pack compiles a tenth faster).
  llvm::IRBuilder<llvm::InstSimplifyFolder> b_;
  const Planner& planner_;
  llvm::Type *i1_, *i8_, *i32_, *i64_, *f64_;
  llvm::PointerType* ptr_;
  llvm::Value *frame_ = nullptr, *row_ = nullptr, *aggOut_ = nullptr;
  llvm::IRBuilderBase::InsertPoint pre_, wordIP_;
  llvm::Value* word_ = nullptr;  // kernels: the index of the current validity word
  std::unordered_map<const IrNode*, CV> memo_;
  std::map<std::string, llvm::Value*> invariant_;
  std::set<int> intColumns_;  // kernels: the columns read from `ints`
  bool narrowable_ = true;    // ... all of them int, enum or bool
  bool narrow_ = false;       // reading them from `narrow`
  bool readValidity_ = false;  // the function read a validity bitmap (validWord)
  bool callsHost_ = false;     // ... or calls a host function (its loop does not vectorise)
};

// ------------------------------------------------------------------------------------ objects

void initialiseLlvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::string errorText(llvm::Error e) { return llvm::toString(std::move(e)); }

/// The target this process compiles for: code is position independent so the JIT linker may
/// place it anywhere and reach host functions through stubs.
llvm::Expected<llvm::orc::JITTargetMachineBuilder> hostTarget() {
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return jtmb.takeError();
  jtmb->setRelocationModel(llvm::Reloc::PIC_);
  jtmb->setCodeModel(llvm::CodeModel::Small);
  jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  return jtmb;
}

/// Generates, optimises and emits roots [from, to) of `plan` as one module of object code.
/// How hard to optimise: O2; a short pipeline with fast instruction selection (big packs, where
/// O2 would cost ~15 ms a rule); or only the clean-ups without which code is slow to compile
/// and run (the first tier of a big pack).
enum class Effort { O2, Short, First };

/// Generates, optimises and emits roots [from, to) of `plan` as one module of object code.
bool emitObject(const Planner& planner, const JitPlan& plan, size_t from, size_t to, Effort effort,
                llvm::SmallVector<char, 0>& object, std::string& error) {
  auto jtmb = hostTarget();
  if (!jtmb) return error = errorText(jtmb.takeError()), false;
  if (effort != Effort::O2) jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::None);  // fast instruction selection
  auto tm = jtmb->createTargetMachine();
  if (!tm) return error = errorText(tm.takeError()), false;
  llvm::LLVMContext ctx;
  llvm::Module module("herald", ctx);
  module.setDataLayout((*tm)->createDataLayout());
  module.setTargetTriple((*tm)->getTargetTriple().str());
  Codegen gen(ctx, module, planner);
  for (size_t i = from; i < to; ++i) {
    if (!plan.fallback[i].empty()) continue;
    // A bool expression's kernel over one row is its per-customer function.
    if (plan.roots[i]->type.kind == TypeKind::Bool) gen.kernel(plan.roots[i], fmt::format("k{}", i), effort == Effort::O2);
    else gen.rowFunction(plan.roots[i], fmt::format("r{}", i));
  }
  std::string broken;
  llvm::raw_string_ostream brokenOut(broken);
  if (llvm::verifyModule(module, &brokenOut)) return error = "internal: invalid module: " + broken, false;

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // No loop unrolling: the vectoriser already makes each kernel's loop wide, and unrolling it
  // (and its remainders) again cost a third of a small pack's compile time for no measurable
  // speed (the example pack: ~45 ms to ~33 ms).
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder pb(tm->get(), tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  if (effort != Effort::O2) {  // the clean-ups that matter most for generated code
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::EarlyCSEPass());
    if (effort == Effort::Short) fpm.addPass(llvm::InstCombinePass());  // the costly one
    fpm.addPass(llvm::SimplifyCFGPass());
    llvm::ModulePassManager mpm;
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
    mpm.run(module, mam);
  } else {
    pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2).run(module, mam);
  }

  if (const char* dump = std::getenv("HERALD_JIT_DUMP")) {  // for people reading generated code
    std::error_code ec;
    llvm::raw_fd_ostream file(dump, ec);
    if (!ec) module.print(file, nullptr);
  }
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager emit;
  if ((*tm)->addPassesToEmitFile(emit, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    return error = "internal: the target cannot emit object code", false;
  emit.run(module);
  return true;
}

using Objects = std::vector<llvm::SmallVector<char, 0>>;

/// The whole plan as object code: modules of kChunk roots (LLVM's passes grow faster than
/// linearly with module size), compiled on every core.
bool emitObjects(const Planner& planner, const JitPlan& plan, bool firstTier, Objects& objects, std::string& error) {
  constexpr size_t kChunk = 64;
  Effort effort = firstTier ? Effort::First : plan.roots.size() > kJitBigPack ? Effort::Short : Effort::O2;
  size_t chunks = (plan.roots.size() + kChunk - 1) / kChunk;
  objects.assign(chunks, {});
  std::vector<std::string> errors(chunks);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t c; (c = next.fetch_add(1)) < chunks;)
      emitObject(planner, plan, c * kChunk, std::min(plan.roots.size(), (c + 1) * kChunk), effort, objects[c],
                 errors[c]);
  };
  size_t threads = std::min<size_t>(chunks, std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const std::string& e : errors)
    if (!e.empty()) return error = e, false;
  return true;
}

// A cache entry: magic line, key line, the body's size and FNV-1a, then the body: the number
// of objects, and each object's size and bytes (sizes as 8 bytes, host order).
constexpr std::string_view kCacheMagic = "HERALD-JIT-OBJECTS 2\n";

bool readCache(const std::string& path, const std::string& key, Objects& objects) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string header = fmt::format("{}{}\n", kCacheMagic, key);
  if (data.size() < header.size() + 16 || data.compare(0, header.size(), header) != 0) return false;
  uint64_t size, sum;
  std::memcpy(&size, data.data() + header.size(), 8);
  std::memcpy(&sum, data.data() + header.size() + 8, 8);
  std::string_view body(data.data() + header.size() + 16, data.size() - header.size() - 16);
  if (body.size() != size || fnv1a(body) != sum) return false;
  auto take = [&](uint64_t& v) {
    if (body.size() < 8) return false;
    std::memcpy(&v, body.data(), 8);
    body.remove_prefix(8);
    return true;
  };
  uint64_t count, length;
  if (!take(count)) return false;
  objects.clear();
  for (uint64_t k = 0; k < count; ++k) {
    if (!take(length) || body.size() < length) return false;
    objects.emplace_back(body.begin(), body.begin() + length);
    body.remove_prefix(length);
  }
  return body.empty();
}

void writeCache(const std::string& dir, const std::string& path, const std::string& key, const Objects& objects) {
  std::string body;
  auto put = [&](uint64_t v) { body.append(reinterpret_cast<const char*>(&v), 8); };
  put(objects.size());
  for (const auto& o : objects) {
    put(o.size());
    body.append(o.data(), o.size());
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string tmp = fmt::format("{}.tmp{}", path, static_cast<unsigned long>(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;  // a cache that cannot be written is no cache, not an error
    uint64_t size = body.size(), sum = fnv1a(body);
    out << kCacheMagic << key << '\n';
    out.write(reinterpret_cast<const char*>(&size), 8);
    out.write(reinterpret_cast<const char*>(&sum), 8);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, path, ec);  // atomic: readers see the old entry or the new one
  if (ec) std::filesystem::remove(tmp, ec);
}

/// Links `objects` into a new LLJIT with the host functions and looks every function up.
bool link(JitPack::Impl& impl, const Objects& objects, std::string& error) {
  auto jtmb = hostTarget();
  if (!jtmb) return error = errorText(jtmb.takeError()), false;
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!jit) return error = errorText(jit.takeError()), false;
  llvm::orc::JITDylib& lib = (*jit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess((*jit)->getDataLayout().getGlobalPrefix());
  if (!process) return error = errorText(process.takeError()), false;
  lib.addGenerator(std::move(*process));
  llvm::orc::SymbolMap host;
  auto add = [&](const char* name, auto* fn) {
    host[(*jit)->mangleAndIntern(name)] = llvm::orc::ExecutorSymbolDef(
        llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable);
  };
  add("herald_jit_text_cmp", &herald_jit_text_cmp);
  add("herald_jit_text_op", &herald_jit_text_op);
  add("herald_jit_text_len", &herald_jit_text_len);
  add("herald_jit_matches", &herald_jit_matches);
  add("herald_jit_in_set", &herald_jit_in_set);
  add("herald_jit_in_list", &herald_jit_in_list);
  add("herald_jit_text_map", &herald_jit_text_map);
  add("herald_jit_civil", &herald_jit_civil);
  add("herald_jit_bucket", &herald_jit_bucket);
  add("herald_jit_aggregate", &herald_jit_aggregate);
  add("herald_jit_log", &herald_jit_log);
  add("herald_jit_exp", &herald_jit_exp);
  if (auto e = lib.define(llvm::orc::absoluteSymbols(std::move(host)))) return error = errorText(std::move(e)), false;
  for (const auto& object : objects) {
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(object.data(), object.size()), "herald-jit");
    if (auto e = (*jit)->addObjectFile(std::move(buffer))) return error = errorText(std::move(e)), false;
  }
  const JitPlan& plan = impl.plan;
  impl.kernels.assign(plan.roots.size(), nullptr);
  impl.byteKernels.assign(plan.roots.size(), nullptr);
  impl.rows.assign(plan.roots.size(), nullptr);
  for (size_t i = 0; i < plan.roots.size(); ++i) {
    if (!plan.fallback[i].empty()) continue;
    bool isBool = plan.roots[i]->type.kind == TypeKind::Bool;
    auto fn = (*jit)->lookup(fmt::format("{}{}", isBool ? 'k' : 'r', i));
    if (!fn) return error = errorText(fn.takeError()), false;
    if (isBool) {
      impl.kernels[i] = fn->toPtr<JitKernelFn>();
      auto bytes = (*jit)->lookup(fmt::format("k{}.bytes", i));
      if (!bytes) return error = errorText(bytes.takeError()), false;
      impl.byteKernels[i] = bytes->toPtr<JitByteKernelFn>();
    }
    else impl.rows[i] = fn->toPtr<JitRowFn>();
  }
  impl.jit = std::move(*jit);
  return true;
}

}  // namespace

// ------------------------------------------------------------------------------------ JitPack


std::unique_ptr<JitPack> JitPack::compile(const std::vector<const IrNode*>& roots, const JitOptions& options,
                                          std::string& error) {
  auto t0 = std::chrono::steady_clock::now();
  initialiseLlvm();
  auto impl = std::make_unique<Impl>();
  JitPlan& plan = impl->plan;
  plan.roots = roots;
  impl->firstTier = options.firstTier;
  Planner planner(plan);
  for (const IrNode* r : roots) {
    std::string why = planner.check(r);
    if (why.empty() && r->type.kind == TypeKind::Set) why = "a set value";
    plan.fallback.push_back(why);
  }

  Objects objects;
  std::string key, path;
  if (!options.cacheDir.empty()) {
    std::string text = fmt::format("herald 0.1.0 abi {} llvm {} {} {} tier {}\n{}", kJitAbiVersion, LLVM_VERSION_STRING,
                                   llvm::sys::getProcessTriple(), llvm::sys::getHostCPUName().str(),
                                   options.firstTier ? 1 : 2, serialize(roots));
    key = fmt::format("{:016x}{:016x}", fnv1a(text), fnv1a(text, 0x84222325cbf29ce4ull));
    path = (std::filesystem::path(options.cacheDir) / (key + ".hjo")).string();
    impl->cached = readCache(path, key, objects);
  }
  bool linked = false;
  if (impl->cached) {
    std::string ignored;  // a cache entry that does not link is rebuilt, never trusted
    linked = link(*impl, objects, ignored);
    impl->cached = linked;
  }
  if (!linked) {
    if (!emitObjects(planner, plan, options.firstTier, objects, error)) return nullptr;
    if (!path.empty()) writeCache(options.cacheDir, path, key, objects);
    if (!link(*impl, objects, error)) return nullptr;
  }
  impl->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::unique_ptr<JitPack>(new JitPack(std::move(impl)));
}


}  // namespace herald
