// Sessions (resume, logout, listing), the User Portal password change,
// invitations of pending admins, and unlocking an admin.
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "identity/identity_impl.h"
#include "identity/secret_box.h"
#include "util/clock.h"
#include "util/password.h"

namespace dirctl {
namespace {

constexpr std::int64_t kInviteDays = 7;

}  // namespace

Actor Identity::resume(const std::string& token) {
  Impl& d = *impl_;
  Actor out;
  d.host.enter([&] {
    auto c = d.store.credential(token_hash(token));
    if (!c || c->kind != CredentialKind::kSession || c->ended != 0 || unix_now_ms() >= c->expires)
      throw PermissionDenied("no live session has this token (it ended, expired, or never was); log in again",
                             "session_ended");
    d.host.sync_credentials(c->principal);
    out = Actor{c->actor_type, c->principal, c->id};
  });
  return out;
}

void Identity::logout(const Actor& session) {
  Impl& d = *impl_;
  d.host.enter([&] {
    const Credential* c = d.host.model().credential(session.credential);
    if (session.credential == 0 || (c != nullptr && c->api_key))
      throw InvalidArgument("logout ends a session from login(); this actor has none");
    if (c == nullptr) return;  // ended already: nothing to do
    d.host.write([&] {
      if (d.store.end_credential(session.credential, unix_now_ms(), "logout"))
        d.record(session, session.id, "logout", true, "session " + std::to_string(session.credential) + " ended");
    });
    d.host.sync_credentials(session.id);
  });
}

std::vector<SessionInfo> Identity::sessions(const Actor& actor, Id principal) {
  Impl& d = *impl_;
  std::vector<SessionInfo> out;
  d.host.enter([&] {
    const Entity& p = d.principal(principal, "sessions");
    d.require_self_or(actor, principal, action_id(p.kind == Kind::kAdmin ? "administrators.read" : "users.read"),
                      d.event_type(principal, "sessions_read"));
    const std::int64_t now = unix_now_ms();
    for (const CredentialRow& c : d.store.live_credentials(principal))
      if (c.kind == CredentialKind::kSession && c.expires > now)
        out.push_back({c.id, Actor{c.actor_type, c.principal, c.id}, c.actor_type == ActorType::kUser ? "user" : "admin",
                       c.created, c.expires, ""});
  });
  return out;
}

void Identity::change_password(const Actor& actor, const std::string& current, const std::string& next) {
  Impl& d = *impl_;
  d.host.enter([&] {
    if (actor.type == ActorType::kSystem || actor.type == ActorType::kApiKey)
      throw InvalidArgument("change_password is the User Portal flow of a logged-in user; the directory handle "
                            "sets passwords with users.update(user, password=...)");
    const Decision live = d.host.actor_live(actor);
    if (!live.allowed) d.host.refuse_rule(actor, actor.id, "user_password_change", live.rule, live.reason);
    const Id owner = d.credential_owner(actor.id);
    const Entity& o = d.principal(owner, "change_password");
    if (o.kind != Kind::kUser)
      throw InvalidArgument("change_password changes a user's password; " + d.host.describe(actor.id) +
                            " is an admin with its own credentials: its password is set through its invitation");
    if (!verify_password(d.password_hash(owner), current))
      throw PermissionDenied("the current password is not right", "login_failed");
    check_new_password(owner, kNoId, next);
    const std::string hash = hash_password(next);
    Fields fields = {{"password", hash}};
    if (std::string date = expiry_date(d.policy(owner), unix_now_ms()); !date.empty())
      fields.emplace_back("password_expiration_date", date);  // as users.update(password=...) sets it
    d.host.write([&] {
      d.host.write_fields(actor, owner, fields, "changed by the user (User Portal flow)");
      password_set(owner, hash);  // its time and the history, as every password change records them
    });
  });
}

std::string Identity::invite(const Actor& actor, Id admin) {
  Impl& d = *impl_;
  std::string token;
  d.host.enter([&] {
    d.host.require_visible(actor, admin, "admin_invite");
    const Entity& a = d.principal(admin, "resend_invite");
    if (a.kind != Kind::kAdmin) throw InvalidArgument(d.host.describe(admin) + " is not an admin; users are not invited");
    d.host.authorize(actor, action_id("administrators.edit"), admin, "admin_invite");
    if (a.link != kNoId)
      throw InvalidArgument(d.host.describe(admin) + " logs in with its user's credentials (admin made from a user); "
                            "it has no invitation");
    if (a.state != kAdminPending)
      throw Conflict(d.host.describe(admin) + " is " + admin_states()[a.state] + ", not pending: it has accepted its "
                     "invitation already");
    token = random_token(32);
    d.host.write([&] {
      LoginRow row = d.login_row(admin);
      row.invite_hash = token_hash(token);
      row.invite_expires = unix_now_ms() + kInviteDays * 86400000;
      d.store.put_login(row);
      d.record(actor, admin, "invite", true, "an invitation email would be sent to " + std::string(a.name) +
               " (dirctl sends no email); valid until " + iso_of_ms(row.invite_expires));
    });
  });
  return token;
}

void Identity::unlock(const Actor& actor, Id admin) {
  Impl& d = *impl_;
  d.host.enter([&] {
    d.host.require_visible(actor, admin, "admin_unlock");
    if (d.principal(admin, "unlock").kind != Kind::kAdmin)
      throw InvalidArgument(d.host.describe(admin) + " is a user: unlock it with users.update(user, account_locked=False)");
    d.host.authorize(actor, action_id("administrators.edit"), admin, "admin_unlock");
    if (const Id user = d.credential_owner(admin); user != admin)
      throw InvalidArgument(d.host.describe(admin) + " logs in with the credentials of " + d.host.describe(user) +
                            ", which is what is locked: unlock the user (users.update(user, account_locked=False))");
    d.host.write([&] {
      LoginRow row = d.login_row(d.credential_owner(admin));
      if (!row.locked && row.failed_attempts == 0) return;
      row.locked = false;
      row.failed_attempts = 0;
      d.store.put_login(row);
      d.record(actor, admin, "unlock", true, "");
    });
  });
}

}  // namespace dirctl
