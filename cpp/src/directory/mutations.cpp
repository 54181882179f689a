// Creating, changing and deleting objects of every kind.
#include <algorithm>
#include <ctime>
#include <optional>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "model/entity_fields.h"
#include "directory/impl.h"
#include "model/validate.h"
#include "schedule/command_schedule.h"
#include "util/clock.h"
#include "util/json_text.h"
#include "util/password.h"
#include "identity/passwords.h"

namespace dirctl {
namespace {

Value field_of(const Fields& fields, const std::string& name) {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return {};
}

std::string text_of(const Fields& fields, const std::string& name) {
  Value v = field_of(fields, name);
  const auto* s = std::get_if<std::string>(&v);
  return s ? *s : std::string();
}

void check_unique(Directory::Impl& d, const KindSpec& kind, Id org, const Fields& fields, Id self) {
  std::size_t hint = 0;
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = kind.field(name, hint);
    if (f == nullptr || f->unique == Unique::kNone || is_null(value)) continue;
    Id holder = d.records.holder(kind, *f, org, value, self);
    if (holder != kNoId)
      throw Conflict(kind.name + " " + f->name + " " + describe(value) + " is already held by " + d.describe(holder) +
                     (kind.per_org ? " in org '" + std::string(d.entity(org).name) + "'" : "") +
                     "; choose another " + f->name + " or update that " + kind.name);
  }
}

IdList org_list(Directory::Impl& d, const Fields& fields) {
  IdList orgs;
  Value v = field_of(fields, "orgs");
  if (const auto* ids = std::get_if<IdList>(&v)) orgs = *ids;
  std::sort(orgs.begin(), orgs.end());
  orgs.erase(std::unique(orgs.begin(), orgs.end()), orgs.end());
  for (auto o : orgs)
    if (o <= 0 || o > UINT32_MAX || d.model.find(static_cast<Id>(o)) == nullptr ||
        d.model.find(static_cast<Id>(o))->kind != Kind::kOrg)
      throw NotFound("admin field 'orgs': no org with id " + std::to_string(o) + "; create it with d.orgs.create()");
  return orgs;
}

// Rules that span fields, checked on the record as it would be stored.
void check_rules(const KindSpec& kind, const Fields& merged, bool timing_changed = true) {
  if (kind.kind != Kind::kCommand) return;
  check_schedule(merged, timing_changed, unix_now_ms());
  const std::string launch = text_of(merged, "launch_type");
  if (launch == "trigger" && is_null(field_of(merged, "trigger")))
    throw InvalidArgument("command field 'trigger': a command with launch_type 'trigger' needs a trigger name");
  if (launch == "one-time" && is_null(field_of(merged, "schedule")))
    throw InvalidArgument("command field 'schedule': a command with launch_type 'one-time' needs a schedule: the "
                          "time to run at");
}


Fields stored_fields(const Fields& fields) {
  Fields out;
  for (const auto& kv : fields)
    if (kv.first != "orgs") out.push_back(kv);
  return out;
}

void check_admin_ready(const Record& user) {
  const std::string who = "user '" + user.text("username") + "'";
  if (user.text("state") != "active")
    throw InvalidArgument(who + " is " + user.text("state") + "; only an active user can be given an admin role: activate it first");
  if (const Value* locked = user.find("account_locked"); locked && std::get_if<bool>(locked) && std::get<bool>(*locked))
    throw InvalidArgument(who + " is locked out; unlock it before giving it an admin role");
  std::string expiry = user.text("password_expiration_date");
  if (!expiry.empty() && expiry < utc_now_iso().substr(0, 10))
    throw InvalidArgument(who + " has an expired password (" + expiry + "); reset it before giving it an admin role");
}

void forbid_linked_email_change(Directory::Impl& d, const Entity& e, Id id, const Fields& changed) {
  if (e.link == kNoId || is_null(field_of(changed, "email"))) return;
  throw InvalidArgument(d.describe(id) + " is linked to " + d.describe(e.link) +
                        " and their emails must match; remove the admin role first (d.admins.delete)");
}

// The record create() stored, without reading it back: descriptor order,
// every field present, stamps set.
Record as_stored(const KindSpec& kind, Id id, Id org, const Fields& checked, const std::string& now) {
  Record r{kind.kind, id, org, {}};
  r.fields.reserve(kind.fields.size());
  std::size_t hint = 0;  // `checked` is in descriptor order
  for (const auto& f : kind.fields) {
    if (f.secret) continue;  // never read back
    const Value* given = find_field(checked, f.name, hint);
    Value v = f.readonly && f.type == FieldType::kTime ? Value{now} : given != nullptr ? *given : Value{};
    if (f.type == FieldType::kAttributes && is_null(v)) v = Attributes{};
    if (f.type == FieldType::kOrgSet) {
      IdList orgs = std::holds_alternative<IdList>(v) ? std::get<IdList>(v) : IdList{};
      std::sort(orgs.begin(), orgs.end());
      orgs.erase(std::unique(orgs.begin(), orgs.end()), orgs.end());
      v = std::move(orgs);
    }
    r.fields.emplace_back(f.name, std::move(v));
  }
  return r;
}

// A plaintext password among the fields (a PHC hash is taken as is and
// passes no policy: it was checked where it was made).
std::optional<std::string> plaintext_password(const KindSpec& kind, const Fields& fields) {
  const FieldSpec* pw = kind.field("password");
  if (pw == nullptr) return std::nullopt;
  for (const auto& [name, value] : fields)
    if (kind.field(name) == pw)
      if (const auto* s = std::get_if<std::string>(&value); s != nullptr && !s->empty() && !is_phc_hash(*s)) return *s;
  return std::nullopt;
}

// The org's password expiry, as the date a new password expires on.
void add_expiry(Directory::Impl& d, Identity& identity, Id user, Id org, Fields& fields) {
  for (const auto& kv : fields)
    if (kv.first == "password_expiration_date" || kv.first == "password_expiry") return;
  const PasswordPolicy p = user != kNoId ? identity.policy_for(user) : policy_of(d.full_record(org));
  if (std::string date = expiry_date(p, unix_now_ms()); !date.empty()) fields.emplace_back("password_expiration_date", date);
}

// Giving, changing or taking a role (and org access, and suspension) ends
// the admin's live sessions (seed 003): it logs in again under the new role.
bool ends_sessions(const Fields& changed) {
  return std::any_of(changed.begin(), changed.end(), [](const auto& kv) {
    return kv.first == "role" || kv.first == "orgs" || kv.first == "user" ||
           (kv.first == "state" && std::holds_alternative<std::string>(kv.second) && std::get<std::string>(kv.second) == "suspended");
  });
}

void authorize_update(Directory::Impl& d, const Actor& actor, const Entity& e, Id id, const Fields& patch,
                      const std::string& ev) {
  if (e.kind == Kind::kUser) {
    for (const auto& [name, value] : patch) d.authorize(actor, user_field_action(name), id, ev);
    if (patch.empty()) d.authorize(actor, Scope::kUsers, Verb::kEdit, id, ev);
    return;
  }
  // A command's schedule alone is commands.schedule (a Command Runner may
  // schedule its assigned commands); anything else about it is commands.edit.
  const bool schedule_only = e.kind == Kind::kCommand && !patch.empty() &&
      std::all_of(patch.begin(), patch.end(), [](const auto& kv) { return is_schedule_field(kv.first); });
  d.authorize(actor, scope_of(e.kind), schedule_only ? Verb::kSchedule : Verb::kEdit, id, ev);
  if (e.kind == Kind::kAdmin)
    for (const auto& [name, value] : patch)
      if (name == "role" || name == "orgs" || name == "api_access") {
        d.require(d.engine.self_change(actor, id, true), actor, id, ev);
        break;
      }
}

}  // namespace

