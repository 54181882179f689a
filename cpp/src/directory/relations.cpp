// Group membership and associations (the edges of the assignment graph).
#include <algorithm>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/impl.h"
#include "dirctl/kinds.h"

namespace dirctl {
namespace {

constexpr const char* kAllowedPairs =
    "allowed pairs are user|user_group <-> device|device_group, command <-> device|device_group, "
    "admin (Command Runner) <-> command, command <-> user_group (who may run and approve it); group "
    "membership uses add_member";

bool is_access_source(Kind k) { return k == Kind::kUser || k == Kind::kUserGroup; }
bool is_device_side(Kind k) { return k == Kind::kDevice || k == Kind::kDeviceGroup; }

// Orders (a, b) so that the pair reads as in kAllowedPairs, or throws.
std::pair<Id, Id> allowed_pair(Directory::Impl& d, Id a, Id b) {
  const Entity& ea = d.entity(a);
  const Entity& eb = d.entity(b);
  auto fits = [](Kind x, Kind y) {
    return (is_access_source(x) && is_device_side(y)) || (x == Kind::kCommand && is_device_side(y)) ||
           (x == Kind::kAdmin && y == Kind::kCommand) || (x == Kind::kCommand && y == Kind::kUserGroup);
  };
  if (fits(ea.kind, eb.kind)) return {a, b};
  if (fits(eb.kind, ea.kind)) return {b, a};
  throw InvalidArgument("cannot associate " + d.describe(a) + " with " + d.describe(b) + ": " + kAllowedPairs);
}

void check_same_org(Directory::Impl& d, Id a, Id b) {
  const Entity& ea = d.entity(a);
  const Entity& eb = d.entity(b);
  if (ea.kind == Kind::kAdmin) {
    if (!d.model.linked(a, eb.org))
      throw InvalidArgument(d.describe(a) + " has no access to org '" + std::string(d.entity(eb.org).name) +
                            "' of " + d.describe(b) + "; add the org to the admin's orgs first");
    if (role_names()[ea.role].rfind("command_runner", 0) != 0)
      throw InvalidArgument(d.describe(a) + " is a " + role_names()[ea.role] +
                            ", whose role already covers the commands of its orgs; only Command Runner admins "
                            "are assigned commands");
    return;
  }
  if (ea.org != eb.org)
    throw InvalidArgument(d.describe(a) + " and " + d.describe(b) + " belong to different orgs; relations stay within one org");
}

// Who may make or remove an association: the scope of its first end
// (direct user assignments are users scope; commands' targets, runners and
// groups are commands scope; group bindings are groups scope).
void authorize_pair(Directory::Impl& d, const Actor& actor, Id x, Id y, const char* ev) {
  const Kind kx = d.entity(x).kind;
  if (kx == Kind::kAdmin)
    d.authorize(actor, Scope::kCommands, Verb::kEdit, y, ev);
  else
    d.authorize(actor, scope_of(kx), Verb::kEdit, x, ev);
}

Kind member_kind(Kind group) {
  if (group == Kind::kUserGroup) return Kind::kUser;
  if (group == Kind::kDeviceGroup) return Kind::kDevice;
  return Kind::kNone;
}

void write_edge(Directory::Impl& d, WriteScope& w, const Actor& actor, const char* type, Id a, Id b, bool add) {
  if (add)
    d.writer.add_edge(a, b);
  else
    d.writer.remove_edge(a, b);
  Event e = d.event(actor, type, d.entity(a).org != kNoId ? d.entity(a).org : d.entity(b).org, a);
  e.target = ref_of(d, b);
  d.append(e);
  w.touching_memory();
  if (add)
    d.model.link(a, b);
  else
    d.model.unlink(a, b);
  w.commit();
}

std::vector<Record> records_of(Directory::Impl& d, std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  std::vector<Record> out;
  out.reserve(ids.size());
  for (Id id : ids) out.push_back(d.full_record(id));
  return out;
}

void check_membership(Directory::Impl& d, Id group, Id member) {
  const Entity& g = d.entity(group);
  Kind want = member_kind(g.kind);
  if (want == Kind::kNone) throw InvalidArgument(d.describe(group) + " is not a group; members belong to user or device groups");
  if (d.entity(member).kind != want)
    throw InvalidArgument("a " + std::string(kind_name(g.kind)) + " holds " + std::string(kind_name(want)) + "s, not " +
                          d.describe(member));
  check_same_org(d, group, member);
}

}  // namespace

void Directory::add_member(const Actor& actor, Id group, Id member) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> void {
    d.require_visible(actor, {group, member}, "group_member_add");
  WriteScope w(d);
  check_membership(d, group, member);
  d.authorize(actor, Scope::kGroups, Verb::kEdit, group, "group_member_add");
  if (d.model.linked(group, member)) return;  // already a member: nothing changes, nothing to audit
  write_edge(d, w, actor, "group_member_add", group, member, true);
  });
}

