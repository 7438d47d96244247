#pragma once
// The one object the runtime uses: a checked pack with every expression lowered to IR, and its
// campaigns, policies, channels and activities in the form the engine needs.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/driver/compilation.hpp"
#include "compiler/ir/ir.hpp"
#include "stdlib/time.hpp"

namespace herald {

/// A channel: cost per contact and optional quiet hours [start, end) in minutes of the day.
struct ChannelInfo {
  std::string name;
  double cost = 0;
  std::optional<int> quietStart, quietEnd;
};

/// A piece of a message: literal text or a placeholder's expression.
struct MessagePart {
  std::string text;
  const IrNode* expr = nullptr;
};

/// A campaign ready to run.
struct CampaignInfo {
  std::string name;
  int order = 0;  // position in the pack (ties in arbitration)
  const ChannelInfo* channel = nullptr;
  std::optional<std::string> offer;
  const IrNode* audience = nullptr;
  const IrNode* priority = nullptr;  // null: 0
  std::optional<int64_t> limit;
  std::optional<double> budget;
  double control = 0;                // hold-out share 0..1
  std::vector<const PolicyDecl*> policies;  // named, or `default` when none is named
  std::vector<MessagePart> message;
  bool hasMessage = false;
  std::optional<int> trigger;        // event campaigns: the event type
  const IrNode* triggerWhere = nullptr;
  std::optional<int64_t> delay;
};

/// An activity: its campaigns (in the order written), per_customer, window and schedule.
struct ActivityInfo {
  std::string name;
  std::vector<const CampaignInfo*> campaigns;
  int64_t perCustomer = 1;
  std::optional<int64_t> windowStart, windowEnd;  // [start, end): from the first day's 00:00 to after the last day
  const Schedule* schedule = nullptr;
};

/// A compiled pack. Built only from a compilation without errors.
class CompiledPack {
 public:
  explicit CompiledPack(std::unique_ptr<Compilation> compilation);

  const Compilation& compilation() const { return *compilation_; }
  const Symbols& symbols() const { return compilation_->sema().syms; }
  const TimeZone& zone() const { return zone_; }
  const std::vector<CampaignInfo>& campaigns() const { return campaigns_; }
  const std::vector<ActivityInfo>& activities() const { return activities_; }
  const ActivityInfo* findActivity(const std::string& name) const;
  const CampaignInfo* findCampaign(const std::string& name) const;
  const std::string& name() const { return compilation_->pack().name.name; }

 private:
  std::unique_ptr<Compilation> compilation_;
  TimeZone zone_;
  IrProgram program_;
  std::vector<ChannelInfo> channels_;
  std::vector<CampaignInfo> campaigns_;
  std::vector<ActivityInfo> activities_;
};

}  // namespace herald
