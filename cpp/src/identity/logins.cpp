// Logins: who an email is, its password and second factor, and the session.
//
// A login verifies the password (Argon2id, tens of milliseconds) before it
// takes the write lock; under the lock it re-reads the login state, so
// failed attempts count and a TOTP code works once even when processes race.
// The outcome (and any lockout) commits with its events; a refusal is thrown
// only after that commit.
#include <algorithm>

#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "identity/identity_impl.h"
#include "identity/secret_box.h"
#include "identity/totp.h"
#include "util/clock.h"
#include "util/password.h"

namespace dirctl {
namespace {

// Who a login is for: the admin or user named by the email, and whose
// credentials it checks (an admin made from a user: the user's).
struct Attempt {
  Id principal = kNoId;  // kNoId: no account has the email (on that portal)
  Id owner = kNoId;
  bool admin_portal = true;
};

// Why a login was refused: the event's reason, the rule the caller sees, and
// whether it counts toward the lockout (a guess of a secret does).
struct Refusal {
  std::string reason;
  std::string rule;
  std::string message;
  bool counts = false;
};

// A hash to verify against when the email is unknown, so that an unknown
// email costs the same time as a wrong password.
const std::string& decoy_hash() {
  static const std::string kHash = hash_password("dirctl decoy password");
  return kHash;
}

bool flag(const Record& r, const char* name, bool dflt) {
  const Value* v = r.find(name);
  return v != nullptr && std::holds_alternative<bool>(*v) ? std::get<bool>(*v) : dflt;
}

bool expired_date(const Record& user) {
  if (flag(user, "password_never_expires", false)) return false;
  const std::string date = user.text("password_expiration_date");
  return !date.empty() && date < utc_now_iso().substr(0, 10);
}

}  // namespace

SessionInfo Identity::login(const LoginRequest& rq) {
  Impl& d = *impl_;
  SessionInfo out;
  std::optional<Refusal> refused;
  d.host.enter([&] {
    Attempt at;
    const std::string portal = rq.portal.empty() ? "" : rq.portal;
    if (portal != "" && portal != "admin" && portal != "user")
      throw InvalidArgument("login portal '" + portal + "' is not one of admin, user");
    if (rq.email.empty()) throw InvalidArgument("login needs an email");
    if (portal != "user") at.principal = d.host.admin_by_email(rq.email);
    if (at.principal == kNoId && portal != "admin") {
      at.admin_portal = false;
      std::vector<Id> users = d.host.users_by_email(rq.email);
      if (rq.org != kNoId) users.erase(std::remove_if(users.begin(), users.end(), [&](Id u) {
        return d.host.model().find(u)->org != rq.org; }), users.end());
      if (users.size() > 1)
        throw InvalidArgument("the email is a user's in " + std::to_string(users.size()) +
                              " orgs; say which: login(..., org=...)");
      if (!users.empty()) at.principal = users.front();
    }
    at.owner = at.principal != kNoId ? d.credential_owner(at.principal) : kNoId;
    const Entity* p = at.principal != kNoId ? d.host.model().find(at.principal) : nullptr;
    const bool pending = p != nullptr && p->kind == Kind::kAdmin && p->state == kAdminPending && p->link == kNoId;

    // The slow part, before the lock: the password (or, for an invitation, the new one's hash).
    std::string stored = at.owner != kNoId ? d.password_hash(at.owner) : std::string();
    bool password_ok = false;
    std::string new_hash;
    if (pending && !rq.invite.empty()) {
      check_password(d.policy(at.principal), rq.password, {}, d.host.describe(at.principal));
      new_hash = hash_password(rq.password);
    } else {
      password_ok = verify_password(stored.empty() ? decoy_hash() : stored, rq.password) && !stored.empty();
    }

    d.host.write([&] {
      const std::int64_t now = unix_now_ms();
      LoginRow row = at.owner != kNoId ? d.login_row(at.owner) : LoginRow{};
      const Record owner = at.owner != kNoId ? d.host.record(at.owner) : Record{};
      const Entity* o = at.owner != kNoId ? d.host.model().find(at.owner) : nullptr;
      const PasswordPolicy policy = at.principal != kNoId ? d.policy(at.principal) : PasswordPolicy{};
      const bool locked = o != nullptr && (o->kind == Kind::kUser ? o->has(kFlagLocked) : row.locked);
      auto refuse = [&](const char* reason, const char* rule, std::string message, bool counts) {
        if (!refused) refused = Refusal{reason, rule, std::move(message), counts};
      };
      std::int64_t step = -1;
      const std::string bad = "login refused: the email or password is not right; check both, or ask an admin to "
                              "reset the password";
      if (p == nullptr) refuse("unknown_email", "login_failed", bad, false);
      else if (pending && rq.invite.empty())
        refuse("invitation_pending", "invitation_pending", "login refused: this admin has not accepted the "
               "invitation yet; log in with the invitation (invite=...) to set a password", false);
      else if (pending && (row.invite_hash.empty() || !same_secret(row.invite_hash, token_hash(rq.invite)) ||
                           now >= row.invite_expires))
        refuse("invalid_invitation", "login_failed", "login refused: the invitation is not valid or has expired; ask "
               "for a new one (d.admins.resend_invite)", true);
      else if (!pending && o->kind == Kind::kUser && !flag(owner, "activated", false))
        // No password yet (JumpCloud's "pending activation"): nothing could
        // match, so it is not a failed attempt; the caller hears what any
        // wrong password hears, the audit says why.
        refuse("not_activated", "login_failed", bad, false);
      else if (!pending && !password_ok) refuse("wrong_password", "login_failed", bad, true);  // before anything
      // that would tell a guesser the account exists
      else if ((p->kind == Kind::kAdmin && p->state == kAdminSuspended) ||
               (o->kind == Kind::kUser && o->state != kUserActive))
        refuse("account_inactive", "suspended_actor", "login refused: the account is not active (suspended, staged or "
               "awaiting approval); an administrator must activate it", false);
      else if (locked)
        refuse("account_locked", "account_locked", "login refused: the account is locked after too many failed "
               "logins; an administrator must unlock it", false);
      else if (!pending && o->kind == Kind::kUser && expired_date(owner))
        refuse("password_expired", "password_expired", "login refused: the password has expired; reset it", false);
      else if (!pending && o->kind == Kind::kAdmin && policy.expiry_days > 0 &&
               now > row.password_set_at + policy.expiry_days * 86400000)
        refuse("password_expired", "password_expired", "login refused: the password has expired; reset it", false);
      else if (!at.admin_portal && !flag(d.host.record(o->org), "user_portal", true))
        refuse("user_portal_disabled", "user_portal_disabled", "login refused: the org does not allow users to log "
               "in (user_portal is off)", false);
      if (!refused && p != nullptr) {  // the second factor
        const bool required = owner.text("mfa_status") == "enrolled" ||
                              (p->kind == Kind::kAdmin && flag(d.host.record(at.principal), "mfa_required", false));
        if (row.totp_confirmed) {
          if (rq.totp.empty())
            refuse("totp_missing", "mfa_required", "login refused: a TOTP code is required (totp=...)", false);
          else if ((step = totp_match(d.host.secret_box().open(row.totp_sealed), rq.totp, now / 1000)) < 0)
            refuse("wrong_totp", "login_failed", "login refused: the TOTP code is not right", true);
          else if (step <= row.totp_last_step)
            refuse("totp_reused", "login_failed", "login refused: this TOTP code was already used; wait for the "
                   "next one", true);
        } else if (required) {
          refuse("mfa_not_enrolled", "mfa_required", "login refused: MFA is required but no TOTP is enrolled here; "
                 "enrol one first (d.enroll_totp from the directory handle)", false);
        }
      }

      const Actor who = p == nullptr ? Actor::system()
                      : Actor{p->kind == Kind::kAdmin ? ActorType::kAdmin : ActorType::kUser, at.principal};
      auto attempt_event = [&](Id principal, const std::string& message) {
        const Entity* e = d.host.model().find(principal);
        const Actor by = principal == at.principal ? who : Actor{ActorType::kUser, principal};
        Event ev = d.host.event(by, d.event_type(principal, "login_attempt"), e->kind == Kind::kUser ? e->org : kNoId, principal);
        ev.success = !refused;
        ev.message = message;
        d.host.append(ev);
      };
      if (refused) {
        if (p == nullptr) {
          Event ev = d.host.event(who, at.admin_portal && portal != "user" ? "admin_login_attempt" : "user_login_attempt",
                                  kNoId, kNoId);
          ev.success = false;
          ev.message = "refused: unknown_email";
          d.host.append(ev);
          return;
        }
        std::string message = "refused: " + refused->reason;
        if (refused->counts && o != nullptr) {
          ++row.failed_attempts;
          if (policy.lockout_attempts > 0 && row.failed_attempts >= policy.lockout_attempts) {
            message += "; the account is now locked (" + std::to_string(row.failed_attempts) + " failed attempts)";
            row.failed_attempts = 0;
            if (o->kind == Kind::kUser)
              d.host.write_fields(Actor::system(), at.owner, {{"account_locked", true}}, "locked after failed logins");
            else
              row.locked = true;
          }
          d.store.put_login(row);
        }
        if (at.owner != at.principal) attempt_event(at.owner, message);
        attempt_event(at.principal, message);
        return;
      }
      row.failed_attempts = 0;
      if (step >= 0) row.totp_last_step = step;
      if (pending) {
        row.password_hash = new_hash;
        row.password_set_at = now;
        row.invite_hash.clear();
        row.invite_expires = 0;
        if (policy.history > 0) d.store.add_password_history(at.owner, now, new_hash, policy.history);
        d.host.write_fields(Actor::system(), at.principal, {{"state", std::string("active")}},
                            "invitation accepted at first login");
      }
      d.store.put_login(row);
      CredentialRow c;
      c.kind = CredentialKind::kSession;
      c.principal = at.principal;
      c.actor_type = who.type;
      out.token = random_token(32);
      c.lookup = c.secret_hash = token_hash(out.token);
      c.created = now;
      c.expires = now + policy.session_minutes * 60000;
      out.id = c.id = d.store.insert_credential(c);
      out.actor = Actor{who.type, at.principal, c.id};
      out.portal = at.admin_portal ? "admin" : "user";
      out.created_ms = c.created;
      out.expires_ms = c.expires;
      const std::string message = "session " + std::to_string(c.id) + " (" + out.portal + " portal) until " + iso_of_ms(c.expires);
      if (at.owner != at.principal) attempt_event(at.owner, message);
      attempt_event(at.principal, message);
    });
    if (!refused && at.principal != kNoId) d.host.sync_credentials(at.principal);
  });
  if (refused) throw PermissionDenied(refused->message, refused->rule);
  return out;
}

}  // namespace dirctl