Record Directory::create(const Actor& actor, Kind kind_id, Id org, const Fields& fields) {
  Impl& d = live(impl_);
  Identity& identity = this->identity();
  return audited(d, [&]() -> Record {
  const KindSpec& kind = spec(kind_id);
  const std::optional<std::string> password = plaintext_password(kind, fields);
  Fields given = fields;
  if (password && kind.per_org && d.model.find(org) != nullptr) add_expiry(d, identity, kNoId, org, given);
  Fields checked = validate_create(kind, given);
  WriteScope w(d);
  d.require_visible(actor, {org}, kind.event_noun + "_create");
  if (kind.per_org)
    d.entity(org, Kind::kOrg);
  else
    org = kNoId;
  const std::string ev = kind.event_noun + "_create";
  if (kind_id == Kind::kOrg)
    d.authorize(actor, Scope::kMultiTenantPortal, Verb::kEdit, kNoId, ev);
  else
    d.authorize(actor, scope_of(kind_id), Verb::kEdit, org, ev);
  check_unique(d, kind, org, checked, kNoId);
  check_rules(kind, checked);
  if (password && kind.per_org) identity.check_new_password(kNoId, org, *password);  // after authorisation: no oracle
  const IdList orgs = kind_id == Kind::kAdmin ? org_list(d, checked) : IdList{};
  for (auto o : orgs) d.authorize(actor, Scope::kAdministrators, Verb::kEdit, static_cast<Id>(o), ev);
  const Id id = d.model.allocate_id();
  const std::string now = utc_now_iso();
  d.writer.insert(kind, id, org, checked, now);
  for (auto o : orgs) d.writer.add_edge(id, static_cast<Id>(o));
  Event e = d.event(actor, kind.event_noun + "_create", org, kNoId);
  e.resource = {kind.name, id, text_of(checked, kind.name_field().name)};
  e.changes = creation_changes(kind, checked, given);
  d.append(e);
  w.touching_memory();
  put_record(d.model, kind, id, org, checked);
  for (auto o : orgs) d.model.link(id, static_cast<Id>(o));
  if (password) identity.password_set(id, text_of(checked, "password"));  // its history starts
  w.commit();
  return as_stored(kind, id, org, checked, now);
  });
}

