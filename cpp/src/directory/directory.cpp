// Directory facade: opening, reads, batches, the audit log, maintenance.
#include "dirctl/directory.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "dirctl/error.h"
#include "dirctl/log.h"
#include "directory/impl.h"
#include "model/validate.h"
#include "store/schema.h"
#include "util/clock.h"

namespace dirctl {

// ---- WriteScope ---------------------------------------------------------

WriteScope::WriteScope(Directory::Impl& d) : d_(d) {
  if (d.batch_depth > 0) {  // inside a batch: a savepoint, so a failed operation leaves the batch as it was
    savepoint_.emplace(d_.store, "op");
    return;
  }
  transaction_.emplace(d_.store);
  d_.catch_up();  // under the write lock: nothing can land between this and our writes
}

WriteScope::~WriteScope() {
  if (done_) return;
  savepoint_.reset();  // rolls back what this operation wrote
  transaction_.reset();
  if (touched_) {
    try {
      d_.reload();
    } catch (const std::exception& e) {
      spdlog::error("dirctl: reload after a failed write failed: {}", e.what());
    }
  }
}

void WriteScope::commit() {
  done_ = true;
  if (savepoint_) {
    savepoint_->release();
    return;
  }
  try {
    d_.data_version = transaction_->commit();
  } catch (...) {
    d_.reload();  // the transaction rolled back: memory follows the file
    throw;
  }
}

// ---- Impl helpers -----------------------------------------------------------

const Entity& Directory::Impl::entity(Id id, Kind expect) const {
  const Entity* e = model.find(id);
  if (e == nullptr || (expect != Kind::kNone && e->kind != expect))
    throw NotFound("no " + std::string(expect == Kind::kNone ? "object" : kind_name(expect)) + " with id " +
                   std::to_string(id) + " in '" + path + "'");
  return *e;
}

std::string Directory::Impl::describe(Id id) const {
  const Entity* e = model.find(id);
  if (e == nullptr) return "object " + std::to_string(id);
  return std::string(kind_name(e->kind)) + " '" + std::string(e->name) + "' (id " + std::to_string(id) + ")";
}

ObjectRef ref_of(const Directory::Impl& d, Id id) {
  const Entity* e = d.model.find(id);
  if (e == nullptr) return {};
  return {std::string(kind_name(e->kind)), static_cast<std::int64_t>(id), std::string(e->name)};
}

Record Directory::Impl::full_record(Id id) {
  const Entity& e = entity(id);
  const KindSpec& kind = spec(e.kind);
  auto rec = records.read(kind, id);
  if (!rec) throw NotFound("no " + kind.name + " with id " + std::to_string(id));
  if (e.kind == Kind::kAdmin) fill_org_access(*rec);
  return *rec;
}

IdList Directory::Impl::org_access(Id admin) const {
  IdList orgs;
  for (Id other : model.neighbors(admin))
    if (const Entity* o = model.find(other); o != nullptr && o->kind == Kind::kOrg) orgs.push_back(other);
  std::sort(orgs.begin(), orgs.end());
  return orgs;
}

void Directory::Impl::fill_org_access(Record& admin) const {
  for (auto& [name, value] : admin.fields)
    if (name == "orgs") value = org_access(admin.id);
}

Event Directory::Impl::event(const Actor& actor, const std::string& type, Id org, Id resource) const {
  Event e;
  e.time = utc_now_iso();
  e.org = org;
  e.event_type = type;
  e.initiated_by_type = std::string(actor_type_name(actor.type));
  e.initiated_by_id = actor.id;
  if (const Entity* a = model.find(actor.id); a != nullptr && actor.type != ActorType::kSystem)
    e.initiated_by_email = std::string(a->name);
  e.resource = ref_of(*this, resource);
  return e;
}

std::int64_t Directory::Impl::append(Event& e) {
  e.seq = writer.append(e);
  last_seq = e.seq;
  return e.seq;
}

void Directory::Impl::require(const Decision& decision, const Actor& actor, Id resource, const std::string& event_type) {
  if (decision.allowed) return;
  Denial denial{decision, event(actor, event_type, kNoId, resource)};
  if (denial.event.resource.id == 0) denial.event.resource.id = resource;  // a gone object keeps its id
  if (const Entity* r = model.find(resource)) denial.event.org = r->kind == Kind::kOrg ? resource : r->org;
  // A user's attempt with no org of its own belongs to the user's org: admins
  // of other orgs must not read it among the directory-wide events.
  if (denial.event.org == kNoId && actor.type == ActorType::kUser)
    if (const Entity* u = model.find(actor.id)) denial.event.org = u->org;
  denial.event.success = false;
  denial.event.message = decision.reason;
  // The caller learns only an id; the audit log, read by those who see the
  // object's org, says exactly what was tried.
  if (decision.rule == Rule::kOrgAccess && resource != kNoId) denial.event.message += " (" + describe(resource) + ")";
  throw denial;
}

void Directory::Impl::authorize(const Actor& actor, ActionId action, Id resource, const std::string& event_type) {
  if (actor.type == ActorType::kSystem) return;
  Decision d = engine.check(actor, action, resource, false);
  if (!d.allowed) require(engine.check(actor, action, resource, true), actor, resource, event_type);
}

void Directory::Impl::authorize(const Actor& actor, Scope scope, Verb verb, Id resource, const std::string& event_type) {
  authorize(actor, action_for(scope, verb), resource, event_type);
}

void Directory::Impl::write_denial(Event e) {
  try {
    WriteScope w(*this);
    append(e);
    w.commit();
  } catch (const std::exception& ex) {
    spdlog::error("dirctl: could not record a denied attempt: {}", ex.what());
  }
}

void Directory::Impl::record_denial(const Denial& denial) {
  Event e = denial.event;
  write_denial(e);
  // Inside a batch the event commits with it; if the batch rolls back, the
  // event is written again afterwards (see after_batch_rollback()).
  if (batch_depth > 0) batch_denials.push_back({batch_depth, e});
  if (denial.decision.rule == Rule::kOrgAccess)  // the audit keeps the reason; the caller learns no name
    throw NotFound("no " + (e.resource.type.empty() ? std::string("object") : e.resource.type) + " with id " +
                   std::to_string(e.resource.id) + " in the orgs you can access");
  throw PermissionDenied(denial.decision.reason, std::string(rule_name(denial.decision.rule)));
}

void Directory::Impl::after_batch_rollback(int depth) {
  std::vector<PendingDenial> lost;
  for (auto it = batch_denials.begin(); it != batch_denials.end();)
    if (it->depth >= depth) {
      lost.push_back(*it);
      it = batch_denials.erase(it);
    } else {
      ++it;
    }
  for (PendingDenial& p : lost) {
    write_denial(p.event);  // in the outer batch if there is one, else on its own
    if (batch_depth > 0) batch_denials.push_back({batch_depth, p.event});
  }
}

void Directory::Impl::after_batch_commit(int depth) {
  for (PendingDenial& p : batch_denials)
    if (p.depth >= depth) p.depth = depth - 1;
  batch_denials.erase(std::remove_if(batch_denials.begin(), batch_denials.end(),
                                     [](const PendingDenial& p) { return p.depth == 0; }),
                      batch_denials.end());
}

void Directory::Impl::require_visible(const Actor& actor, std::initializer_list<Id> ids, const std::string& event_type) {
  if (actor.type == ActorType::kSystem) return;
  for (Id id : ids) {
    const Entity* e = model.find(id);
    if (e == nullptr) continue;
    const Id org = e->kind == Kind::kOrg ? id : e->org;
    if (org == kNoId) {  // directory-wide: admins, seen by admins
      if (actor.type == ActorType::kUser && e->kind == Kind::kAdmin)
        require(Decision{false, Rule::kOrgAccess, "a directory user does not see admins (object " + std::to_string(id) + ")"},
                actor, id, event_type);
      continue;
    }
    const Decision sees = engine.sees_org(actor, org, true);
    if (!sees.allowed)
      require(sees.rule == Rule::kOrgAccess
                  ? Decision{false, Rule::kOrgAccess, "object " + std::to_string(id) + " is in an org " +
                                                          engine.describe_actor(actor) + " cannot access"}
                  : sees,
              actor, id, event_type);
  }
}

bool Directory::Impl::filters(const Actor& actor, Scope scope, Id org) {
  if (actor.type == ActorType::kSystem) return false;
  if (actor.type == ActorType::kUser) return true;
  return engine.check(actor, action_for(scope, Verb::kRead), org, false).rule == Rule::kAssignedCommands;
}

// ---- Directory ---------------------------------------------------------------

Directory::Directory(const std::string& path, OpenOptions options)
    : impl_((init_logging_once(), std::make_unique<Impl>(path, options))) {
  impl_->reload();
  spdlog::info("dirctl: opened '{}' (schema {}, {} objects)", path, impl_->store.schema_version(),
               impl_->model.live_objects());
}

Directory::~Directory() = default;

const std::string& Directory::path() const {
  static const std::string kClosed = "<closed>";
  return impl_ ? impl_->path : kClosed;
}

void Directory::close() {
  if (impl_ && impl_->batch_depth > 0) {
    impl_->batch_savepoints.clear();
    impl_->batch.reset();
    impl_->batch_depth = 0;
    impl_->after_batch_rollback(1);  // a denial is recorded even when its batch is abandoned
  }
  impl_.reset();
}

bool Directory::is_closed() const { return !impl_; }

Directory::Impl& live(const std::unique_ptr<Directory::Impl>& impl) {
  if (!impl) throw StorageError("the directory is closed; open it again with dirctl.open(path)");
  impl->catch_up();
  impl->model.compact_names();  // between operations: no name view is held now
  return *impl;
}

Record Directory::get(const Actor& actor, Id id) {
  Impl& d = live(impl_);
  return audited(d, [&] {
    const Entity& e = d.entity(id);
    if (e.kind == Kind::kOrg)
      d.require(d.engine.sees_org(actor, id, true), actor, id, "organization_read");
    else
      d.authorize(actor, scope_of(e.kind), Verb::kRead, id, std::string(kind_name(e.kind)) + "_read");
    return d.full_record(id);
  });
}

Record Directory::find(const Actor& actor, Kind kind_id, Id org, const std::string& key) {
  Impl& d = live(impl_);
  return audited(d, [&] {
    const KindSpec& kind = spec(kind_id);
    d.require_visible(actor, {org}, kind.name + "_read");
    if (kind.per_org) d.entity(org, Kind::kOrg);
    for (const auto& field_name : kind.key_fields) {
      const FieldSpec& f = *kind.field(field_name);
      std::vector<Id> ids = d.records.lookup(kind, f, org, key);
      if (ids.size() > 1)
        throw InvalidArgument("more than one " + kind.name + " has " + f.name + " '" + key +
                              "'; look it up by id instead");
      if (ids.size() == 1) {
        if (kind_id == Kind::kOrg)
          d.require(d.engine.sees_org(actor, ids[0], true), actor, ids[0], "organization_read");
        else
          d.authorize(actor, scope_of(kind_id), Verb::kRead, ids[0], kind.name + "_read");
        return d.full_record(ids[0]);
      }
    }
    std::string where = kind.per_org ? " in org '" + std::string(d.entity(org).name) + "'" : "";
    throw NotFound("no " + kind.name + " with " + kind.key_fields.front() +
                   (kind.key_fields.size() > 1 ? " or " + kind.key_fields.back() : "") + " '" + key + "'" + where);
  });
}

// Listing rights: the scope in the org (or directory-wide); for orgs, each
// org the actor can see.
void authorize_listing(Directory::Impl& d, const Actor& actor, const KindSpec& kind, Id org) {
  d.require_visible(actor, {org}, kind.name + "_list");
  if (kind.per_org) d.entity(org, Kind::kOrg);
  if (kind.kind == Kind::kOrg) {  // filtered org by org, once the actor may act at all
    if (actor.type == ActorType::kSystem) return;
    Decision who = d.engine.sees_org(actor, kNoId, true);
    if (who.rule != Rule::kOrgAccess) d.require(who, actor, kNoId, "organization_list");
    return;
  }
  d.authorize(actor, scope_of(kind.kind), Verb::kRead, kind.per_org ? org : kNoId, kind.name + "_list");
}

bool listing_visible(Directory::Impl& d, const Actor& actor, Kind kind, Id id) {
  if (kind == Kind::kOrg) return d.engine.sees_org(actor, id, false).allowed;
  return d.engine.check(actor, action_for(scope_of(kind), Verb::kRead), id, false).allowed;
}

std::vector<Record> Directory::list(const Actor& actor, Kind kind_id, Id org) {
  Impl& d = live(impl_);
  return audited(d, [&] {
    const KindSpec& kind = spec(kind_id);
    authorize_listing(d, actor, kind, org);
    std::vector<Record> out = d.records.read_all(kind, kind.per_org ? org : kNoId);
    if (kind_id == Kind::kOrg || d.filters(actor, scope_of(kind_id), org))
      out.erase(std::remove_if(out.begin(), out.end(), [&](const Record& r) { return !listing_visible(d, actor, kind_id, r.id); }),
                out.end());
    if (kind_id == Kind::kAdmin)
      for (auto& r : out) d.fill_org_access(r);
    return out;
  });
}

std::size_t Directory::count(const Actor& actor, Kind kind_id, Id org) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> std::size_t {
    const KindSpec& kind = spec(kind_id);
    authorize_listing(d, actor, kind, org);
    if (kind_id != Kind::kOrg && !d.filters(actor, scope_of(kind_id), org))
      return d.model.count(kind_id, kind.per_org ? org : kNoId);
    std::size_t n = 0;
    for (Id id : d.model.ids_of(kind_id, kind.per_org ? org : kNoId)) n += listing_visible(d, actor, kind_id, id) ? 1 : 0;
    return n;
  });
}

