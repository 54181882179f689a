// Directory: the facade over one directory file (or ":memory:").
//
// It opens the store, loads the in-memory model and routes every operation.
// Every mutation is validated, written to SQLite together with its audit
// event inside one transaction, and only then applied to memory; a failure
// changes nothing, on disk or in memory. Before each operation the directory
// catches up with commits made by other processes on the same file.
//
// The API is generic over kinds: fields are (name, Value) pairs checked
// against the kind's descriptor (cpp/include/dirctl/kinds.h), so Python and C++
// callers share one validation path.
//
// Thread-safety: one Directory is used by one thread at a time (the Python
// bindings hold a mutex around each call). Many processes may open one file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/authz.h"
#include "dirctl/binding.h"
#include "dirctl/command_runs.h"
#include "dirctl/reviews.h"
#include "dirctl/schedules.h"
#include "dirctl/table_columns.h"
#include "dirctl/event.h"
#include "dirctl/graph.h"
#include "dirctl/identity.h"
#include "dirctl/insights.h"
#include "dirctl/record.h"
#include "dirctl/types.h"
#include "dirctl/user_import.h"
#include "dirctl/value.h"

namespace dirctl {

class Model;

struct OpenOptions {
  int busy_timeout_ms = 10000;  // how long a writer waits for another process's lock
  bool uri = false;             // take the path as a SQLite URI ("file:...?mode=...")
};


class Directory {
 public:
  // Creates the file (schema at the latest version) or opens and upgrades it.
  // Throws StorageError for a file that is not a dirctl directory (left
  // untouched) or that a newer dirctl wrote.
  explicit Directory(const std::string& path, OpenOptions options = {});
  ~Directory();
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  const std::string& path() const;
  void close();  // idempotent; any later call throws StorageError
  bool is_closed() const;

  // --- objects of every kind -------------------------------------------
  // org is kNoId for orgs and admins (directory-wide kinds).
  Record create(const Actor& actor, Kind kind, Id org, const Fields& fields);
  Record update(const Actor& actor, Id id, const Fields& fields);
  void remove(const Actor& actor, Id id);
  Record get(const Actor& actor, Id id);
  // By the kind's key fields (username or email; name; hostname; ...).
  Record find(const Actor& actor, Kind kind, Id org, const std::string& key);
  std::vector<Record> list(const Actor& actor, Kind kind, Id org);
  std::size_t count(const Actor& actor, Kind kind, Id org);
  // list() as typed columns (dirctl/table_columns.h), for DataFrames.
  TableColumns columns(const Actor& actor, Kind kind, Id org);

  // --- relations ----------------------------------------------------------
  void add_member(const Actor& actor, Id group, Id member);
  void remove_member(const Actor& actor, Id group, Id member);
  std::vector<Record> members(const Actor& actor, Id group);
  std::vector<Record> groups_of(const Actor& actor, Id member);
  // Allowed pairs: user|user_group <-> device|device_group,
  // command <-> device|device_group, admin <-> command. Order does not matter.
  void associate(const Actor& actor, Id a, Id b);
  void dissociate(const Actor& actor, Id a, Id b);
  std::vector<Record> associations(const Actor& actor, Id id);
  // Device bindings (dirctl/binding.h), in directory/bindings.cpp. A user's
  // or a device's bindings with their flags, by the other end's id (reads:
  // the scope of `id`). bind() makes the binding or changes its flags (user
  // and device in either order; passwordless_sudo needs sudo); dissociate()
  // removes it.
  std::vector<Binding> bindings(const Actor& actor, Id id);
  void bind(const Actor& actor, Id a, Id b, bool sudo, bool passwordless_sudo);

  // Admin from user: an admin with the user's email, linked to the user.
  Record create_admin_from_user(const Actor& actor, Id user, const Fields& fields);

