// Device bindings: a user bound to a device, with sudo and passwordless sudo
// (dirctl/binding.h). The edge is the assignment graph's user-device edge
// (associate() makes one without sudo); its flags live in the store only,
// so a listing reads them there, consistent with other processes' commits.
// Rights are associate()'s: the users scope of the user to change a binding,
// the scope of the object asked about to list them.
#include <algorithm>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/impl.h"

namespace dirctl {
namespace {

const char* flag_text(bool b) { return b ? "true" : "false"; }

// (user, device) from two ids in either order, or InvalidArgument.
std::pair<Id, Id> user_and_device(Directory::Impl& d, Id a, Id b) {
  const Kind ka = d.entity(a).kind, kb = d.entity(b).kind;
  if (ka == Kind::kUser && kb == Kind::kDevice) return {a, b};
  if (ka == Kind::kDevice && kb == Kind::kUser) return {b, a};
  throw InvalidArgument("a binding joins a user and a device, not " + d.describe(a) + " and " + d.describe(b) +
                        "; for other pairs use associate()");
}

}  // namespace

std::vector<Binding> Directory::bindings(const Actor& actor, Id id) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> std::vector<Binding> {
    d.require_visible(actor, {id}, "association_read");
    const Entity& e = d.entity(id);
    if (e.kind != Kind::kUser && e.kind != Kind::kDevice)
      throw InvalidArgument(d.describe(id) + " has no device bindings; only users and devices do");
    d.authorize(actor, scope_of(e.kind), Verb::kRead, id, std::string(kind_name(e.kind)) + "_read");
    const Kind want = e.kind == Kind::kUser ? Kind::kDevice : Kind::kUser;
    std::vector<RecordStore::EdgeFlags> edges = d.records.edge_flags_of(id);
    std::sort(edges.begin(), edges.end(), [](const auto& x, const auto& y) { return x.other < y.other; });
    std::vector<Binding> out;
    for (const auto& edge : edges) {
      const Entity* other = d.model.find(edge.other);
      if (other == nullptr || other->kind != want) continue;
      Binding b;
      b.user = e.kind == Kind::kUser ? id : edge.other;
      b.device = e.kind == Kind::kUser ? edge.other : id;
      b.sudo = edge.sudo;
      b.passwordless_sudo = edge.passwordless_sudo;
      b.other = d.full_record(edge.other);
      out.push_back(std::move(b));
    }
    return out;
  });
}

void Directory::bind(const Actor& actor, Id a, Id b, bool sudo, bool passwordless_sudo) {
  Impl& d = live(impl_);
  audited(d, [&]() -> void {
    d.require_visible(actor, {a, b}, "association_add");
    WriteScope w(d);
    auto [user, device] = user_and_device(d, a, b);
    if (d.entity(user).org != d.entity(device).org)
      throw InvalidArgument(d.describe(user) + " and " + d.describe(device) +
                            " belong to different orgs; relations stay within one org");
    if (passwordless_sudo && !sudo)
      throw InvalidArgument("passwordless_sudo without sudo means nothing: bind " + d.describe(user) + " to " +
                            d.describe(device) + " with sudo=True, passwordless_sudo=True, or leave both False");
    d.authorize(actor, Scope::kUsers, Verb::kEdit, user, "association_add");
    const std::optional<RecordStore::EdgeFlags> before = d.records.edge_flags(user, device);
    if (before && before->sudo == sudo && before->passwordless_sudo == passwordless_sudo) return;  // nothing changes
    d.writer.set_binding(user, device, sudo, passwordless_sudo);
    Event e = d.event(actor, before ? "association_update" : "association_add", d.entity(user).org, user);
    e.target = ref_of(d, device);
    if (!before || before->sudo != sudo) e.changes.push_back({"sudo", before ? flag_text(before->sudo) : "null", flag_text(sudo)});
    if (!before || before->passwordless_sudo != passwordless_sudo)
      e.changes.push_back({"passwordless_sudo", before ? flag_text(before->passwordless_sudo) : "null",
                           flag_text(passwordless_sudo)});
    d.append(e);
    w.touching_memory();
    if (!before) d.model.link(user, device);
    w.commit();
  });
}

}  // namespace dirctl