Decision Directory::check(const Actor& actor, const std::string& action, Id resource) {
  Impl& d = live(impl_);
  return d.engine.check(actor, action_id(action), resource, true);
}

std::optional<Decision> Directory::check_if_current(const Actor& actor, ActionId action, Id resource,
                                                    bool explain) {
  if (!impl_) throw StorageError("the directory is closed; open it again with dirctl.open(path)");
  if (impl_->batch_depth == 0 && !impl_->store.unchanged_since(impl_->synced_mark)) return std::nullopt;
  // Straight to the engine: a commit landing after the probe must not start
  // a catch-up here, which could read the file with the caller's GIL held.
  return impl_->engine.check(actor, action, resource, explain);
}

Decision Directory::check_by_id(const Actor& actor, ActionId action, Id resource, bool explain) {
  Impl& d = live(impl_);
  return d.engine.check(actor, action, resource, explain);
}

std::string Directory::reason_unchanged(const Actor& actor, ActionId action, Id resource) const {
  if (!impl_) return std::string();
  return impl_->engine.check(actor, action, resource, true).reason;
}

void Directory::check_many(const std::vector<Actor>& actors, const std::vector<ActionId>& actions,
                           const std::vector<Id>& resources, std::uint8_t* allowed, std::uint8_t* rules) {
  Impl& d = live(impl_);
  const std::size_t n = std::max({actors.size(), actions.size(), resources.size()});
  for (const auto size : {actors.size(), actions.size(), resources.size()})
    if (size != n && size != 1)
      throw InvalidArgument("check_many: actors, actions and resources must have the same length (or length 1); got " +
                            std::to_string(actors.size()) + ", " + std::to_string(actions.size()) + ", " +
                            std::to_string(resources.size()));
  for (ActionId a : actions)
    if (a >= action_count()) throw InvalidArgument("check_many: unknown action id " + std::to_string(a));
  const bool ba = actors.size() == 1, bc = actions.size() == 1, br = resources.size() == 1;
  for (std::size_t i = 0; i < n; ++i) {
    Decision dec = d.engine.check(actors[ba ? 0 : i], actions[bc ? 0 : i], resources[br ? 0 : i], false);
    allowed[i] = dec.allowed ? 1 : 0;
    if (rules != nullptr) rules[i] = static_cast<std::uint8_t>(dec.rule);
  }
}

