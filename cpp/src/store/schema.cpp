#include "store/schema.h"

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

namespace dirctl {
namespace {

// Step 1: the base tables. Object ids are global across tables (the
// directory allocates them), so edges and events can name any object.
const char* const kStep1 = R"sql(
CREATE TABLE orgs(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL COLLATE NOCASE UNIQUE,
  description TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  username TEXT NOT NULL COLLATE NOCASE,
  email TEXT NOT NULL COLLATE NOCASE,
  first_name TEXT, middle_name TEXT, last_name TEXT, display_name TEXT,
  job_title TEXT, department TEXT, employee_identifier TEXT,
  state TEXT NOT NULL CHECK (state IN ('staged','active','suspended')),
  account_locked INTEGER NOT NULL DEFAULT 0,
  password_expiration_date TEXT,
  mfa_status TEXT NOT NULL DEFAULT 'not_enrolled',
  sudo INTEGER NOT NULL DEFAULT 0,
  attributes TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL,
  UNIQUE (org_id, username), UNIQUE (org_id, email));
CREATE UNIQUE INDEX users_employee_identifier ON users(org_id, employee_identifier)
  WHERE employee_identifier IS NOT NULL;
CREATE TABLE admins(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  first_name TEXT, last_name TEXT,
  role TEXT NOT NULL,
  api_access INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('active','suspended')),
  mfa_required INTEGER NOT NULL DEFAULT 0,
  user_id INTEGER UNIQUE REFERENCES users(id),
  created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE user_groups(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL COLLATE NOCASE, description TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL,
  UNIQUE (org_id, name));
CREATE TABLE device_groups(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL COLLATE NOCASE, description TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL,
  UNIQUE (org_id, name));
CREATE TABLE devices(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  hostname TEXT NOT NULL, display_name TEXT, os TEXT, arch TEXT,
  serial_number TEXT, agent_version TEXT, last_contact TEXT,
  remote_assist_allowed INTEGER NOT NULL DEFAULT 0,
  created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX devices_hostname ON devices(org_id, hostname);
CREATE TABLE commands(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL COLLATE NOCASE, script TEXT NOT NULL,
  shell TEXT NOT NULL, run_as TEXT,
  timeout INTEGER NOT NULL CHECK (timeout BETWEEN 1 AND 86400),
  launch_type TEXT NOT NULL, schedule TEXT, trigger_name TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL,
  UNIQUE (org_id, name));
CREATE UNIQUE INDEX commands_trigger ON commands(org_id, trigger_name) WHERE trigger_name IS NOT NULL;
-- Relations: undirected, stored once with a < b; the kinds of a and b say
-- what the edge means (membership, binding, target, runner, org access).
CREATE TABLE edges(
  a INTEGER NOT NULL, b INTEGER NOT NULL,
  PRIMARY KEY (a, b), CHECK (a < b)) WITHOUT ROWID;
CREATE INDEX edges_b ON edges(b, a);
-- Directory Insights: append-only, one row per mutation or denied attempt.
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  org_id INTEGER NOT NULL DEFAULT 0,
  event_type TEXT NOT NULL,
  initiated_by_type TEXT NOT NULL, initiated_by_id INTEGER NOT NULL DEFAULT 0,
  initiated_by_email TEXT NOT NULL DEFAULT '',
  resource_type TEXT NOT NULL DEFAULT '', resource_id INTEGER NOT NULL DEFAULT 0,
  resource_name TEXT NOT NULL DEFAULT '',
  target_type TEXT NOT NULL DEFAULT '', target_id INTEGER NOT NULL DEFAULT 0,
  target_name TEXT NOT NULL DEFAULT '',
  success INTEGER NOT NULL DEFAULT 1,
  changes TEXT NOT NULL DEFAULT '[]',
  message TEXT NOT NULL DEFAULT '');
)sql";

// Step 2: indexes for the event filters (type, time, resource, initiator).
const char* const kStep2 = R"sql(
CREATE INDEX events_type ON events(event_type, seq);
CREATE INDEX events_time ON events(time);
CREATE INDEX events_resource ON events(resource_id);
)sql";

// Step 3: the rest of JumpCloud's import template, passwords (Argon2id PHC
// strings only), and sudo on a user's device binding.
const char* const kStep3 = R"sql(
ALTER TABLE users ADD COLUMN cost_center TEXT;
ALTER TABLE users ADD COLUMN company TEXT;
ALTER TABLE users ADD COLUMN employee_type TEXT;
ALTER TABLE users ADD COLUMN description TEXT;
ALTER TABLE users ADD COLUMN location TEXT;
ALTER TABLE users ADD COLUMN alternate_email TEXT;
ALTER TABLE users ADD COLUMN manager TEXT;
ALTER TABLE users ADD COLUMN passwordless_sudo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_never_expires INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE edges ADD COLUMN sudo INTEGER NOT NULL DEFAULT 0;
)sql";