  // --- authorisation -----------------------------------------------------------
  // Every method above takes the acting context: Actor::system() is allowed
  // everything but the admin invariants; admins, API keys and users are
  // checked by the role engine. A denial changes nothing, is recorded as an
  // audit event with success = false, and throws PermissionDenied (or
  // NotFound when the object lies outside the actor's orgs).
  Decision check(const Actor& actor, const std::string& action, Id resource);
  // check() by action id, the reason only with explain: the Python binding's.
  // nullopt, having done nothing, when catching up with other connections
  // would have to read the file (a commit since the last look, :memory:, or
  // DIRCTL_EXACT_CATCH_UP): the caller then calls check_by_id() instead,
  // which catches up. Throws StorageError once closed.
  std::optional<Decision> check_if_current(const Actor& actor, ActionId action, Id resource, bool explain);
  Decision check_by_id(const Actor& actor, ActionId action, Id resource, bool explain);
  // The reason check_by_id(actor, action, resource) would give now, with no
  // catch-up: equal to the reason of an earlier check only while nothing has
  // changed the model since (the binding computes it before its next call)
  // and the actor has no credential (whose expiry depends on the clock).
  // "" once closed.
  std::string reason_unchanged(const Actor& actor, ActionId action, Id resource) const;
  // Many checks in one call; each input has length n or 1 (broadcast).
  // Writes allowed[i] (0/1) and, if rules != nullptr, rules[i] (Rule).
  void check_many(const std::vector<Actor>& actors, const std::vector<ActionId>& actions,
                  const std::vector<Id>& resources, std::uint8_t* allowed, std::uint8_t* rules);
  // The actor for a live admin or user id (kUser or kAdmin by its kind).
  Actor actor_for(Id id, bool api_key = false);
  // The actor an acting view should hold: `as` (admin, API key or user) for
  // object `id`, which must be of the matching kind (InvalidArgument
  // otherwise). From the system handle any admin or user; from an acting
  // actor only itself (or, for an admin, its own API key): anything else is
  // an audited PermissionDenied (rule acting_view).
  Actor act_as(const Actor& from, Id id, ActorType as);
  // Actors for many ids at once; an id that is no admin or user yields an
  // actor the engine denies (unknown_actor) instead of an error.
  std::vector<Actor> actors_for(const std::vector<Id>& ids);

  // --- assignment graph (Boost.Graph) ----------------------------------------------
  // Objects of kind `want` reachable from `from` along the assignment graph:
  // devices of a user, group or command; users or commands of a device;
  // commands of an admin... Ascending ids. Reads: the scope of `from`.
  std::vector<Id> reach(const Actor& actor, Id from, Kind want);
  // Every path that connects a and b, first hop a: what to remove to cut it.
  std::vector<Path> explain(const Actor& actor, Id a, Id b);
  // Audits (insights.read through a view). A filter narrows them cheaply.
  AccessRows who_can_access(const Actor& actor, Id org, const AuditFilter& filter);
  RunRows who_can_run(const Actor& actor, Id org, const AuditFilter& filter);
  EscalationRows escalation_paths(const Actor& actor, Id org, Id admin, const AuditFilter& filter);
  // Display names of objects (username, hostname, email, name); "" if gone.
  std::vector<std::string> names_of(const std::vector<Id>& ids);

  // --- bulk import and export (bulk_user_imports scope through a view) -----------
  ImportReport import_users_csv(const Actor& actor, Id org, const std::string& path, const ImportOptions& options);
  // The same template columns (groups, attributes and device bindings
  // included; a user's second and later bindings on binding rows of their
  // own, see directory/export_users.cpp); returns the data rows written.
  // Writes a new regular file, or replaces an existing regular file only with
  // `overwrite` (keeping its permission bits); anything else at `path` (a
  // FIFO, a device, a folder, a symbolic link) is refused untouched.
  std::size_t export_users_csv(const Actor& actor, Id org, const std::string& path, bool overwrite = false);

  // --- command runs: launches, agents, results (dirctl/command_runs.h) ------------
  CommandRuns& runs();  // caught up with other processes; valid until close()
  Schedules& schedules();  // schedules and triggers (dirctl/schedules.h), likewise
  Reviews& reviews();      // runs that wait for approval (dirctl/reviews.h), likewise
  Identity& identity();    // logins, sessions, API keys, registration (dirctl/identity.h), likewise
  Insights& insights();    // audit queries, frames, export and purge of the log (dirctl/insights.h), likewise

  // --- transactions ---------------------------------------------------------
  // A batch is one write transaction: everything in it commits at once or
  // not at all. Batches nest; only the outermost commits.
  void begin_batch();
  void commit_batch();
  void rollback_batch();
  bool in_batch() const;

  // --- audit log -------------------------------------------------------------
  // insights().events(): through an admin, insights.read, and only events of
  // orgs it can access.
  std::vector<Event> events(const Actor& actor, const EventFilter& filter);
  std::int64_t last_event_seq();

  // --- maintenance -------------------------------------------------------------
  int schema_version() const;
  static int latest_schema_version();
  std::string integrity_check();
  void refresh();  // catch up with other processes now
  // Waits until another process commits, up to timeout_ms; true if one has
  // (since this handle last caught up: the next call sees it). On a server
  // it sleeps until PostgreSQL's notification (LISTEN) arrives; on a file it
  // looks at the WAL-index header every few milliseconds. Other calls on the
  // handle wait meanwhile.
  bool wait_for_change(int timeout_ms);
  const Model& model();  // for authz and graph, after catching up

  // The state behind the facade (cpp/src/directory/impl.h); named here so the
  // engine's own units can reach it, opaque to everyone else.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dirctl