std::vector<Actor> Directory::actors_for(const std::vector<Id>& ids) {
  Impl& d = live(impl_);
  std::vector<Actor> out;
  out.reserve(ids.size());
  for (Id id : ids) {
    const Entity* e = d.model.find(id);
    out.push_back(Actor{e != nullptr && e->kind == Kind::kUser ? ActorType::kUser : ActorType::kAdmin, id});
  }
  return out;
}

Actor Directory::actor_for(Id id, bool api_key) {
  Impl& d = live(impl_);
  const Entity* e = d.model.find(id);
  if (e == nullptr || (e->kind != Kind::kAdmin && e->kind != Kind::kUser))
    throw NotFound("no admin or user with id " + std::to_string(id) + " to act as");
  if (api_key && e->kind != Kind::kAdmin) throw InvalidArgument("only admins have API keys; " + d.describe(id) + " is a user");
  return Actor{api_key ? ActorType::kApiKey : e->kind == Kind::kAdmin ? ActorType::kAdmin : ActorType::kUser, id};
}

Actor Directory::act_as(const Actor& from, Id id, ActorType as) {
  Impl& d = live(impl_);
  return audited(d, [&] {
    const bool user = as == ActorType::kUser;
    const Entity* e = d.model.find(id);
    if (from.type != ActorType::kSystem) {
      // A view may only narrow itself: the same admin through its API key,
      // or itself again. Anything else would act with another's rights.
      const bool same = id == from.id && (as == from.type || (from.type == ActorType::kAdmin && as == ActorType::kApiKey));
      if (!same) {
        Decision no{false, Rule::kActingView,
                    d.engine.describe_actor(from) + " may not act as " +
                        (e == nullptr ? "object " + std::to_string(id) : d.engine.describe_visible(from.id, id)) +
                        ": a view acts only as its own actor; open the view from the directory handle instead"};
        d.require(no, from, e != nullptr ? id : kNoId, "acting_view_denied");
      }
    }
    if (as == ActorType::kSystem) throw InvalidArgument("a view acts as an admin, an API key or a user, not as system");
    if (e == nullptr) throw NotFound("no " + std::string(user ? "user" : "admin") + " with id " + std::to_string(id) + " to act as");
    if (e->kind != (user ? Kind::kUser : Kind::kAdmin))
      throw InvalidArgument(d.describe(id) + " is not " + (user ? "a user; use as_admin for admins" : "an admin; use as_user for users"));
    return Actor{as, id, from.type == ActorType::kSystem ? 0 : from.credential};  // a session stays one
  });
}