// Step 4: the users table rebuilt for bulk loads. Its state CHECK used an
// IN list, which SQLite evaluates through a temporary b-tree built for every
// inserted row (1.9 us a row, a third of an insert); the OR form is the same
// rule at no cost. Its unique keys become named indexes, so a bulk load can
// set them aside and build them once (Store::IndexDeferral). Runs with
// foreign keys off (Store enables them after migrating): admins.user_id
// refers to users, whose rows are copied with their ids unchanged.
const char* const kStep4 = R"sql(
CREATE TABLE users_v4(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  username TEXT NOT NULL COLLATE NOCASE,
  email TEXT NOT NULL COLLATE NOCASE,
  first_name TEXT, middle_name TEXT, last_name TEXT, display_name TEXT,
  job_title TEXT, department TEXT, employee_identifier TEXT,
  state TEXT NOT NULL CHECK (state = 'staged' OR state = 'active' OR state = 'suspended'),
  account_locked INTEGER NOT NULL DEFAULT 0,
  password_expiration_date TEXT,
  mfa_status TEXT NOT NULL DEFAULT 'not_enrolled',
  sudo INTEGER NOT NULL DEFAULT 0,
  attributes TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL,
  cost_center TEXT, company TEXT, employee_type TEXT, description TEXT, location TEXT,
  alternate_email TEXT, manager TEXT,
  passwordless_sudo INTEGER NOT NULL DEFAULT 0,
  password_never_expires INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT);
INSERT INTO users_v4 SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_v4 RENAME TO users;
CREATE UNIQUE INDEX users_username ON users(org_id, username);
CREATE UNIQUE INDEX users_email ON users(org_id, email);
CREATE UNIQUE INDEX users_employee_identifier ON users(org_id, employee_identifier)
  WHERE employee_identifier IS NOT NULL;
)sql";

// Step 5: command runs (cpp/include/dirctl/runs.h). A launch keeps what was
// launched (script, shell, run-as user, timeout, variables as a JSON object)
// and who asked; a run is one device's copy, its state an index of RunState
// (0 queued, 1 running, 2 succeeded, 3 failed, 4 timed out, 5 expired, 6
// cancelled, 7 pending review) and each transition's time (ms since the epoch) and actor.
// Partial indexes keep the agents' queue and the engine's sweeps to the runs
// still waiting or running. Ids are never reused (AUTOINCREMENT): an agent or
// script holding "run 7" after a purge must not read another run.
const char* const kStep5 = R"sql(
CREATE TABLE launches(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL, command_id INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  requester_type INTEGER NOT NULL, requester_id INTEGER NOT NULL, requester_name TEXT NOT NULL,
  script TEXT NOT NULL, shell TEXT NOT NULL, run_as TEXT NOT NULL,
  timeout INTEGER NOT NULL, ttl INTEGER NOT NULL, variables TEXT NOT NULL);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  launch_id INTEGER NOT NULL REFERENCES launches(id),
  org_id INTEGER NOT NULL, command_id INTEGER NOT NULL, device_id INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 7),
  queued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  started_at INTEGER, started_by TEXT, deadline_at INTEGER,
  finished_at INTEGER, finished_by TEXT,
  exit_code INTEGER, signal INTEGER,
  stdout TEXT, stderr TEXT, truncated INTEGER NOT NULL DEFAULT 0);
CREATE INDEX runs_queue ON runs(device_id, id) WHERE state = 0;
CREATE INDEX runs_expiry ON runs(expires_at) WHERE state = 0;
CREATE INDEX runs_deadline ON runs(deadline_at) WHERE state = 1;
CREATE INDEX runs_launch ON runs(launch_id);
CREATE INDEX runs_org_command ON runs(org_id, command_id);
)sql";

