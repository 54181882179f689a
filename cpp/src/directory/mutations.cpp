// Creating, changing and deleting objects of every kind.
#include <algorithm>
#include <ctime>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "model/entity_fields.h"
#include "directory/impl.h"
#include "model/validate.h"
#include "schedule/command_schedule.h"
#include "util/clock.h"
#include "util/json_text.h"

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
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = kind.field(name);
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
  for (const auto& f : kind.fields) {
    if (f.secret) continue;  // never read back
    Value v = f.readonly && f.type == FieldType::kTime ? Value{now} : field_of(checked, f.name);
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

// A user's fields map to the actions of docs/spec/protected_user_actions.csv.
ActionId user_field_action(const std::string& field) {
  static const ActionId kState = action_id("users.suspend_and_activate"), kLock = action_id("users.unlock"),
                        kMfa = action_id("users.totp_reset_and_enroll"),
                        kExpiry = action_id("users.force_password_reset"),
                        kOther = action_id("users.other_user_operations");
  if (field == "state") return kState;
  if (field == "account_locked") return kLock;
  if (field == "mfa_status") return kMfa;
  if (field == "password_expiration_date") return kExpiry;
  return kOther;
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
  return audited(d, [&]() -> Record {
  const KindSpec& kind = spec(kind_id);
  Fields checked = validate_create(kind, fields);
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
  const IdList orgs = kind_id == Kind::kAdmin ? org_list(d, checked) : IdList{};
  for (auto o : orgs) d.authorize(actor, Scope::kAdministrators, Verb::kEdit, static_cast<Id>(o), ev);
  const Id id = d.model.allocate_id();
  const std::string now = utc_now_iso();
  d.writer.insert(kind, id, org, checked, now);
  for (auto o : orgs) d.writer.add_edge(id, static_cast<Id>(o));
  Event e = d.event(actor, kind.event_noun + "_create", org, kNoId);
  e.resource = {kind.name, id, text_of(checked, kind.name_field().name)};
  e.changes = creation_changes(kind, checked, fields);
  d.append(e);
  w.touching_memory();
  d.model.put(id, entity_of(kind, Record{kind_id, id, org, checked}));
  for (auto o : orgs) d.model.link(id, static_cast<Id>(o));
  w.commit();
  return as_stored(kind, id, org, checked, now);
  });
}

Record Directory::update(const Actor& actor, Id id, const Fields& fields) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> Record {
  WriteScope w(d);
  d.require_visible(actor, {id}, "object_update");
  const Entity current = d.entity(id);
  const KindSpec& kind = spec(current.kind);
  Fields patch = validate_update(kind, fields);
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
  if (current.kind == Kind::kAdmin) {
    AdminAfter after;
    after.active = text_of(merged.fields, "state") == "active";
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
  d.append(e);
  w.touching_memory();
  d.model.put(id, entity_of(kind, merged));
  if (orgs_changed) {
    for (auto o : old_orgs) d.model.unlink(id, static_cast<Id>(o));
    for (auto o : new_orgs) d.model.link(id, static_cast<Id>(o));
  }
  w.commit();
  return d.full_record(id);
  });
}

void Directory::remove(const Actor& actor, Id id) {
  Impl& d = live(impl_);
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
    d.writer.erase(kind, id);
    Event e = d.event(actor, kind.event_noun + "_delete", current.org, id);
    d.append(e);
  }
  w.touching_memory();
  if (current.kind == Kind::kUser && current.link != kNoId) d.model.erase(current.link);
  d.model.erase(id);
  w.commit();
  });
}

Record Directory::create_admin_from_user(const Actor& actor, Id user, const Fields& fields) {
  Impl& d = live(impl_);
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
    after.active = text_of(old.fields, "state") == "active";
    after.role = entity_of(kind, old).role;
    const Value after_orgs = field_of(old.fields, "orgs");
    for (auto o : std::get<IdList>(after_orgs)) after.orgs.push_back(static_cast<Id>(o));
    d.require(d.engine.admin_invariants(actor, admin, after, true), actor, admin, "admin_update");
    Fields changed = stored_fields(patch);
    changed.emplace_back("user", static_cast<std::int64_t>(user));
    d.writer.update(kind, admin, changed, now);
    if (!is_null(field_of(patch, "orgs"))) {
      for (Id o : d.model.neighbors(admin))
        if (d.model.find(o) && d.model.find(o)->kind == Kind::kOrg) d.writer.remove_edge(admin, o);
      const Value new_orgs = field_of(patch, "orgs");
      for (auto o : std::get<IdList>(new_orgs)) d.writer.add_edge(admin, static_cast<Id>(o));
    }
    ae = d.event(actor, "admin_update", kNoId, admin);
    ae.changes.push_back({"user", "null", to_json_text(static_cast<std::int64_t>(user))});
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