void Directory::begin_batch() {
  Impl& d = live(impl_);
  if (d.batch_depth > 0) {
    d.batch_savepoints.push_back(std::make_unique<Savepoint>(d.store, "batch"));  // an inner batch can fail alone
  } else {
    d.batch.emplace(d.store);
    try {
      d.catch_up();  // under the write lock: nothing can land between this and our writes
    } catch (...) {
      d.batch.reset();
      throw;
    }
  }
  ++d.batch_depth;
}

void Directory::commit_batch() {
  if (!impl_ || impl_->batch_depth == 0) throw InvalidArgument("commit_batch() without begin_batch()");
  Impl& d = *impl_;
  const int depth = d.batch_depth--;
  if (d.batch_depth > 0) {
    d.batch_savepoints.back()->release();
    d.batch_savepoints.pop_back();
    d.after_batch_commit(depth);
    return;
  }
  try {
    d.data_version = d.batch->commit();
  } catch (...) {
    d.batch.reset();
    d.reload();
    d.after_batch_rollback(depth);
    throw;
  }
  d.batch.reset();
  d.after_batch_commit(depth);
}

void Directory::rollback_batch() {
  if (!impl_ || impl_->batch_depth == 0) throw InvalidArgument("rollback_batch() without begin_batch()");
  Impl& d = *impl_;
  const int depth = d.batch_depth--;
  if (d.batch_depth > 0)
    d.batch_savepoints.pop_back();  // only the inner batch; the outer one goes on
  else
    d.batch.reset();
  d.reload();  // memory follows the file, inside the outer transaction if any
  d.after_batch_rollback(depth);
}

bool Directory::in_batch() const { return impl_ && impl_->batch_depth > 0; }

std::int64_t Directory::last_event_seq() { return live(impl_).log.last_seq(); }

int Directory::schema_version() const {
  if (!impl_) throw StorageError("the directory is closed");
  return impl_->store.schema_version();
}

int Directory::latest_schema_version() { return dirctl::latest_schema_version(); }

std::string Directory::integrity_check() { return live(impl_).store.integrity_check(); }

void Directory::refresh() { live(impl_); }

bool Directory::wait_for_change(int timeout_ms) {
  if (!impl_) throw StorageError("the directory is closed");
  Impl& d = *impl_;
  if (d.batch_depth > 0) throw InvalidState("wait_for_change inside a batch would hold the writer lock while waiting");
  if (d.store.data_version() != d.data_version) return true;
  return d.store.wait_for_commit(timeout_ms);
}

const Model& Directory::model() { return live(impl_).model; }

}  // namespace dirctl
