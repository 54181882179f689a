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

WriteScope::WriteScope(Directory::Impl& d) : d_(d), nested_(d.batch_depth > 0) {
  if (nested_) {
    d_.store.savepoint();
    return;
  }
  d_.store.begin();
  try {
    d_.catch_up();
  } catch (...) {
    d_.store.rollback();
    throw;
  }
}

WriteScope::~WriteScope() {
  if (done_) return;
  if (nested_)
    d_.store.rollback_to();
  else
    d_.store.rollback();
  if (touched_) {
    try {
      d_.reload();
    } catch (const std::exception& e) {
      spdlog::error("dirctl: reload after a failed write failed: {}", e.what());
    }
  }
}

void WriteScope::commit() {
  if (nested_) {
    d_.store.release();
  } else {
    try {
      d_.store.commit();
    } catch (...) {
      d_.store.rollback();
      d_.reload();
      done_ = true;
      throw;
    }
    d_.data_version = d_.store.data_version();
  }
  done_ = true;
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
  if (e.kind == Kind::kAdmin) {
    IdList orgs;
    for (Id other : model.neighbors(id))
      if (const Entity* o = model.find(other); o != nullptr && o->kind == Kind::kOrg) orgs.push_back(other);
    std::sort(orgs.begin(), orgs.end());
    for (auto& [name, value] : rec->fields)
      if (name == "orgs") value = std::move(orgs);
  }
  return *rec;
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
  e.seq = log.append(e);
  last_seq = e.seq;
  return e.seq;
}

void Directory::Impl::authorize(const Actor& actor, Kind, const char*, Id) {
  // Only the directory's own handle acts in this layer; acting contexts
  // (admins, users, API keys) are authorised by the role engine.
  if (actor.type != ActorType::kSystem)
    throw PermissionDenied("acting as " + describe(actor.id) + " is not possible on the raw directory handle");
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
  if (impl_ && impl_->batch_depth > 0) impl_->store.rollback();
  impl_.reset();
}

bool Directory::is_closed() const { return !impl_; }

namespace {
Directory::Impl& live(const std::unique_ptr<Directory::Impl>& impl) {
  if (!impl) throw StorageError("the directory is closed; open it again with dirctl.open(path)");
  impl->catch_up();
  return *impl;
}
}  // namespace

Record Directory::get(const Actor& actor, Id id) {
  Impl& d = live(impl_);
  const Entity& e = d.entity(id);
  d.authorize(actor, e.kind, "read", id);
  return d.full_record(id);
}

Record Directory::find(const Actor& actor, Kind kind_id, Id org, const std::string& key) {
  Impl& d = live(impl_);
  const KindSpec& kind = spec(kind_id);
  if (kind.per_org) d.entity(org, Kind::kOrg);
  for (const auto& field_name : kind.key_fields) {
    const FieldSpec& f = *kind.field(field_name);
    std::vector<Id> ids = d.records.lookup(kind, f, org, key);
    if (ids.size() > 1)
      throw InvalidArgument("more than one " + kind.name + " has " + f.name + " '" + key +
                            "'; look it up by id instead");
    if (ids.size() == 1) {
      d.authorize(actor, kind_id, "read", ids[0]);
      return d.full_record(ids[0]);
    }
  }
  std::string where = kind.per_org ? " in org '" + std::string(d.entity(org).name) + "'" : "";
  throw NotFound("no " + kind.name + " with " + kind.key_fields.front() +
                 (kind.key_fields.size() > 1 ? " or " + kind.key_fields.back() : "") + " '" + key + "'" + where);
}

std::vector<Record> Directory::list(const Actor& actor, Kind kind_id, Id org) {
  Impl& d = live(impl_);
  const KindSpec& kind = spec(kind_id);
  if (kind.per_org) d.entity(org, Kind::kOrg);
  d.authorize(actor, kind_id, "read", kNoId);
  std::vector<Record> out = d.records.read_all(kind, kind.per_org ? org : kNoId);
  if (kind_id == Kind::kAdmin)
    for (auto& r : out) r = d.full_record(r.id);
  return out;
}

std::size_t Directory::count(const Actor& actor, Kind kind, Id org) {
  Impl& d = live(impl_);
  d.authorize(actor, kind, "read", kNoId);
  return d.model.count(kind, spec(kind).per_org ? org : kNoId);
}

Columns Directory::columns(const Actor& actor, Kind kind_id, Id org) {
  Impl& d = live(impl_);
  const KindSpec& kind = spec(kind_id);
  if (kind.per_org) d.entity(org, Kind::kOrg);
  d.authorize(actor, kind_id, "read", kNoId);
  return d.records.columns(kind, kind.per_org ? org : kNoId);
}

void Directory::begin_batch() {
  Impl& d = live(impl_);
  if (d.batch_depth == 0) {
    d.store.begin();
    try {
      d.batch_depth = 0;
      const std::int64_t v = d.store.data_version();
      if (v != d.data_version) {
        d.data_version = v;
        d.replay_since(d.last_seq);
      }
    } catch (...) {
      d.store.rollback();
      throw;
    }
  }
  ++d.batch_depth;
}

void Directory::commit_batch() {
  if (!impl_ || impl_->batch_depth == 0) throw InvalidArgument("commit_batch() without begin_batch()");
  Impl& d = *impl_;
  if (--d.batch_depth > 0) return;
  try {
    d.store.commit();
  } catch (...) {
    d.store.rollback();
    d.reload();
    throw;
  }
  d.data_version = d.store.data_version();
}

void Directory::rollback_batch() {
  if (!impl_ || impl_->batch_depth == 0) throw InvalidArgument("rollback_batch() without begin_batch()");
  Impl& d = *impl_;
  d.batch_depth = 0;
  d.store.rollback();
  d.reload();
}

bool Directory::in_batch() const { return impl_ && impl_->batch_depth > 0; }

std::vector<Event> Directory::events(const EventFilter& filter) {
  Impl& d = live(impl_);
  EventFilter f = filter;
  for (auto* t : {&f.since, &f.until})
    if (*t) {
      std::string c = canonical_timestamp(**t);
      if (c.empty()) throw InvalidArgument("'" + **t + "' is not a timestamp; use ISO-8601, e.g. 2026-11-23T14:00:00Z");
      *t = c;
    }
  return d.log.query(f);
}

std::int64_t Directory::last_event_seq() { return live(impl_).log.last_seq(); }

int Directory::schema_version() const {
  if (!impl_) throw StorageError("the directory is closed");
  return impl_->store.schema_version();
}

int Directory::latest_schema_version() { return dirctl::latest_schema_version(); }

std::string Directory::integrity_check() { return live(impl_).store.integrity_check(); }

void Directory::refresh() { live(impl_); }

const Model& Directory::model() { return live(impl_).model; }

}  // namespace dirctl