// Step 6: schedules (cpp/src/schedule/) and reviews (cpp/src/commands/). A
// command's time zone, JumpCloud's repeat types, AWX-style end conditions,
// and one row per fire time the scheduler launched: its primary key makes
// "each fire time launches once" hold when several processes tick at the
// same moment. A review policy per command (reviewer and exempt user
// groups), and per launch that waits for one: its review (state 0 pending, 1
// approved, 2 rejected, 3 revoked, 4 expired), each reviewer group's count
// of approvals (state 0 pending, 1 approved, 2 rejected), and each vote.
const char* const kStep6 = R"sql(
ALTER TABLE commands ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE commands ADD COLUMN schedule_repeat_type TEXT;
ALTER TABLE commands ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE commands ADD COLUMN schedule_start TEXT;
ALTER TABLE commands ADD COLUMN schedule_until TEXT;
ALTER TABLE commands ADD COLUMN schedule_count INTEGER;
CREATE TABLE schedule_fires(
  command_id INTEGER NOT NULL, fire_at INTEGER NOT NULL,
  fired_at INTEGER NOT NULL, launch_id INTEGER, missed INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (command_id, fire_at)) WITHOUT ROWID;
CREATE TABLE review_policies(
  command_id INTEGER PRIMARY KEY,
  min_approvals INTEGER NOT NULL, max_wait INTEGER NOT NULL);
CREATE TABLE review_policy_groups(
  command_id INTEGER NOT NULL, group_id INTEGER NOT NULL, exempt INTEGER NOT NULL,
  PRIMARY KEY (command_id, group_id)) WITHOUT ROWID;
CREATE TABLE reviews(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  launch_id INTEGER NOT NULL UNIQUE REFERENCES launches(id),
  org_id INTEGER NOT NULL, command_id INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 4),
  requested_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  decided_at INTEGER, decided_by TEXT);
CREATE INDEX reviews_pending ON reviews(expires_at) WHERE state = 0;
CREATE INDEX reviews_org ON reviews(org_id, id);
CREATE TABLE review_groups(
  review_id INTEGER NOT NULL, group_id INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0, approvals INTEGER NOT NULL DEFAULT 0, needed INTEGER NOT NULL,
  PRIMARY KEY (review_id, group_id)) WITHOUT ROWID;
CREATE TABLE review_votes(
  review_id INTEGER NOT NULL, voter_type INTEGER NOT NULL, voter_id INTEGER NOT NULL,
  approve INTEGER NOT NULL, at INTEGER NOT NULL, comment TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (review_id, voter_type, voter_id)) WITHOUT ROWID;
)sql";

// Step 7: identity (cpp/src/identity/). Users may wait in 'reviewing' (seed
// 004's self-registration) and admins in 'pending' (invited, not yet
// logged in): both tables are rebuilt for their state CHECK, with the same
// columns in the same order. An org's identity policy. Per admin or user
// that has credentials here: the admin's own password (a linked admin logs
// in with its user's), failed attempts, the TOTP seed sealed with the key
// outside this file (SecretBox), the last TOTP step accepted (a code works
// once), and a one-time invitation (its BLAKE2b hash). The last passwords
// (hashes) for the reuse rule. Sessions and API keys as one table of
// credentials: a BLAKE2b hash of a session token, or an API key's public
// prefix, to find it; the key's hash to verify it; ended ones are kept for
// the audit. A self-registration's requested team and groups.
const char* const kStep7 = R"sql(
CREATE TABLE users_v7(
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  username TEXT NOT NULL COLLATE NOCASE,
  email TEXT NOT NULL COLLATE NOCASE,
  first_name TEXT, middle_name TEXT, last_name TEXT, display_name TEXT,
  job_title TEXT, department TEXT, employee_identifier TEXT,
  state TEXT NOT NULL CHECK (state = 'staged' OR state = 'active' OR state = 'suspended' OR state = 'reviewing'),
  account_locked INTEGER NOT NULL DEFAULT 0,
  password_expiration_date TEXT,
  mfa_status TEXT NOT NULL DEFAULT 'not_enrolled',
  sudo INTEGER NOT NULL DEFAULT 0,
  attributes TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL,
  cost_center TEXT, company TEXT, employee_type TEXT, description TEXT, location TEXT,
  alternate_email TEXT, manager TEXT,
  passwordless_sudo INTEGER NOT NULL DEFAULT 0,
  password_never_expires INTEGER NOT NULL DEFAULT 0,
  password_hash TEXT);
INSERT INTO users_v7 SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_v7 RENAME TO users;
CREATE UNIQUE INDEX users_username ON users(org_id, username);
CREATE UNIQUE INDEX users_email ON users(org_id, email);
CREATE UNIQUE INDEX users_employee_identifier ON users(org_id, employee_identifier)
  WHERE employee_identifier IS NOT NULL;
