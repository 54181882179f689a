// The directory's side of the service rooms: the host that commands/,
// schedule/ and identity/ work through, and the facade's routes to them
// (Directory::runs(), reviews(), schedules(), identity(), insights()).
#include <memory>

#include "commands/run_host.h"
#include "dirctl/command_runs.h"
#include "dirctl/directory.h"
#include "dirctl/identity.h"
#include "dirctl/insights.h"
#include "identity/identity_host.h"
#include "identity/secret_box.h"
#include "model/entity_fields.h"
#include "model/validate.h"
#include "store/change_text.h"
#include "util/clock.h"
#include "dirctl/reviews.h"
#include "dirctl/schedules.h"
#include "dirctl/error.h"
#include "directory/impl.h"

namespace dirctl {
namespace {

class DirectoryHost final : public IdentityHost {
 public:
  DirectoryHost(Directory& facade, Directory::Impl& d) : facade_(facade), d_(d) {}

  void enter(const std::function<void()>& body) override { audited(d_, body); }
  void write(const std::function<void()>& body) override {
    WriteScope w(d_);
    w.touching_memory();  // identity's writes change the model as they go: a failure reloads
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

  // --- identity ---
  IdentityStore& identity_store() override { return d_.identity_store; }
  const SecretBox& secret_box() override {
    if (!d_.secret_box) d_.secret_box = std::make_unique<SecretBox>(SecretBox::for_directory(d_.store.is_memory() ? ":memory:" : d_.store.identity()));
    return *d_.secret_box;
  }
  Decision actor_live(const Actor& actor) override { return d_.engine.actor_live(actor, true); }
  void write_fields(const Actor& actor, Id id, const Fields& fields, const std::string& message) override {
    const Entity current = d_.entity(id);
    const KindSpec& kind = spec(current.kind);
    const Fields patch = validate_update(kind, fields);
    Record merged = d_.full_record(id);
    Event e = d_.event(actor, kind.event_noun + "_update", current.org, id);
    for (const auto& [name, value] : patch)
      for (auto& [k, v] : merged.fields)
        if (k == name) {
          e.changes.push_back({name, change_text(kind, name, v), change_text(kind, name, value)});
          v = value;
        }
    d_.writer.update(kind, id, patch, utc_now_iso());
    e.message = message;
    d_.append(e);
    put_record(d_.model, kind, merged);
  }
  void write_member(const Actor& actor, Id group, Id member) override {
    d_.writer.add_edge(group, member);
    Event e = d_.event(actor, spec(d_.entity(group).kind).event_noun + "_add_member", d_.entity(group).org, group);
    e.target = ref_of(d_, member);
    d_.append(e);
    d_.model.link(group, member);
  }
  void batch(const std::function<void()>& body) override {
    facade_.begin_batch();
    try {
      body();
    } catch (...) {
      facade_.rollback_batch();
      throw;
    }
    facade_.commit_batch();
  }
  Record create(const Actor& actor, Kind kind, Id org, const Fields& fields) override {
    return facade_.create(actor, kind, org, fields);
  }
  void remove(const Actor& actor, Id id) override { facade_.remove(actor, id); }
  Id admin_by_email(const std::string& email) override {
    const KindSpec& k = spec(Kind::kAdmin);
    auto ids = d_.records.lookup(k, *k.field("email"), kNoId, email);
    return ids.empty() ? kNoId : ids.front();
  }
  std::vector<Id> users_by_email(const std::string& email) override {
    const KindSpec& k = spec(Kind::kUser);
    std::vector<Id> out;
    for (Id org : d_.model.ids_of(Kind::kOrg, kNoId))
      for (Id u : d_.records.lookup(k, *k.field("email"), org, email)) out.push_back(u);
    return out;
  }
  Id group_by_name(Id org, const std::string& name) override {
    const KindSpec& k = spec(Kind::kUserGroup);
    auto ids = d_.records.lookup(k, *k.field("name"), org, name);
    return ids.empty() ? kNoId : ids.front();
  }
  void sync_credentials(Id principal) override { d_.sync_credentials(principal); }

 private:
  Directory& facade_;
  Directory::Impl& d_;
};

}  // namespace

namespace {


IdentityHost& host_of(Directory& facade, Directory::Impl& d) {
  if (!d.host) d.host = std::make_unique<DirectoryHost>(facade, d);
  return *d.host;
}

}  // namespace

CommandRuns& Directory::runs() {
  Impl& d = live(impl_);
  if (!d.runs) d.runs = std::make_unique<CommandRuns>(host_of(*this, d));
  return *d.runs;
}

Reviews& Directory::reviews() {
  Impl& d = live(impl_);
  if (!d.reviews) d.reviews = std::make_unique<Reviews>(host_of(*this, d));
  return *d.reviews;
}

Identity& Directory::identity() {
  Impl& d = live(impl_);
  if (!d.identity) d.identity = std::make_unique<Identity>(host_of(*this, d));
  return *d.identity;
}

Insights& Directory::insights() {
  Impl& d = live(impl_);
  if (!d.insights) d.insights = std::make_unique<Insights>(host_of(*this, d));
  return *d.insights;
}

std::vector<Event> Directory::events(const Actor& actor, const EventFilter& filter) {
  return insights().events(actor, filter);
}

Schedules& Directory::schedules() {
  Impl& d = live(impl_);
  if (!d.schedules) d.schedules = std::make_unique<Schedules>(host_of(*this, d));
  return *d.schedules;
}

}  // namespace dirctl
