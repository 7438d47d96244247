#include "compiler/driver/compiled_pack.hpp"

#include "compiler/ir/lower.hpp"
#include "compiler/sema/const_fold.hpp"

namespace herald {

CompiledPack::CompiledPack(std::unique_ptr<Compilation> compilation) : compilation_(std::move(compilation)) {
  const Pack& pack = compilation_->pack();
  const Sema& sema = compilation_->sema();
  const Symbols& syms = sema.syms;
  if (pack.timezone) TimeZone::parse(pack.timezone->name, zone_);
  Lowering lowering(sema, zone_, program_);

  channels_.reserve(syms.channels.list.size());
  for (const ChannelDecl* c : syms.channels.list) {
    ChannelInfo info;
    info.name = c->name.name;
    for (auto& f : c->fields)
      if (f.name.name == "cost") info.cost = foldConstant(sema, *f.value).value.number();
    if (c->quietStart && c->quietEnd) {
      info.quietStart = c->quietStart->minutes;
      info.quietEnd = c->quietEnd->minutes;
    }
    channels_.push_back(info);
  }
  const PolicyDecl* defaultPolicy = syms.policies.find("default");

  campaigns_.reserve(syms.campaigns.list.size());
  for (size_t i = 0; i < syms.campaigns.list.size(); ++i) {
    const CampaignDecl& c = *syms.campaigns.list[i];
    CampaignInfo info;
    info.name = c.name.name;
    info.order = static_cast<int>(i);
    if (c.channel) {
      int ch = syms.channels.indexOf(c.channel->name);
      if (ch >= 0) info.channel = &channels_[ch];
    }
    if (c.offer) info.offer = c.offer->name;
    if (c.audience) info.audience = lowering.lower(*c.audience);
    if (c.priority) info.priority = lowering.lower(*c.priority);
    if (c.limit) info.limit = foldConstant(sema, *c.limit).value.integer;
    if (c.budget) info.budget = foldConstant(sema, *c.budget).value.number();
    if (c.control) info.control = foldConstant(sema, *c.control).value.number();
    if (c.delay) info.delay = foldConstant(sema, *c.delay).value.integer;
    for (auto& p : c.policies)
      if (const PolicyDecl* pd = syms.policies.find(p.name)) info.policies.push_back(pd);
    if (c.policies.empty() && defaultPolicy) info.policies.push_back(defaultPolicy);
    if (c.message) {
      info.hasMessage = true;
      for (auto& piece : c.message->pieces)
        info.message.push_back(MessagePart{piece.text, piece.expr ? lowering.lower(*piece.expr) : nullptr});
    }
    if (c.trigger) {
      info.trigger = syms.events.indexOf(c.trigger->event.name);
      if (c.trigger->where) info.triggerWhere = lowering.lower(*c.trigger->where);
    }
    campaigns_.push_back(std::move(info));
  }

  for (const ActivityDecl* a : syms.activities.list) {
    ActivityInfo info;
    info.name = a->name.name;
    for (auto& c : a->campaigns)
      if (const CampaignInfo* ci = findCampaign(c.name)) info.campaigns.push_back(ci);
    if (a->perCustomer) info.perCustomer = foldConstant(sema, *a->perCustomer).value.integer;
    if (a->windowFrom && a->windowTo) {
      info.windowStart = zone_.toInstant(*a->windowFrom);
      CivilTime end = *a->windowTo;
      int64_t days = daysFromCivil(end.year, end.month, end.day) + 1;  // the last day is included
      civilFromDays(days, end.year, end.month, end.day);
      info.windowEnd = zone_.toInstant(end);
    }
    info.schedule = &a->schedule;
    activities_.push_back(std::move(info));
  }
}

const ActivityInfo* CompiledPack::findActivity(const std::string& name) const {
  for (auto& a : activities_)
    if (a.name == name) return &a;
  return nullptr;
}

const CampaignInfo* CompiledPack::findCampaign(const std::string& name) const {
  for (auto& c : campaigns_)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace herald