Record Directory::update(const Actor& actor, Id id, const Fields& fields) {
  Impl& d = live(impl_);
  Identity& identity = this->identity();
  return audited(d, [&]() -> Record {
  Fields given = fields;
  std::optional<std::string> password;
  if (const Entity* e = d.model.find(id); e != nullptr && e->kind == Kind::kUser) {
    password = plaintext_password(spec(Kind::kUser), fields);
    if (password) add_expiry(d, identity, id, e->org, given);
  }
  WriteScope w(d);
  d.require_visible(actor, {id}, "object_update");
  const Entity current = d.entity(id);
  const KindSpec& kind = spec(current.kind);
  Fields patch = validate_update(kind, given);
  const std::string ev = kind.event_noun + "_update";
  authorize_update(d, actor, current, id, patch, ev);
  Record old = d.full_record(id);
  Fields changed;
  std::vector<FieldChange> changes;
  Record merged = old;
  for (auto& [name, value] : patch) {
    if (name == "orgs") {
      auto ids = org_list(d, patch);
      value = IdList(ids.begin(), ids.end());
    }
    const Value* before = old.find(name);
    if (before != nullptr && *before == value) continue;
    if (before == nullptr && is_null(value)) continue;
    changes.push_back({name, before ? change_text(kind, name, *before) : "null", change_text(kind, name, value)});
    changed.emplace_back(name, value);
    for (auto& [k, v] : merged.fields)
      if (k == name) v = value;
  }
  if (changed.empty()) {
    w.commit();
    return old;
  }
  forbid_linked_email_change(d, current, id, changed);
  if (password) identity.check_new_password(id, current.org, *password);  // after authorisation: no oracle
  if (current.kind == Kind::kAdmin) {
    AdminAfter after;
    after.active = text_of(merged.fields, "state") != "suspended";  // pending admins count, as the engine counts them
    after.role = entity_of(kind, merged).role;
    const Value merged_orgs = field_of(merged.fields, "orgs");  // the loop must not range over a temporary
    for (auto o : std::get<IdList>(merged_orgs)) {
      after.orgs.push_back(static_cast<Id>(o));
      d.authorize(actor, Scope::kAdministrators, Verb::kEdit, static_cast<Id>(o), ev);
    }
    d.require(d.engine.admin_invariants(actor, id, after, true), actor, id, ev);
  }
  check_unique(d, kind, current.org, changed, id);
  check_rules(kind, merged.fields, std::any_of(changed.begin(), changed.end(), [](const auto& kv) {
                return kv.first == "launch_type" || kv.first == "schedule" || kv.first == "timezone";
              }));
  d.writer.update(kind, id, stored_fields(changed), utc_now_iso());
  IdList old_orgs, new_orgs;
  const bool orgs_changed = !is_null(field_of(changed, "orgs"));
  if (orgs_changed) {
    old_orgs = std::get<IdList>(field_of(old.fields, "orgs"));
    new_orgs = std::get<IdList>(field_of(changed, "orgs"));
    for (auto o : old_orgs)
      if (!std::binary_search(new_orgs.begin(), new_orgs.end(), o)) d.writer.remove_edge(id, static_cast<Id>(o));
    for (auto o : new_orgs) d.writer.add_edge(id, static_cast<Id>(o));
  }
  Event e = d.event(actor, kind.event_noun + "_update", current.org, id);
  e.resource.name = text_of(merged.fields, kind.name_field().name);
  e.changes = std::move(changes);
  if (password) identity.password_set(id, text_of(changed, "password"));
  if (current.kind == Kind::kAdmin && ends_sessions(changed)) {
    const std::size_t n = identity.end_sessions(id, "role_changed");
    if (n > 0) e.message = std::to_string(n) + " live session(s) ended: the admin logs in again";
  }
  d.append(e);
  w.touching_memory();
  put_record(d.model, kind, merged);
  if (orgs_changed) {
    for (auto o : old_orgs) d.model.unlink(id, static_cast<Id>(o));
    for (auto o : new_orgs) d.model.link(id, static_cast<Id>(o));
  }
  if (current.kind == Kind::kAdmin && ends_sessions(changed)) d.sync_credentials(id);
  w.commit();
  return d.full_record(id);
  });
}

