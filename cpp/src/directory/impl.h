// Directory::Impl: the state behind the facade, and the write discipline.
//
// WriteScope is the only way to write: outside a batch it opens BEGIN
// IMMEDIATE and catches up with other processes under the lock; inside a
// batch it opens a savepoint, so a failed operation leaves the batch as it
// was. Memory is changed only after SQLite accepted every row of the
// operation; if memory may disagree with the file (failed commit, rolled-back
// batch), the model is reloaded from the file.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "authz/role_engine.h"
#include "commands/run_host.h"
#include "dirctl/command_runs.h"
#include "dirctl/reviews.h"
#include "dirctl/schedules.h"
#include "graph/assignment_graph.h"
#include "identity/identity_host.h"
#include "identity/secret_box.h"
#include "dirctl/authz.h"
#include "dirctl/directory.h"
#include "dirctl/event.h"
#include "dirctl/identity.h"
#include "dirctl/insights.h"
#include "dirctl/kinds.h"
#include "model/model.h"
#include "store/change_text.h"
#include "store/event_log.h"
#include "store/identity_store.h"
#include "store/record_store.h"
#include "store/record_writer.h"
#include "store/store.h"
#include "store/transaction.h"

namespace dirctl {

struct Denial;

struct Directory::Impl {
  Impl(const std::string& path, const OpenOptions& options)
      : path(path), store(path, options.busy_timeout_ms, options.uri), records(store), writer(store), log(store),
        identity_store(store) {}

  std::string path;
  Store store;
  RecordStore records;
  RecordWriter writer;  // every row and event written goes through it
  EventLog log;
  IdentityStore identity_store;
  Model model;
  RoleEngine engine{model};
  std::unique_ptr<AssignmentGraph> graph;  // built on first use, then kept in step with the model
  std::unique_ptr<IdentityHost> host;      // the service rooms' host (run_host.cpp), made on first use
  std::unique_ptr<CommandRuns> runs;
  std::unique_ptr<Schedules> schedules;
  std::unique_ptr<Reviews> reviews;
  std::unique_ptr<Identity> identity;
  std::unique_ptr<Insights> insights;
  std::unique_ptr<SecretBox> secret_box;  // the TOTP seeds' key, read on first use
  int batch_depth = 0;
  std::optional<Transaction> batch;                     // the outermost batch's transaction
  std::vector<std::unique_ptr<Savepoint>> batch_savepoints;  // one per inner batch
  std::int64_t last_seq = 0;      // newest event reflected in `model`
  std::int64_t data_version = -1;  // PRAGMA data_version when last synced
  // The wal-index header as it was just before the last catch-up that left
  // the model current: while the file's header still equals it, nothing has
  // committed since, and catch_up() needs no read (store/change_probe.h).
  ChangeProbe::Mark synced_mark;

  // sync.cpp
  void reload();         // the whole model from one snapshot of the file
  void load_snapshot();  // reload()'s reads, inside its read transaction
  void catch_up();  // no-op inside our own transaction
  void replay_since(std::int64_t seq);
  void refresh_object(const ObjectRef& ref);
  void sync_credentials(Id principal);  // the model's live sessions and keys of one admin or user

  // directory.cpp
  const Entity& entity(Id id, Kind expect = Kind::kNone) const;  // NotFound
  std::string describe(Id id) const;                             // "user 'alice' (id 12)"
  Record full_record(Id id);
  IdList org_access(Id admin) const;          // sorted org ids
  void fill_org_access(Record& admin) const;  // sets its "orgs" field
  Event event(const Actor& actor, const std::string& type, Id org, Id resource) const;
  std::int64_t append(Event& e);
  // Throws Denial when the role engine says no.
  void authorize(const Actor& actor, ActionId action, Id resource, const std::string& event_type);
  void authorize(const Actor& actor, Scope scope, Verb verb, Id resource, const std::string& event_type);
  void require(const Decision& decision, const Actor& actor, Id resource, const std::string& event_type);
  // Records a denial in its own transaction (or savepoint inside a batch),
  // then throws PermissionDenied, or NotFound for objects outside the
  // actor's orgs.
  [[noreturn]] void record_denial(const Denial& denial);
  void write_denial(Event e);
  // Denials written inside a batch, with the batch depth they were written
  // at: a rolled-back batch must not take them along.
  struct PendingDenial {
    int depth;
    Event event;
  };
  std::vector<PendingDenial> batch_denials;
  void after_batch_rollback(int depth);  // rewrites the denials the rollback undid
  void after_batch_commit(int depth);    // they now belong to the enclosing batch
  // For an acting actor: each object named must lie in an org it can see
  // (admins: its org access; users: their org; admins are seen by admins
  // only), checked before anything that would describe it. Otherwise a
  // denial (org_access, reported as NotFound, no name). Ids of no object
  // pass: the caller's own NotFound names only the id.
  void require_visible(const Actor& actor, std::initializer_list<Id> ids, const std::string& event_type);
  // Whether a listing of `scope` must be filtered object by object.
  bool filters(const Actor& actor, Scope scope, Id org);
};

// Thrown by authorize() inside an operation; the entry point catches it after
// the operation's transaction has rolled back and calls record_denial().
struct Denial {
  Decision decision;
  Event event;
};



// The state of an open directory, caught up with other processes; throws
// StorageError once closed. Every entry point starts here.
Directory::Impl& live(const std::unique_ptr<Directory::Impl>& impl);

// Listing rights: the org visible to the actor and alive, then the kind's
// scope in it (or directory-wide); for orgs, each org the actor can see. listing_visible(): one object of a listing.
void authorize_listing(Directory::Impl& d, const Actor& actor, const KindSpec& kind, Id org);
bool listing_visible(Directory::Impl& d, const Actor& actor, Kind kind, Id id);

// Runs an entry point; a Denial becomes an audited PermissionDenied/NotFound.
template <typename F>
auto audited(Directory::Impl& d, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Denial& denial) {
    d.record_denial(denial);
  }
}

class WriteScope {
 public:
  explicit WriteScope(Directory::Impl& d);
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  // Call right before changing memory: from here on a failure reloads.
  void touching_memory() { touched_ = true; }
  void commit();

 private:
  Directory::Impl& d_;
  std::optional<Transaction> transaction_;  // outside a batch
  std::optional<Savepoint> savepoint_;      // inside one
  bool done_ = false;
  bool touched_ = false;
};

ObjectRef ref_of(const Directory::Impl& d, Id id);

}  // namespace dirctl