CREATE TABLE admins_v7(
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  first_name TEXT, last_name TEXT,
  role TEXT NOT NULL,
  api_access INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state = 'active' OR state = 'suspended' OR state = 'pending'),
  mfa_required INTEGER NOT NULL DEFAULT 0,
  user_id INTEGER UNIQUE REFERENCES users(id),
  created TEXT NOT NULL, updated TEXT NOT NULL);
INSERT INTO admins_v7 SELECT * FROM admins;
DROP TABLE admins;
ALTER TABLE admins_v7 RENAME TO admins;
ALTER TABLE orgs ADD COLUMN allowed_domains TEXT;
ALTER TABLE orgs ADD COLUMN operator_group TEXT DEFAULT 'admin';
ALTER TABLE orgs ADD COLUMN user_portal INTEGER NOT NULL DEFAULT 1;
ALTER TABLE orgs ADD COLUMN password_min_length INTEGER NOT NULL DEFAULT 8;
ALTER TABLE orgs ADD COLUMN password_history INTEGER NOT NULL DEFAULT 5;
ALTER TABLE orgs ADD COLUMN password_expiry_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN lockout_attempts INTEGER NOT NULL DEFAULT 10;
ALTER TABLE orgs ADD COLUMN session_minutes INTEGER NOT NULL DEFAULT 60;
CREATE TABLE logins(
  principal INTEGER PRIMARY KEY,
  password_hash TEXT, password_set_at INTEGER NOT NULL DEFAULT 0,
  failed_attempts INTEGER NOT NULL DEFAULT 0, locked INTEGER NOT NULL DEFAULT 0,
  totp_sealed BLOB, totp_confirmed INTEGER NOT NULL DEFAULT 0, totp_last_step INTEGER NOT NULL DEFAULT 0,
  invite_hash TEXT, invite_expires INTEGER NOT NULL DEFAULT 0);
CREATE TABLE password_history(
  principal INTEGER NOT NULL, set_at INTEGER NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (principal, set_at, hash)) WITHOUT ROWID;
CREATE TABLE credentials(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL CHECK (kind = 0 OR kind = 1),
  principal INTEGER NOT NULL, actor_type INTEGER NOT NULL,
  lookup TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL,
  created INTEGER NOT NULL, expires INTEGER NOT NULL,
  ended INTEGER, end_reason TEXT);
CREATE INDEX credentials_live ON credentials(principal) WHERE ended IS NULL;
CREATE TABLE registrations(
  user_id INTEGER PRIMARY KEY, groups TEXT NOT NULL, requested_at INTEGER NOT NULL);
)sql";

// Step 8: the log for Directory Insights' queries. Times become milliseconds
// since the epoch (UTC): a quarter of the text's bytes in every index, and
// read into frames without parsing. Every filter has an index ending in
// time, so a filter plus a time range is one index range in (time, seq)
// order, the order queries return: type, initiator, resource, target. The
// stored text is canonical UTC ("...T14:34:00.123Z"); julianday() reads it
// to the microsecond. `purges` remembers each purge, and the highest
// object id the purged events named (ids of deleted objects are never
// reused, and the log was what remembered them).
const char* const kStep8 = R"sql(
CREATE TABLE events_v8(
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  org_id INTEGER NOT NULL DEFAULT 0,
  event_type TEXT NOT NULL,
  initiated_by_type TEXT NOT NULL, initiated_by_id INTEGER NOT NULL DEFAULT 0,
  initiated_by_email TEXT NOT NULL DEFAULT '',
  resource_type TEXT NOT NULL DEFAULT '', resource_id INTEGER NOT NULL DEFAULT 0,
  resource_name TEXT NOT NULL DEFAULT '',
  target_type TEXT NOT NULL DEFAULT '', target_id INTEGER NOT NULL DEFAULT 0,
  target_name TEXT NOT NULL DEFAULT '',
  success INTEGER NOT NULL DEFAULT 1,
  changes TEXT NOT NULL DEFAULT '[]',
  message TEXT NOT NULL DEFAULT '');
INSERT INTO events_v8 SELECT seq, CAST(round((julianday(time) - 2440587.5) * 86400000.0) AS INTEGER), org_id,
  event_type, initiated_by_type, initiated_by_id, initiated_by_email, resource_type, resource_id, resource_name,
  target_type, target_id, target_name, success, changes, message FROM events;