void Directory::remove(const Actor& actor, Id id) {
  Impl& d = live(impl_);
  Identity& identity = this->identity();
  return audited(d, [&]() -> void {
  WriteScope w(d);
  d.require_visible(actor, {id}, "object_delete");
  const Entity current = d.entity(id);
  const KindSpec& kind = spec(current.kind);
  const std::string ev = kind.event_noun + "_delete";
  const Id linked_admin = current.kind == Kind::kUser ? current.link : kNoId;
  switch (current.kind) {
    case Kind::kOrg: d.authorize(actor, Scope::kMultiTenantPortal, Verb::kEdit, id, ev); break;
    case Kind::kUser: d.authorize(actor, action_id("users.delete_user"), id, ev); break;
    default: d.authorize(actor, scope_of(current.kind), Verb::kEdit, id, ev); break;
  }
  if (current.kind == Kind::kAdmin || linked_admin != kNoId) {
    AdminAfter gone;
    gone.exists = false;
    d.require(d.engine.admin_invariants(actor, current.kind == Kind::kAdmin ? id : linked_admin, gone, true), actor, id, ev);
  }

  if (current.kind == Kind::kOrg) {
    std::string summary;
    // Admins made from this org's users go with their users (seed 003).
    for (Id uid : d.model.ids_of(Kind::kUser, id))
      if (Id admin = d.model.find(uid)->link; admin != kNoId) {
        AdminAfter gone;
        gone.exists = false;
        d.require(d.engine.admin_invariants(actor, admin, gone, true), actor, admin, "admin_delete");
        d.writer.erase(spec(Kind::kAdmin), admin);
        Event ae = d.event(actor, "admin_delete", kNoId, admin);
        d.append(ae);
      }
    for (const KindSpec* k : all_specs()) {
      if (!k->per_org) continue;
      std::size_t n = d.model.count(k->kind, id);
      if (n > 0) summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + k->table;
      d.writer.erase_org_objects(*k, id);
    }
    d.writer.erase(kind, id);
    Event e = d.event(actor, "organization_delete", kNoId, id);
    e.message = summary.empty() ? "empty org" : "deleted with " + summary;
    d.append(e);
    w.touching_memory();
    d.reload();
    w.commit();
    return;
  }

  auto delete_admin = [&](Id admin, Id user) {
    const Entity a = d.entity(admin, Kind::kAdmin);
    identity.forget(admin);
    d.writer.erase(spec(Kind::kAdmin), admin);
    if (user != kNoId) {
      Event u = d.event(actor, "user_update", d.entity(user).org, user);
      u.changes.push_back({"admin", to_json_text(std::string(a.name)), "null"});
      d.append(u);
    }
    Event e = d.event(actor, "admin_delete", kNoId, admin);
    d.append(e);
  };

  if (current.kind == Kind::kAdmin) {
    delete_admin(id, current.link);
  } else {
    if (current.kind == Kind::kUser && current.link != kNoId) delete_admin(current.link, kNoId);
    if (current.kind == Kind::kUser) identity.forget(id);
    d.writer.erase(kind, id);
    Event e = d.event(actor, kind.event_noun + "_delete", current.org, id);
    d.append(e);
  }
  w.touching_memory();
  if (current.kind == Kind::kUser && current.link != kNoId) {
    d.model.end_credentials_of(current.link);
    d.model.erase(current.link);
  }
  d.model.end_credentials_of(id);
  d.model.erase(id);
  w.commit();
  });
}

