// TOTP enrolment: a seed made here, sealed at rest, confirmed by a first
// code; and its reset. For a user, mfa_status follows (pending_activation,
// enrolled, not_enrolled). An admin made from a user enrols as the user.
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "identity/identity_impl.h"
#include "identity/secret_box.h"
#include "identity/totp.h"
#include "util/clock.h"

namespace dirctl {
namespace {

void set_mfa_status(Identity::Impl& d, const Actor& actor, Id owner, const char* status) {
  if (d.host.model().find(owner)->kind == Kind::kUser)
    d.host.write_fields(actor, owner, {{"mfa_status", std::string(status)}}, "");
}

}  // namespace

std::string Identity::enroll_totp(const Actor& actor, Id principal) {
  Impl& d = *impl_;
  std::string uri;
  d.host.enter([&] {
    d.principal(principal, "enroll_totp");
    if (actor.type != ActorType::kSystem && !d.is_self(actor, principal))
      d.host.refuse_rule(actor, principal, d.event_type(principal, "totp_enroll"), Rule::kActingView,
                         "only the account itself (or the directory's own handle) enrols its TOTP: the seed is "
                         "shown to whoever enrols; admins reset TOTP instead");
    d.require_self_or(actor, principal, action_id("users.totp_reset_and_enroll"), d.event_type(principal, "totp_enroll"));
    const Id owner = d.credential_owner(principal);
    const std::string seed = new_totp_secret();
    uri = otpauth_uri("dirctl", std::string(d.host.model().find(owner)->kind == Kind::kUser
                                                ? d.host.record(owner).text("email")
                                                : d.host.model().find(owner)->name),
                      seed);
    d.host.write([&] {
      LoginRow row = d.login_row(owner);
      row.totp_sealed = d.host.secret_box().seal(seed);
      row.totp_confirmed = false;
      row.totp_last_step = 0;
      d.store.put_login(row);
      set_mfa_status(d, actor, owner, "pending_activation");
      d.record(actor, owner, "totp_enroll", true, "waiting for a first code");
    });
  });
  return uri;
}

void Identity::confirm_totp(const Actor& actor, Id principal, const std::string& code) {
  Impl& d = *impl_;
  d.host.enter([&] {
    d.principal(principal, "confirm_totp");
    if (actor.type != ActorType::kSystem && !d.is_self(actor, principal))
      d.host.refuse_rule(actor, principal, d.event_type(principal, "totp_confirm"), Rule::kActingView,
                         "only the account itself confirms its TOTP enrolment");
    d.require_self_or(actor, principal, action_id("users.totp_reset_and_enroll"), d.event_type(principal, "totp_confirm"));
    const Id owner = d.credential_owner(principal);
    d.host.write([&] {
      LoginRow row = d.login_row(owner);
      if (row.totp_sealed.empty()) throw Conflict(d.host.describe(owner) + " has no TOTP enrolment to confirm; enrol first");
      const std::int64_t step = totp_match(d.host.secret_box().open(row.totp_sealed), code, unix_now_ms() / 1000);
      if (step < 0 || step <= row.totp_last_step)
        throw InvalidArgument("the TOTP code does not match (or was used already); enter the current code of the "
                              "authenticator app");
      row.totp_confirmed = true;
      row.totp_last_step = step;
      d.store.put_login(row);
      set_mfa_status(d, actor, owner, "enrolled");
      d.record(actor, owner, "totp_confirm", true, "");
    });
  });
}

void Identity::reset_totp(const Actor& actor, Id principal) {
  Impl& d = *impl_;
  d.host.enter([&] {
    const Entity& p = d.principal(principal, "reset_totp");
    const Id owner = d.credential_owner(principal);
    const std::string type = d.event_type(owner, "totp_reset");
    d.require_self_or(actor, owner, action_id(p.kind == Kind::kAdmin && p.link == kNoId ? "administrators.edit"
                                                                                         : "users.totp_reset_and_enroll"),
                      type);
    d.host.write([&] {
      LoginRow row = d.login_row(owner);
      row.totp_sealed.clear();
      row.totp_confirmed = false;
      row.totp_last_step = 0;
      d.store.put_login(row);
      set_mfa_status(d, actor, owner, "not_enrolled");
      d.record(actor, owner, "totp_reset", true, "");
    });
  });
}

}  // namespace dirctl
