#pragma once
// The syntax tree of a pack. Every node carries its source span; sema annotates expressions
// in place (type and what each name refers to).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/type.hpp"
#include "compiler/source/source_file.hpp"

namespace herald {

/// A calendar date and wall-clock time as written, read in the pack's time zone later.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

/// Minutes since midnight (`09:00` is 540).
struct TimeOfDay {
  int minutes = 0;
};

/// A name as written, with its place.
struct Ref {
  std::string name;
  Span span;
};

enum class LitKind : uint8_t { Bool, Int, Float, String, Duration, Date, Timestamp, TimeOfDay };

/// A literal's value. Durations are seconds; dates and timestamps keep their civil form.
struct Literal {
  LitKind kind = LitKind::Int;
  bool boolean = false;
  int64_t integer = 0;  // Int, Duration (seconds), TimeOfDay (minutes)
  double real = 0;
  std::string text;     // String (decoded)
  CivilTime civil;      // Date, Timestamp
  bool percent = false; // written as `5%`
  bool raw = false;     // written as r"..."
};

enum class ExprKind : uint8_t { Literal, Name, Field, Call, Unary, Binary, Between, In, If, List, Event, Now, Error };

/// Operators of Unary and Binary nodes.
enum class Op : uint8_t {
  None, Neg, Not, And, Or, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Mod, Coalesce,
  Matches, Contains, StartsWith, EndsWith
};
/// How an operator is written (`and`, `==`, `starts_with`).
const char* opText(Op op);

/// What a name or call in an expression was resolved to by sema.
enum class RefKind : uint8_t {
  Unresolved, CustomerField, Const, Let, Segment, EventField, OfferField, EventType, Builtin, Aggregate
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// `where`, `within`, `on CHANNEL` and `for campaign C` of a history aggregate.
struct AggFilters {
  ExprPtr where;
  ExprPtr within;
  std::optional<Ref> on;
  std::optional<Ref> forKind;  // the word after `for` (must be `campaign`)
  std::optional<Ref> forName;
  Span span;
  bool any() const { return where || within || on || forKind; }
};

/// One expression node; the shape is uniform so passes can walk `args` generically.
struct Expr {
  ExprKind kind = ExprKind::Error;
  Op op = Op::None;
  Span span;
  std::vector<ExprPtr> args;  // operands; Call: arguments; In: [value, list-or-set]; Between: [x, lo, hi]
  std::string name;           // Name: identifier; Field: field name; Call: function name
  Span nameSpan;
  Literal lit;
  bool negated = false;       // In: `not in`
  std::unique_ptr<AggFilters> filters;  // Call: aggregate filters, when written

  // Filled by sema.
  Type type;
  RefKind ref = RefKind::Unresolved;
  int refIndex = -1;          // field, or the const/let/segment's decl index, or Builtin / Aggregate id
  int eventIndex = -1;        // EventField, EventType, Aggregate: the event type
  int fieldIndex = -1;        // EventField, OfferField, Aggregate: the field read (-1: none)

