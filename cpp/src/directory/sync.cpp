// Loading the model from the file, and catching up with other processes.
#include <cstdlib>  // defines __GLIBC__ on glibc
#ifdef __GLIBC__
#include <malloc.h>  // malloc_trim
#endif

#include <spdlog/spdlog.h>

#include "dirctl/error.h"
#include "directory/impl.h"
#include "model/entity_fields.h"

namespace dirctl {
namespace {

// Events after which an admin's or user's live sessions and keys may differ:
// anything about an admin (role, suspension, keys, logins), and a user's
// login or logout. Other user events (an import's thousands) read none.
bool changes_credentials(const Event& e) {
  if (e.resource.id <= 0) return false;
  if (e.resource.type == "admin") return true;
  const auto ends = [&](const char* suffix) {
    const std::string_view t(e.event_type), s(suffix);
    return t.size() >= s.size() && t.compare(t.size() - s.size(), s.size(), s) == 0;
  };
  return e.resource.type == "user" && (ends("_login_attempt") || ends("_logout"));
}

Credential credential_of(const CredentialRow& c) {
  const bool key = c.kind == CredentialKind::kApiKey;
  return Credential{c.principal, c.expires, key, key ? c.lookup : std::string(), key ? c.secret_hash : std::string()};
}

}  // namespace

void Directory::Impl::reload() {
  // The version first, then everything else in one snapshot: a commit that
  // lands between them moves the version again, and the next catch_up()
  // replays it from last_seq (read in the same snapshot as the objects).
  const std::int64_t version = store.data_version();
  {
    Store::ReadTransaction snapshot(store);
    load_snapshot();
  }
  data_version = version;
  // The scan filled SQLite's page cache (up to 128 MiB) with pages the model
  // now holds what it needs of: give them back, to the system too (glibc
  // keeps freed heap otherwise). About 130 bytes per user of resident memory.
  store.shrink_memory();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  spdlog::debug("dirctl: loaded {} objects from '{}'", model.live_objects(), path);
}

void Directory::Impl::load_snapshot() {
  model.clear();
  for (const KindSpec* kind : all_specs()) model.note_id(records.max_id(*kind));
  // Ids of deleted objects are never reused: the log remembers them.
  model.note_id(static_cast<Id>(log.max_resource_id()));
  model.reserve(model.max_id());
  for (const KindSpec* kind : all_specs())
    records.load_hot(*kind, [&](const HotRow& row) {
      Entity e;
      e.kind = kind->kind;
      e.org = row.org;
      e.name = row.name;  // put() copies it into the model's pool
      for (const auto& [f, v] : row.values) apply_field(*kind, *f, v, e);
      model.put(row.id, e);
      for (const auto& [f, v] : row.values) apply_side_field(model, row.id, *f, v);
    });
  records.load_edges([this](Id a, Id b) { model.link_unchecked(a, b); });
  for (const CredentialRow& c : identity_store.live_credentials(kNoId)) model.put_credential(c.id, credential_of(c));
  last_seq = log.last_seq();
}

void Directory::Impl::sync_credentials(Id principal) {
  model.end_credentials_of(principal);
  for (const CredentialRow& c : identity_store.live_credentials(principal)) model.put_credential(c.id, credential_of(c));
}

void Directory::Impl::catch_up() {
  if (batch_depth > 0) return;
  // No commit by anyone since the mark: the model is as current as it was
  // then (our own commits move the header too, so they fall through once).
  if (store.unchanged_since(synced_mark)) return;
  // The mark before the exact look: a commit landing between the two moves
  // the header away from it, so the next call looks again.
  const ChangeProbe::Mark mark = store.change_mark();
  const std::int64_t v = store.data_version();
  if (v != data_version) {
    replay_since(last_seq);  // a failure leaves the old version and mark: the next call retries
    data_version = v;
  }
  synced_mark = mark;
}

void Directory::Impl::replay_since(std::int64_t seq) {
  constexpr std::int64_t kReloadAbove = 50000;
  EventFilter f;
  f.after_seq = seq;
  f.by_seq = true;
  f.limit = kReloadAbove + 1;
  std::vector<Event> events = log.query(f);
  if (static_cast<std::int64_t>(events.size()) > kReloadAbove) {
    reload();
    return;
  }
  spdlog::debug("dirctl: catching up {} events from another process", events.size());
  Store::ReadTransaction snapshot(store);  // the objects as of one commit, at least as new as the events
  for (const Event& e : events) {
    last_seq = e.seq;
    if (!e.success) continue;
    // A purge may have removed events after `seq`: what they changed is
    // unknown here (its own event always lies after what it removed).
    if (e.event_type == "organization_delete" || e.event_type == "events_purge") {
      reload();
      return;
    }
    refresh_object(e.resource);
    refresh_object(e.target);
    if (changes_credentials(e)) sync_credentials(static_cast<Id>(e.resource.id));
  }
}

void Directory::Impl::refresh_object(const ObjectRef& ref) {
  if (ref.id <= 0 || ref.type.empty()) return;
  const Id id = static_cast<Id>(ref.id);
  const KindSpec& kind = spec(kind_from_name(ref.type));
  model.note_id(id);
  auto rec = records.read(kind, id);
  if (!rec) {
    model.erase(id);
    model.end_credentials_of(id);
    return;
  }
  put_record(model, kind, *rec);
  model.clear_edges(id);
  for (Id other : records.edges_of(id)) model.link(id, other);
}

}  // namespace dirctl
