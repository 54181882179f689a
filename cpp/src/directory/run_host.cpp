// The directory's side of command runs and schedules: the RunHost that
// commands/ and schedule/ work through, and the facade's routes to them
// (Directory::runs(), reviews(), schedules()).
#include <memory>

#include "commands/run_host.h"
#include "dirctl/command_runs.h"
#include "dirctl/directory.h"
#include "dirctl/reviews.h"
#include "dirctl/schedules.h"
#include "dirctl/error.h"
#include "directory/impl.h"

namespace dirctl {
namespace {

class DirectoryRunHost final : public RunHost {
 public:
  explicit DirectoryRunHost(Directory::Impl& d) : d_(d) {}

  void enter(const std::function<void()>& body) override { audited(d_, body); }
  void write(const std::function<void()>& body) override {
    WriteScope w(d_);
    body();
    w.commit();
  }

  const Model& model() const override { return d_.model; }
  Store& store() override { return d_.store; }
  Record record(Id id) override { return d_.full_record(id); }
  std::string describe(Id id) const override { return d_.describe(id); }
  std::string actor_name(const Actor& actor) const override {
    if (actor.type == ActorType::kSystem) return "system";
    const Entity* e = d_.model.find(actor.id);
    return e != nullptr ? std::string(e->name) : std::string();
  }
  IdList orgs_of(const Actor& actor) const override {
    if (actor.type == ActorType::kSystem) {
      IdList all;
      for (Id o : d_.model.ids_of(Kind::kOrg, kNoId)) all.push_back(o);
      return all;
    }
    if (actor.type == ActorType::kUser) {
      const Entity* u = d_.model.find(actor.id);
      return u != nullptr ? IdList{u->org} : IdList{};
    }
    return d_.org_access(actor.id);
  }

  void require_visible(const Actor& actor, Id id, const std::string& event_type) override {
    d_.require_visible(actor, {id}, event_type);
  }
  void authorize(const Actor& actor, ActionId action, Id resource, const std::string& event_type) override {
    d_.authorize(actor, action, resource, event_type);
  }
  bool allowed(const Actor& actor, ActionId action, Id resource) override {
    return actor.type == ActorType::kSystem || d_.engine.check(actor, action, resource, false).allowed;
  }
  [[noreturn]] void refuse_rule(const Actor& actor, Id resource, const std::string& event_type, Rule rule,
                                const std::string& reason) override {
    d_.require(Decision{false, rule, reason}, actor, resource, event_type);
    throw PermissionDenied(reason, std::string(rule_name(rule)));  // require() throws first; for [[noreturn]]
  }

  Event event(const Actor& actor, const std::string& type, Id org, Id resource) override {
    return d_.event(actor, type, org, resource);
  }
  void append(Event& event) override { d_.append(event); }

 private:
  Directory::Impl& d_;
};

}  // namespace

namespace {

RunHost& host_of(Directory::Impl& d) {
  if (!d.run_host) d.run_host = std::make_unique<DirectoryRunHost>(d);
  return *d.run_host;
}

}  // namespace

CommandRuns& Directory::runs() {
  Impl& d = live(impl_);
  if (!d.runs) d.runs = std::make_unique<CommandRuns>(host_of(d));
  return *d.runs;
}

Reviews& Directory::reviews() {
  Impl& d = live(impl_);
  if (!d.reviews) d.reviews = std::make_unique<Reviews>(host_of(d));
  return *d.reviews;
}

Schedules& Directory::schedules() {
  Impl& d = live(impl_);
  if (!d.schedules) d.schedules = std::make_unique<Schedules>(host_of(d));
  return *d.schedules;
}

}  // namespace dirctl