Record Directory::create_admin_from_user(const Actor& actor, Id user, const Fields& fields) {
  Impl& d = live(impl_);
  Identity& identity = this->identity();
  return audited(d, [&]() -> Record {
  d.require_visible(actor, {user}, "admin_create");
  const KindSpec& kind = spec(Kind::kAdmin);
  Fields given = fields;
  for (const auto& [name, value] : given)
    if (name == "email" || kind.field(name) == kind.field("email"))
      throw InvalidArgument("admin field 'email' comes from the user in create_from_user; do not give it");
  WriteScope w(d);
  const Entity u = d.entity(user, Kind::kUser);
  d.authorize(actor, Scope::kAdministrators, Verb::kEdit, kNoId, "admin_create");
  d.authorize(actor, Scope::kUsers, Verb::kRead, user, "admin_create");
  Record ur = d.full_record(user);
  if (u.link != kNoId) throw Conflict("user '" + ur.text("username") + "' already has an admin role: " + d.describe(u.link));
  check_admin_ready(ur);
  if (ur.text("mfa_status") != "enrolled")
    throw InvalidArgument("user '" + ur.text("username") + "' is not enrolled in MFA (mfa_status " + ur.text("mfa_status") +
                          "); seed 003 gives admin roles only to users enrolled in MFA, whose MFA the admin inherits: "
                          "enrol the user first");
  const std::string email = ur.text("email");
  std::vector<Id> existing = d.records.lookup(kind, *kind.field("email"), kNoId, email);
  const std::string now = utc_now_iso();
  Id admin;
  Event ae;
  if (!existing.empty()) {
    // Update an existing admin with a matching user (seed 003).
    admin = existing.front();
    if (d.entity(admin, Kind::kAdmin).link != kNoId)
      throw Conflict(d.describe(admin) + " is already linked to " + d.describe(d.entity(admin).link) +
                     "; an admin belongs to one user");
    Fields patch = validate_update(kind, given);
    if (!is_null(field_of(patch, "orgs")))
      for (auto o : org_list(d, patch)) d.authorize(actor, Scope::kAdministrators, Verb::kEdit, static_cast<Id>(o), "admin_update");
    Record old = d.full_record(admin);
    for (auto& [name, value] : patch) {
      if (name == "orgs") value = org_list(d, patch);
      for (auto& [k, v] : old.fields)
        if (k == name) v = value;
    }
    for (auto& [k, v] : old.fields)
      if (k == "user") v = static_cast<std::int64_t>(user);
    // Linking changes the admin as an update would: the same rules hold.
    authorize_update(d, actor, d.entity(admin), admin, patch, "admin_update");
    AdminAfter after;
    after.active = text_of(old.fields, "state") != "suspended";
    after.role = entity_of(kind, old).role;
    const Value after_orgs = field_of(old.fields, "orgs");
    for (auto o : std::get<IdList>(after_orgs)) after.orgs.push_back(static_cast<Id>(o));
    d.require(d.engine.admin_invariants(actor, admin, after, true), actor, admin, "admin_update");
    Fields changed = stored_fields(patch);
    changed.emplace_back("user", static_cast<std::int64_t>(user));
    changed.emplace_back("mfa_required", true);  // inherited from the user (seed 003)
    if (d.entity(admin).state == kAdminPending && is_null(field_of(patch, "state")))
      changed.emplace_back("state", std::string("active"));  // it logs in with the user's credentials now
    // Its own credentials no longer exist, and its sessions end (seed 003).
    const std::size_t ended = identity.end_sessions(admin, "role_changed");
    identity.forget(admin, /*keys=*/false);
    d.writer.update(kind, admin, changed, now);
    if (!is_null(field_of(patch, "orgs"))) {
      for (Id o : d.model.neighbors(admin))
        if (d.model.find(o) && d.model.find(o)->kind == Kind::kOrg) d.writer.remove_edge(admin, o);
      const Value new_orgs = field_of(patch, "orgs");
      for (auto o : std::get<IdList>(new_orgs)) d.writer.add_edge(admin, static_cast<Id>(o));
    }
    ae = d.event(actor, "admin_update", kNoId, admin);
    ae.changes.push_back({"user", "null", to_json_text(static_cast<std::int64_t>(user))});
    if (ended > 0) ae.message = std::to_string(ended) + " live session(s) ended: the admin logs in again with the user's credentials";
    Event ue = d.event(actor, "user_update", u.org, user);
    ue.changes.push_back({"admin", "null", to_json_text(email)});
    d.append(ue);
    d.append(ae);
    w.touching_memory();
    d.reload();
    w.commit();
    return d.full_record(admin);
  }
  Fields all = given;
  all.emplace_back("email", email);
  auto has = [&](const char* n) { return !is_null(field_of(given, n)); };
  if (!has("first_name") && !has("firstname")) all.emplace_back("first_name", ur.find("first_name") ? *ur.find("first_name") : Value{});
  if (!has("last_name") && !has("lastname")) all.emplace_back("last_name", ur.find("last_name") ? *ur.find("last_name") : Value{});
  if (!has("orgs")) all.emplace_back("orgs", IdList{static_cast<std::int64_t>(u.org)});
  all.erase(std::remove_if(all.begin(), all.end(), [&](const auto& kv) { return kind.field(kv.first) == kind.field("mfa_required"); }), all.end());
  all.emplace_back("mfa_required", true);  // inherited from the user (seed 003)
  if (!has("state")) all.emplace_back("state", std::string("active"));  // it logs in with the user's credentials
  Fields checked = validate_create(kind, all);
  checked.emplace_back("user", static_cast<std::int64_t>(user));
  const IdList orgs = org_list(d, checked);
  for (auto o : orgs) d.authorize(actor, Scope::kAdministrators, Verb::kEdit, static_cast<Id>(o), "admin_create");
  admin = d.model.allocate_id();
  d.writer.insert(kind, admin, kNoId, checked, now);
  for (auto o : orgs) d.writer.add_edge(admin, static_cast<Id>(o));
  Event ue = d.event(actor, "user_update", u.org, user);
  ue.changes.push_back({"admin", "null", to_json_text(email)});
  d.append(ue);
  ae = d.event(actor, "admin_create", kNoId, kNoId);
  ae.resource = {kind.name, admin, email};
  Fields set = all;  // what this creation set: the caller's fields, the user's names, and the link
  set.emplace_back("user", static_cast<std::int64_t>(user));
  ae.changes = creation_changes(kind, checked, set);
  d.append(ae);
  w.touching_memory();
  d.model.put(admin, entity_of(kind, Record{Kind::kAdmin, admin, kNoId, checked}));
  for (auto o : orgs) d.model.link(admin, static_cast<Id>(o));
  w.commit();
  return d.full_record(admin);
  });
}

}  // namespace dirctl