void Directory::remove_member(const Actor& actor, Id group, Id member) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> void {
    d.require_visible(actor, {group, member}, "group_member_remove");
  WriteScope w(d);
  check_membership(d, group, member);
  d.authorize(actor, Scope::kGroups, Verb::kEdit, group, "group_member_remove");
  if (!d.model.linked(group, member)) throw NotFound(d.describe(member) + " is not a member of " + d.describe(group));
  write_edge(d, w, actor, "group_member_remove", group, member, false);
  });
}

std::vector<Record> Directory::members(const Actor& actor, Id group) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> std::vector<Record> {
    d.require_visible(actor, {group}, "group_read");
  Kind want = member_kind(d.entity(group).kind);
  if (want == Kind::kNone) throw InvalidArgument(d.describe(group) + " is not a group");
  d.authorize(actor, Scope::kGroups, Verb::kRead, group, "group_read");
  std::vector<Id> ids;
  for (Id other : d.model.neighbors(group))
    if (d.entity(other).kind == want) ids.push_back(other);
  return records_of(d, ids);
  });
}

std::vector<Record> Directory::groups_of(const Actor& actor, Id member) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> std::vector<Record> {
    d.require_visible(actor, {member}, "group_read");
  const Kind k = d.entity(member).kind;
  const Kind group = k == Kind::kUser ? Kind::kUserGroup : k == Kind::kDevice ? Kind::kDeviceGroup : Kind::kNone;
  if (group == Kind::kNone) throw InvalidArgument(d.describe(member) + " is neither a user nor a device");
  d.authorize(actor, Scope::kGroups, Verb::kRead, member, "group_read");
  std::vector<Id> ids;
  for (Id other : d.model.neighbors(member))
    if (d.entity(other).kind == group) ids.push_back(other);
  return records_of(d, ids);
  });
}

void Directory::associate(const Actor& actor, Id a, Id b) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> void {
    d.require_visible(actor, {a, b}, "association_add");
  WriteScope w(d);
  auto [x, y] = allowed_pair(d, a, b);
  check_same_org(d, x, y);
  authorize_pair(d, actor, x, y, "association_add");
  if (d.model.linked(x, y)) return;
  write_edge(d, w, actor, "association_add", x, y, true);
  });
}

void Directory::dissociate(const Actor& actor, Id a, Id b) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> void {
    d.require_visible(actor, {a, b}, "association_remove");
  WriteScope w(d);
  auto [x, y] = allowed_pair(d, a, b);
  authorize_pair(d, actor, x, y, "association_remove");
  if (!d.model.linked(x, y)) throw NotFound(d.describe(x) + " is not associated with " + d.describe(y));
  write_edge(d, w, actor, "association_remove", x, y, false);
  });
}

std::vector<Record> Directory::associations(const Actor& actor, Id id) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> std::vector<Record> {
    d.require_visible(actor, {id}, "association_read");
  const Entity& e = d.entity(id);
  d.authorize(actor, scope_of(e.kind), Verb::kRead, id, std::string(kind_name(e.kind)) + "_read");
  std::vector<Id> ids;
  for (Id other : d.model.neighbors(id)) {
    const Kind k = d.entity(other).kind;
    if (k == Kind::kOrg || member_kind(e.kind) == k || member_kind(k) == e.kind) continue;
    ids.push_back(other);
  }
  return records_of(d, ids);
  });
}

}  // namespace dirctl