DROP TABLE events;
ALTER TABLE events_v8 RENAME TO events;
CREATE INDEX events_time ON events(time);
CREATE INDEX events_type ON events(event_type, time);
CREATE INDEX events_initiator ON events(initiated_by_id, time);
CREATE INDEX events_resource ON events(resource_id, time);
CREATE INDEX events_target ON events(target_id, time);
CREATE TABLE purges(
  seq INTEGER PRIMARY KEY, before_ms INTEGER NOT NULL, rows INTEGER NOT NULL,
  first_seq INTEGER, last_seq INTEGER, max_resource_id INTEGER NOT NULL DEFAULT 0,
  file TEXT NOT NULL, sha256 TEXT NOT NULL);
)sql";

// Step 9: the rest of JumpCloud's user template (home and work addresses a
// column a part, phone numbers, Apple, Unix ids, MFA enrolment, LDAP, the
// externally-managed fields), `activated` (a user without a password waits
// for activation; existing users with one are activated), a device's id in
// another system (unique per org when set), and passwordless sudo on a
// user's device binding beside sudo.
const char* const kStep9 = R"sql(
ALTER TABLE users ADD COLUMN home_street_address TEXT;
ALTER TABLE users ADD COLUMN home_po_box TEXT;
ALTER TABLE users ADD COLUMN home_city TEXT;
ALTER TABLE users ADD COLUMN home_state TEXT;
ALTER TABLE users ADD COLUMN home_postal_code TEXT;
ALTER TABLE users ADD COLUMN home_country TEXT;
ALTER TABLE users ADD COLUMN work_street_address TEXT;
ALTER TABLE users ADD COLUMN work_po_box TEXT;
ALTER TABLE users ADD COLUMN work_city TEXT;
ALTER TABLE users ADD COLUMN work_state TEXT;
ALTER TABLE users ADD COLUMN work_postal_code TEXT;
ALTER TABLE users ADD COLUMN work_country TEXT;
ALTER TABLE users ADD COLUMN mobile_number TEXT;
ALTER TABLE users ADD COLUMN home_number TEXT;
ALTER TABLE users ADD COLUMN work_number TEXT;
ALTER TABLE users ADD COLUMN work_mobile_number TEXT;
ALTER TABLE users ADD COLUMN work_fax_number TEXT;
ALTER TABLE users ADD COLUMN managed_apple_id TEXT;
ALTER TABLE users ADD COLUMN unix_uid INTEGER CHECK (unix_uid BETWEEN 0 AND 4294967295);
ALTER TABLE users ADD COLUMN unix_guid INTEGER CHECK (unix_guid BETWEEN 0 AND 4294967295);
ALTER TABLE users ADD COLUMN enable_managed_uid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN enable_user_portal_multifactor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN enrollment_days INTEGER CHECK (enrollment_days BETWEEN 1 AND 365);
ALTER TABLE users ADD COLUMN ldapserver_id TEXT;
ALTER TABLE users ADD COLUMN ldap_binding_user INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN allow_public_key INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN externally_managed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN external_dn TEXT;
ALTER TABLE users ADD COLUMN external_source_type TEXT;
ALTER TABLE users ADD COLUMN activated INTEGER NOT NULL DEFAULT 0;
UPDATE users SET activated = 1 WHERE password_hash IS NOT NULL;
ALTER TABLE devices ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX devices_external_id ON devices(org_id, external_id) WHERE external_id IS NOT NULL;
ALTER TABLE edges ADD COLUMN passwordless_sudo INTEGER NOT NULL DEFAULT 0;
)sql";

// Step 10: the initiator and target indexes hold only events that have one
// (an id > 0). Most events have no target, and everything the system does has
// no initiator id: an import of a million users no longer writes two million
// entries that no query asks for. Queries by initiator or target add the
// index's condition (store/event_query.cpp), which is what lets SQLite use it.
const char* const kStep10 = R"sql(
DROP INDEX events_initiator;
DROP INDEX events_target;
CREATE INDEX events_initiator ON events(initiated_by_id, time) WHERE initiated_by_id > 0;
CREATE INDEX events_target ON events(target_id, time) WHERE target_id > 0;
)sql";

const std::vector<const char*>& steps() {
  static const std::vector<const char*> kSteps = {kStep1, kStep2, kStep3, kStep4, kStep5,
                                                  kStep6, kStep7, kStep8, kStep9, kStep10};
  return kSteps;
}

}  // namespace

int latest_schema_version() { return static_cast<int>(steps().size()); }

const char* schema_step(int v) { return steps().at(static_cast<std::size_t>(v - 1)); }

void migrate(SQLite::Database& db, int from, int to) {
  for (int v = from + 1; v <= to; ++v) db.exec(steps()[static_cast<std::size_t>(v - 1)]);
  db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  db.exec("PRAGMA user_version = " + std::to_string(to));
}

}  // namespace dirctl