  Expr() = default;
  Expr(ExprKind k, Span s) : kind(k), span(s) {}
};

// ---------------------------------------------------------------- declarations

enum class DeclKind : uint8_t {
  Customer, Event, Const, Let, Segment, Offer, Channel, Policy, Campaign, Activity, Response
};
/// The keyword that introduces a declaration kind.
const char* declKindText(DeclKind k);

/// A declaration's common part.
struct Decl {
  DeclKind kind;
  Ref name;   // customer: "customer"; response: the event type
  Span span;  // the whole declaration
  bool used = false;    // set by sema for unused-warnings
  bool broken = false;  // the parser recovered from a syntax error inside it
  explicit Decl(DeclKind k) : kind(k) {}
  virtual ~Decl() = default;
};

/// A written type: `int?`, `enum("A","B")`, `set<string>`.
struct TypeRef {
  Type type;                         // resolved by the builder for built-in type names
  std::string name;                  // for named types, as written
  std::vector<std::string> members;  // enum members
  std::vector<Span> memberSpans;
  Span span;
};

struct FieldDecl {
  Ref name;
  TypeRef type;
};

/// `customer { ... }` and `event NAME { ... }`.
struct SchemaDecl : Decl {
  std::vector<FieldDecl> fields;
  using Decl::Decl;
};

/// `const`, `let` and `segment`.
struct ValueDecl : Decl {
  ExprPtr value;
  using Decl::Decl;
};

/// `name: expr` inside an offer, a channel or `lead(...)`.
struct NamedValue {
  Ref name;
  ExprPtr value;
};

struct OfferDecl : Decl {
  std::vector<NamedValue> fields;
  OfferDecl() : Decl(DeclKind::Offer) {}
};

struct ChannelDecl : Decl {
  std::vector<NamedValue> fields;  // cost and anything unknown (reported)
  std::optional<TimeOfDay> quietStart, quietEnd;
  Span quietSpan;
  ChannelDecl() : Decl(DeclKind::Channel) {}
};

enum class RuleKind : uint8_t { MaxContacts, MinBetween, ExcludeList };

/// One line of a policy.
struct PolicyRule {
  RuleKind kind = RuleKind::MaxContacts;
  ExprPtr count;   // MaxContacts: N
  ExprPtr window;  // MaxContacts: per D; MinBetween: D
  std::optional<Ref> on;
  std::optional<Ref> same;  // `campaign` or `offer`
  std::string list;         // ExcludeList
  std::string text;         // the clause as written, normalised: "max 3 contacts per 90d"
  Span span;
};

struct PolicyDecl : Decl {
  std::vector<PolicyRule> rules;
  PolicyDecl() : Decl(DeclKind::Policy) {}
};

/// A piece of a message: literal text, or a `{expr}` placeholder.
struct MessagePiece {
  std::string text;
  ExprPtr expr;
};

struct Message {
  std::vector<MessagePiece> pieces;
  Span span;
};

struct Trigger {
  Ref event;
  ExprPtr where;
  Span span;
};

struct CampaignDecl : Decl {
  std::optional<Ref> channel;
  std::optional<Ref> offer;
  ExprPtr audience, priority, limit, budget, control, delay;
  std::vector<Ref> policies;
  std::optional<Message> message;
  std::optional<Trigger> trigger;
  CampaignDecl() : Decl(DeclKind::Campaign) {}
};

enum class ScheduleKind : uint8_t { Manual, Daily, Weekly, Cron, Once };

/// The five fields of a cron expression as bit sets (minute, hour, day of month, month, weekday).
struct CronSpec {
  uint64_t minutes = 0;
  uint32_t hours = 0;
  uint32_t daysOfMonth = 0;  // bit d for day d (1..31)
  uint16_t months = 0;       // bit m for month m (1..12)
  uint8_t weekdays = 0;      // bit w for weekday w (0 = Sunday .. 6)
  bool domStar = true, dowStar = true;  // cron's rule: both restricted means either matches
};

struct Schedule {
  ScheduleKind kind = ScheduleKind::Manual;
  TimeOfDay at;
  std::vector<Ref> days;   // Weekly: mon..sun
  uint8_t weekdays = 0;    // Weekly: bit w for weekday w (0 = Sunday)
  std::string cronText;
  CronSpec cron;
  CivilTime once;
  Span span;
};

struct ActivityDecl : Decl {
  std::vector<Ref> campaigns;
  bool hasCampaigns = false;
  Schedule schedule;
  std::optional<CivilTime> windowFrom, windowTo;
  Span windowSpan;
  ExprPtr perCustomer;
  ActivityDecl() : Decl(DeclKind::Activity) {}
};

enum class ActionKind : uint8_t { Order, Dnd, DndAll, Ignore, Lead, ListAdd, ListRemove };

struct Action {
  ActionKind kind = ActionKind::Ignore;
  std::vector<NamedValue> leadArgs;
  std::string list;
  Span span;
};

/// `when cond -> action`, or `else -> action` (cond null).
struct WhenBranch {
  ExprPtr cond;
  Action action;
  Span span;
};

struct ResponseDecl : Decl {
  std::optional<Ref> channel;
  ExprPtr attribution;
  std::vector<WhenBranch> branches;
  ResponseDecl() : Decl(DeclKind::Response) {}
};

/// A whole pack as written.
struct Pack {
  Ref name;
  std::optional<Ref> timezone;  // the string's text and place
  std::vector<std::unique_ptr<Decl>> decls;  // in written order
  uint32_t file = 0;
};

}  // namespace herald
