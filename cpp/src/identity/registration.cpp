// Self-registration and its review (seed 004, Runops): anyone with an email
// of one of the org's allowed domains asks for access; the user waits in
// "reviewing" until an operator (an admin by role, or a user in the org's
// operator group) approves it, with the groups it asked for, or rejects it.
#include <algorithm>
#include <cctype>

#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "identity/identity_impl.h"
#include "util/clock.h"
#include "util/text.h"

namespace dirctl {
namespace {

// The org's allowed domains: a list separated by commas or spaces.
std::vector<std::string> domains_of(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',' || c == ' ' || c == ';') {
      if (!cur.empty()) out.push_back(lower_ascii(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

// A username from the email's local part: letters, digits, '.', '_', '-'.
std::string username_from(const std::string& email) {
  std::string u = lower_ascii(email.substr(0, email.find('@')));
  for (char& c : u)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  if (u.empty() || !std::isalnum(static_cast<unsigned char>(u.front()))) u = "u" + u;
  return u.substr(0, 60);
}

std::vector<Id> ids_from(const std::string& text) {
  std::vector<Id> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(static_cast<Id>(std::stoull(text.substr(start, end - start))));
    start = end + 1;
  }
  return out;
}

}  // namespace

Id Identity::register_user(Id org, const std::string& email, const std::string& name, const std::string& team,
                           const std::vector<std::string>& groups) {
  Impl& d = *impl_;
  Id user = kNoId;
  d.host.enter([&] {
    const Entity* o = d.host.model().find(org);
    if (o == nullptr || o->kind != Kind::kOrg) throw NotFound("register: no org with id " + std::to_string(org));
    const auto at = email.rfind('@');
    const std::string domain = at == std::string::npos ? std::string() : lower_ascii(email.substr(at + 1));
    const std::vector<std::string> allowed = domains_of(d.host.record(org).text("allowed_domains"));
    if (allowed.empty())
      throw InvalidArgument("org '" + std::string(o->name) + "' takes no self-registrations: no allowed_domains are "
                            "set (an admin sets them: d.orgs.update(org, allowed_domains=\"acme.com\"))");
    if (std::find(allowed.begin(), allowed.end(), domain) == allowed.end())
      throw InvalidArgument("register: the email's domain '" + domain + "' is not one of org '" + std::string(o->name) +
                            "''s allowed domains (" + d.host.record(org).text("allowed_domains") + ")");
    for (Id u : d.host.users_by_email(email))
      if (d.host.model().find(u)->org == org)
        throw Conflict("register: " + d.host.describe(u) + " already has this email in org '" + std::string(o->name) + "'");
    std::string group_ids, group_names;
    for (const std::string& g : groups) {
      const Id gid = d.host.group_by_name(org, g);
      if (gid == kNoId)
        throw NotFound("register: org '" + std::string(o->name) + "' has no user group '" + g + "'; ask for groups "
                       "that exist");
      group_names += (group_ids.empty() ? "" : ",") + g;
      group_ids += (group_ids.empty() ? "" : ",") + std::to_string(gid);
    }
    std::string username = username_from(email);
    const std::string base = username;
    const std::vector<Id> users = d.host.model().ids_of(Kind::kUser, org);
    for (int n = 2;; ++n) {
      const bool taken = std::any_of(users.begin(), users.end(), [&](Id u) {
        return lower_ascii(std::string(d.host.model().find(u)->name)) == username; });
      if (!taken) break;
      username = base + "-" + std::to_string(n);
    }
    const auto space = name.rfind(' ');
    Fields fields = {{"username", username}, {"email", email}, {"state", std::string("reviewing")}};
    fields.emplace_back("first_name", space == std::string::npos ? name : name.substr(0, space));
    if (space != std::string::npos) fields.emplace_back("last_name", name.substr(space + 1));
    if (!team.empty()) fields.emplace_back("department", team);
    d.host.batch([&] {
      user = d.host.create(Actor::system(), Kind::kUser, org, fields).id;
      d.host.write([&] {
        d.store.put_registration(user, group_ids, unix_now_ms());
        d.record(Actor::system(), user, "register", true,
                 "self-registration by " + email + (group_ids.empty() ? "" : " for groups " + group_names) +
                     "; waiting for an operator");
      });
    });
  });
  return user;
}

void Identity::approve(const Actor& actor, Id user) {
  Impl& d = *impl_;
  d.host.enter([&] {
    d.host.require_visible(actor, user, "user_update");
    const Entity& u = d.principal(user, "approve");
    if (u.kind != Kind::kUser || u.state != kUserReviewing)
      throw Conflict(d.host.describe(user) + " is not waiting for approval (state " +
                     (u.kind == Kind::kUser ? user_states()[u.state] : "admin") + ")");
    d.host.authorize(actor, action_id("users.suspend_and_activate"), user, "user_update");
    d.host.write([&] {
      const std::string groups = d.store.registration(user).value_or("");
      d.host.write_fields(actor, user, {{"state", std::string("active")}}, "registration approved");
      for (Id g : ids_from(groups))
        if (const Entity* ge = d.host.model().find(g); ge != nullptr && ge->kind == Kind::kUserGroup &&
                                                        !d.host.model().linked(g, user))
          d.host.write_member(actor, g, user);
      d.store.erase_registration(user);
    });
  });
}

void Identity::reject(const Actor& actor, Id user) {
  Impl& d = *impl_;
  d.host.enter([&] {
    d.host.require_visible(actor, user, "user_delete");
    const Entity& u = d.principal(user, "reject");
    if (u.kind != Kind::kUser || u.state != kUserReviewing)
      throw Conflict(d.host.describe(user) + " is not waiting for approval; delete users with users.delete");
    d.host.authorize(actor, action_id("users.suspend_and_activate"), user, "user_delete");
    d.host.batch([&] {
      d.host.write([&] {
        d.store.erase_registration(user);
        d.record(actor, user, "registration_reject", true, "registration rejected");
      });
      d.host.remove(actor, user);
    });
  });
}

}  // namespace dirctl
