#include "compiler/ast/ast.hpp"

namespace herald {

const char* opText(Op op) {
  switch (op) {
    case Op::None: return "";
    case Op::Neg: return "-";
    case Op::Not: return "not";
    case Op::And: return "and";
    case Op::Or: return "or";
    case Op::Eq: return "==";
    case Op::Ne: return "!=";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::Mod: return "%";
    case Op::Coalesce: return "??";
    case Op::Matches: return "matches";
    case Op::Contains: return "contains";
    case Op::StartsWith: return "starts_with";
    case Op::EndsWith: return "ends_with";
  }
  return "";
}

const char* declKindText(DeclKind k) {
  switch (k) {
    case DeclKind::Customer: return "customer";
    case DeclKind::Event: return "event";
    case DeclKind::Const: return "const";
    case DeclKind::Let: return "let";
    case DeclKind::Segment: return "segment";
    case DeclKind::Offer: return "offer";
    case DeclKind::Channel: return "channel";
    case DeclKind::Policy: return "policy";
    case DeclKind::Campaign: return "campaign";
    case DeclKind::Activity: return "activity";
    case DeclKind::Response: return "response";
  }
  return "";
}

}  // namespace herald
