// identity/*.cpp through Directory::identity(): a pending admin's invitation,
// password logins and their refusals, events that never hold a secret,
// lockouts of admins and users, sessions ended by logout and by a change of
// role (in this process and in another), admins made from users logging in
// with the user's password and a TOTP code that works once, the set_password
// agreement, API keys, self-registration and its review, and the org's
// password policy on users.update.
//
// Argon2id costs tens of milliseconds per hash or verification, so each test
// sets and tries as few passwords as it can; most run on ":memory:" only.
#include "dirctl/identity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "identity/totp.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make_org;
using test::make_user;
using test::sys;

const std::string kPw = "correct horse battery";
const std::string kWrong = "wrong horse battery!";

LoginRequest request(const std::string& email, const std::string& password, const std::string& totp = "",
                     const std::string& invite = "", const std::string& portal = "") {
  LoginRequest r;
  r.email = email;
  r.password = password;
  r.totp = totp;
  r.invite = invite;
  r.portal = portal;
  return r;
}

// The rule of the PermissionDenied that f throws, or "(allowed)".
template <typename F>
std::string rule_of(F&& f) {
  try {
    f();
  } catch (const PermissionDenied& e) {
    return e.rule();
  }
  return "(allowed)";
}

// The rule and message of the PermissionDenied that f throws, or "(allowed)".
template <typename F>
std::pair<std::string, std::string> refusal_of(F&& f) {
  try {
    f();
  } catch (const PermissionDenied& e) {
    return {e.rule(), e.what()};
  }
  return {"(allowed)", "(allowed)"};
}

std::vector<Event> events_of(Directory& d, const std::string& type, Id resource = kNoId) {
  EventFilter f;
  f.event_types = {type};
  if (resource != kNoId) f.resource_id = static_cast<std::int64_t>(resource);
  return d.events(sys(), f);
}

bool mentions(const Event& e, const std::string& secret) {
  auto has = [&](const std::string& s) { return s.find(secret) != std::string::npos; };
  if (has(e.message) || has(e.resource.name) || has(e.target.name) || has(e.initiated_by_email)) return true;
  return std::any_of(e.changes.begin(), e.changes.end(),
                     [&](const FieldChange& c) { return has(c.field) || has(c.from) || has(c.to); });
}

// Every event of the directory, checked for each secret's text.
void expect_no_secret_in_events(Directory& d, const std::vector<std::string>& secrets) {
  const std::vector<Event> all = d.events(sys(), EventFilter{});
  ASSERT_FALSE(all.empty());
  for (const Event& e : all)
    for (const std::string& s : secrets) {
      ASSERT_FALSE(s.empty());
      EXPECT_FALSE(mentions(e, s)) << "event " << e.seq << " (" << e.event_type << ") holds a secret: " << e.message;
    }
}

bool flag(const Record& r, const std::string& name) {
  const Value* v = r.find(name);
  return v != nullptr && std::holds_alternative<bool>(*v) && std::get<bool>(*v);
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The raw TOTP seed of an otpauth:// URI (its base32 `secret=` parameter).
std::string seed_of(const std::string& uri) {
  const auto at = uri.find("secret=");
  if (at == std::string::npos) return "";
  const auto start = at + 7;
  const auto end = uri.find('&', start);
  return base32_decode(uri.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

// Six digits that are none of the codes valid around `now`.
std::string wrong_code(const std::string& raw, std::int64_t now) {
  for (int n = 0;; ++n) {
    std::string c = std::to_string(n);
    c.insert(0, 6 - c.size(), '0');
    bool valid = false;
    for (std::int64_t dt = -60; dt <= 90; dt += 30) valid = valid || c == totp_code(raw, now + dt);
    if (!valid) return c;
  }
}

std::vector<std::int64_t> ids_of(const std::vector<SessionInfo>& sessions) {
  std::vector<std::int64_t> out;
  for (const SessionInfo& s : sessions) out.push_back(s.id);
  std::sort(out.begin(), out.end());
  return out;
}

class IdentityTest : public test::DirectoryFixture {
 protected:
  void SetUp() override {
    test::DirectoryFixture::SetUp();
    org_ = make_org(d(), "acme");
    keeper_ = test::keep_admin(d(), {static_cast<std::int64_t>(org_)});
  }
  void TearDown() override {
    if (on_disk()) std::remove((path() + ".key").c_str());  // the TOTP key file, made beside the directory
  }

  Identity& idy() { return d().identity(); }
  // An admin with access to org_; pending unless `state` says otherwise.
  Id make_admin(const std::string& email, const std::string& role = "administrator", const std::string& state = "") {
    Fields f{{"email", email}, {"role", role}, {"orgs", IdList{static_cast<std::int64_t>(org_)}}};
    if (!state.empty()) f.emplace_back("state", state);
    return d().create(sys(), Kind::kAdmin, kNoId, f).id;
  }
  // A pending admin's first login, with a fresh invitation.
  SessionInfo activate(Id admin, const std::string& email) {
    return idy().login(request(email, kPw, "", idy().invite(sys(), admin)));
  }
  std::size_t users_seen_by(const Actor& actor) { return d().list(actor, Kind::kUser, org_).size(); }

  Id org_ = kNoId;
  Id keeper_ = kNoId;
};

INSTANTIATE_TEST_SUITE_P(Memory, IdentityTest, ::testing::ValuesIn(test::memory_or_server()), test::storage_name);

// Tests that need a file: its bytes, or a second Directory on it.
class IdentityFileTest : public IdentityTest {};
INSTANTIATE_TEST_SUITE_P(File, IdentityFileTest, ::testing::Values(test::Storage::kFile), test::storage_name);

// ---- logins of admins ----------------------------------------------------------------

TEST_P(IdentityTest, APendingAdminLogsInFirstWithItsInvitation) {
  const Id a = make_admin("ops@acme.com");
  EXPECT_EQ(d().get(sys(), a).text("state"), "pending");
  EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kPw)); }), "invitation_pending");

  const std::string token = idy().invite(sys(), a);
  EXPECT_GE(token.size(), 32u);
  EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kPw, "", "not-the-token")); }), "login_failed");
  EXPECT_EQ(d().get(sys(), a).text("state"), "pending") << "a wrong invitation changes nothing";

  const SessionInfo s = idy().login(request("ops@acme.com", kPw, "", token));
  EXPECT_FALSE(s.token.empty());
  EXPECT_EQ(s.actor.type, ActorType::kAdmin);
  EXPECT_EQ(s.actor.id, a);
  EXPECT_NE(s.actor.credential, 0);
  EXPECT_EQ(s.id, s.actor.credential);
  EXPECT_EQ(s.portal, "admin");
  EXPECT_EQ(s.expires_ms - s.created_ms, 60 * 60000) << "the default session_minutes";
  EXPECT_EQ(d().get(sys(), a).text("state"), "active") << "the invitation is accepted";
  EXPECT_THROW(idy().invite(sys(), a), Conflict) << "no invitation for an active admin";

  const SessionInfo again = idy().login(request("ops@acme.com", kPw));
  EXPECT_EQ(again.actor.id, a);
  EXPECT_NE(again.actor.credential, s.actor.credential);
  EXPECT_NE(again.token, s.token);

  const auto wrong = refusal_of([&] { idy().login(request("ops@acme.com", kWrong)); });
  const auto unknown = refusal_of([&] { idy().login(request("nobody@acme.com", kPw)); });
  EXPECT_EQ(wrong.first, "login_failed");
  EXPECT_EQ(unknown.first, "login_failed");
  EXPECT_EQ(unknown.second, wrong.second) << "an unknown email reads exactly as a wrong password";
  EXPECT_THROW(idy().login(request("", kPw)), InvalidArgument);
  EXPECT_THROW(idy().login(request("ops@acme.com", kPw, "", "", "kiosk")), InvalidArgument) << "no such portal";
}

TEST_P(IdentityTest, EveryLoginAttemptIsAnEventThatHoldsNoSecret) {
  const Id a = make_admin("ops@acme.com");
  EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kPw)); }), "invitation_pending");
  const std::string token = idy().invite(sys(), a);
  const SessionInfo first = idy().login(request("ops@acme.com", kPw, "", token));
  EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kWrong)); }), "login_failed");
  const SessionInfo second = idy().login(request("ops@acme.com", kPw));
  EXPECT_EQ(rule_of([&] { idy().login(request("nobody@acme.com", kWrong, "", "", "admin")); }), "login_failed");

  const std::vector<Event> attempts = events_of(d(), "admin_login_attempt", a);
  ASSERT_EQ(attempts.size(), 4u);
  EXPECT_FALSE(attempts[0].success);
  EXPECT_TRUE(attempts[1].success);
  EXPECT_FALSE(attempts[2].success);
  EXPECT_TRUE(attempts[3].success);
  EXPECT_NE(attempts[0].message.find("invitation_pending"), std::string::npos) << attempts[0].message;
  EXPECT_NE(attempts[1].message.find("session " + std::to_string(first.id)), std::string::npos) << attempts[1].message;
  EXPECT_NE(attempts[2].message.find("wrong_password"), std::string::npos) << attempts[2].message;
  for (const Event& e : attempts) EXPECT_EQ(e.resource.id, static_cast<std::int64_t>(a));

  const std::vector<Event> all_attempts = events_of(d(), "admin_login_attempt");
  ASSERT_EQ(all_attempts.size(), 5u) << "the unknown email on the admin portal too";
  EXPECT_FALSE(all_attempts.back().success);
  EXPECT_NE(all_attempts.back().message.find("unknown_email"), std::string::npos) << all_attempts.back().message;

  const std::vector<Event> accepted = events_of(d(), "admin_update", a);
  ASSERT_FALSE(accepted.empty());
  ASSERT_EQ(accepted.back().changes.size(), 1u);
  EXPECT_EQ(accepted.back().changes[0].field, "state");
  EXPECT_EQ(accepted.back().changes[0].to, "\"active\"");
  EXPECT_EQ(events_of(d(), "admin_invite", a).size(), 1u);

  expect_no_secret_in_events(d(), {kPw, kWrong, token, first.token, second.token});
}

TEST_P(IdentityTest, FailedLoginsLockAnAdminUntilItIsUnlocked) {
  d().update(sys(), org_, {{"lockout_attempts", std::int64_t{3}}});
  const Id a = make_admin("ops@acme.com");
  activate(a, "ops@acme.com");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kWrong)); }), "login_failed") << "attempt " << i;
  const std::vector<Event> failed = events_of(d(), "admin_login_attempt", a);
  ASSERT_FALSE(failed.empty());
  EXPECT_NE(failed.back().message.find("now locked"), std::string::npos) << failed.back().message;

  EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kPw)); }), "account_locked")
      << "the right password does not open a locked account";
  EXPECT_EQ(rule_of([&] { idy().unlock(d().actor_for(a), a); }), "admin_management")
      << "an administrator does not unlock admins (administrators: read)";

  idy().unlock(sys(), a);
  const std::vector<Event> unlocks = events_of(d(), "admin_unlock", a);
  ASSERT_EQ(unlocks.size(), 2u) << "the refused unlock is audited too";
  EXPECT_FALSE(unlocks[0].success);
  EXPECT_TRUE(unlocks[1].success);
  EXPECT_EQ(rule_of([&] { idy().login(request("ops@acme.com", kWrong)); }), "login_failed");
  EXPECT_EQ(idy().login(request("ops@acme.com", kPw)).actor.id, a) << "the count starts again after an unlock";
}

// ---- logins of users ----------------------------------------------------------------

TEST_P(IdentityTest, FailedLoginsLockAUserThroughItsAccountLockedField) {
  d().update(sys(), org_, {{"lockout_attempts", std::int64_t{3}}});
  const Id u = make_user(d(), org_, "alice");
  d().update(sys(), u, {{"password", kPw}});
  const SessionInfo s = idy().login(request("alice@example.com", kPw, "", "", "user"));
  EXPECT_EQ(s.portal, "user");
  EXPECT_EQ(s.actor.type, ActorType::kUser);
  EXPECT_EQ(s.actor.id, u);
  EXPECT_NE(s.actor.credential, 0);

  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(flag(d().get(sys(), u), "account_locked")) << "before attempt " << i;
    EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kWrong, "", "", "user")); }), "login_failed");
  }
  EXPECT_TRUE(flag(d().get(sys(), u), "account_locked"));
  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw, "", "", "user")); }), "account_locked");

  const std::vector<Event> attempts = events_of(d(), "user_login_attempt", u);
  ASSERT_EQ(attempts.size(), 5u);
  EXPECT_TRUE(attempts[0].success);
  for (std::size_t i = 1; i < attempts.size(); ++i) EXPECT_FALSE(attempts[i].success) << i;
  EXPECT_NE(attempts.back().message.find("account_locked"), std::string::npos) << attempts.back().message;

  d().update(sys(), u, {{"account_locked", false}});
  EXPECT_EQ(idy().login(request("alice@example.com", kPw, "", "", "user")).actor.id, u);
  expect_no_secret_in_events(d(), {kPw, kWrong, s.token});
}

TEST_P(IdentityTest, AUserCannotLogInWhileTheOrgsUserPortalIsOff) {
  const Id u = make_user(d(), org_, "alice");
  d().update(sys(), u, {{"password", kPw}});
  d().update(sys(), org_, {{"user_portal", false}});
  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw, "", "", "user")); }), "user_portal_disabled");
  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw)); }), "user_portal_disabled")
      << "no admin has the email: the user portal is meant";
  EXPECT_TRUE(idy().sessions(sys(), u).empty());
}

// ---- sessions ----------------------------------------------------------------------

TEST_P(IdentityTest, ASessionActsUntilItsLogout) {
  d().update(sys(), org_, {{"session_minutes", std::int64_t{15}}});
  const Id a = make_admin("ops@acme.com");
  make_user(d(), org_, "alice");
  const SessionInfo s1 = activate(a, "ops@acme.com");
  const SessionInfo s2 = idy().login(request("ops@acme.com", kPw));
  EXPECT_EQ(s1.expires_ms - s1.created_ms, 15 * 60000) << "the org's session_minutes";
  EXPECT_EQ(users_seen_by(s1.actor), 1u);

  const std::vector<SessionInfo> live = idy().sessions(sys(), a);
  EXPECT_EQ(ids_of(live), (std::vector<std::int64_t>{s1.id, s2.id}));
  for (const SessionInfo& s : live) {
    EXPECT_EQ(s.token, "") << "a token is shown once, by login()";
    EXPECT_EQ(s.portal, "admin");
    EXPECT_EQ(s.actor.id, a);
    EXPECT_EQ(s.actor.credential, s.id);
  }
  EXPECT_EQ(ids_of(idy().sessions(s2.actor, a)), ids_of(live)) << "an admin reads its own sessions";
  const Actor resumed = idy().resume(s1.token);
  EXPECT_EQ(resumed.type, ActorType::kAdmin);
  EXPECT_EQ(resumed.id, a);
  EXPECT_EQ(resumed.credential, s1.actor.credential);

  idy().logout(s1.actor);
  EXPECT_EQ(rule_of([&] { users_seen_by(s1.actor); }), "session_ended");
  EXPECT_EQ(rule_of([&] { idy().resume(s1.token); }), "session_ended");
  EXPECT_EQ(ids_of(idy().sessions(sys(), a)), std::vector<std::int64_t>{s2.id});
  EXPECT_EQ(users_seen_by(s2.actor), 1u) << "the other session lives on";
  EXPECT_NO_THROW(idy().logout(s1.actor)) << "a second logout has nothing to do";
  EXPECT_THROW(idy().logout(sys()), InvalidArgument) << "the system handle has no session";
  EXPECT_THROW(idy().logout(d().actor_for(a)), InvalidArgument) << "an actor without a session";
  EXPECT_EQ(events_of(d(), "admin_logout", a).size(), 1u);
  EXPECT_EQ(rule_of([&] { idy().resume("not-a-token"); }), "session_ended");
  const Actor forged{ActorType::kAdmin, keeper_, s2.actor.credential};
  EXPECT_EQ(rule_of([&] { users_seen_by(forged); }), "session_ended") << "a session is its own admin's only";
}

TEST_P(IdentityTest, ChangingAnAdminsRoleEndsItsSessions) {
  const Id a = make_admin("ops@acme.com");
  make_user(d(), org_, "alice");
  const SessionInfo s = activate(a, "ops@acme.com");
  EXPECT_EQ(users_seen_by(s.actor), 1u);

  d().update(sys(), a, {{"first_name", "Olga"s}});
  EXPECT_EQ(users_seen_by(s.actor), 1u) << "a change that is not of role or access keeps the session";

  d().update(sys(), a, {{"role", "manager"s}});
  EXPECT_EQ(rule_of([&] { users_seen_by(s.actor); }), "session_ended");
  EXPECT_EQ(rule_of([&] { idy().resume(s.token); }), "session_ended");
  EXPECT_TRUE(idy().sessions(sys(), a).empty());
  const std::vector<Event> updates = events_of(d(), "admin_update", a);
  ASSERT_FALSE(updates.empty());
  EXPECT_NE(updates.back().message.find("1 live session(s) ended"), std::string::npos) << updates.back().message;

  const SessionInfo fresh = idy().login(request("ops@acme.com", kPw));
  EXPECT_EQ(users_seen_by(fresh.actor), 1u) << "it logs in again, under the new role";
  EXPECT_EQ(idy().sessions(sys(), a).size(), 1u);
}

// ---- admins made from users (seed 003) -------------------------------------------------

TEST_P(IdentityTest, AnAdminMadeFromAUserLogsInWithTheUsersPasswordAndTotp) {
  const Id u = make_user(d(), org_, "alice");
  d().update(sys(), u, {{"password", kPw}});
  const std::string uri = idy().enroll_totp(sys(), u);
  EXPECT_EQ(uri.rfind("otpauth://totp/", 0), 0u) << uri;
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "pending_activation");
  const std::string raw = seed_of(uri);
  ASSERT_EQ(raw.size(), 20u) << uri;
  const std::int64_t enrolled_at = now_s();
  EXPECT_THROW(idy().confirm_totp(sys(), u, wrong_code(raw, enrolled_at)), InvalidArgument);
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "pending_activation");
  idy().confirm_totp(sys(), u, totp_code(raw, enrolled_at));
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "enrolled");

  const Record admin = d().create_admin_from_user(sys(), u, {{"role", "administrator"s}});
  EXPECT_TRUE(flag(admin, "mfa_required"));
  EXPECT_EQ(admin.text("state"), "active");
  EXPECT_EQ(admin.text("email"), "alice@example.com");

  // The code of the next time step: the confirmed one was used already.
  const std::string code = totp_code(raw, now_s() + 30);
  const SessionInfo s = idy().login(request("alice@example.com", kPw, code));
  EXPECT_EQ(s.portal, "admin");
  EXPECT_EQ(s.actor.type, ActorType::kAdmin);
  EXPECT_EQ(s.actor.id, admin.id);
  EXPECT_NE(s.actor.credential, 0);
  EXPECT_EQ(users_seen_by(s.actor), 1u);
  const std::vector<Event> user_attempts = events_of(d(), "user_login_attempt", u);
  const std::vector<Event> admin_attempts = events_of(d(), "admin_login_attempt", admin.id);
  ASSERT_EQ(user_attempts.size(), 1u);
  ASSERT_EQ(admin_attempts.size(), 1u);
  EXPECT_TRUE(user_attempts[0].success);
  EXPECT_TRUE(admin_attempts[0].success);

  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw, code)); }), "login_failed")
      << "a TOTP code works once";
  const std::vector<Event> reused = events_of(d(), "admin_login_attempt", admin.id);
  ASSERT_EQ(reused.size(), 2u);
  EXPECT_FALSE(reused.back().success);
  EXPECT_NE(reused.back().message.find("totp_reused"), std::string::npos) << reused.back().message;
  EXPECT_EQ(events_of(d(), "user_login_attempt", u).size(), 2u) << "the user's credentials were tried too";

  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw)); }), "mfa_required");
  EXPECT_NE(events_of(d(), "admin_login_attempt", admin.id).back().message.find("totp_missing"), std::string::npos);
  expect_no_secret_in_events(d(), {kPw, s.token, base32_encode(raw)});
}

TEST_P(IdentityTest, UnlockingAnAdminMadeFromAUserLetsItLogInAgain) {
  // Its failed logins lock its user (account_locked), whose credentials it
  // uses; unlock(admin) must open them again, or refuse and say how.
  d().update(sys(), org_, {{"lockout_attempts", std::int64_t{2}}});
  const Id u = make_user(d(), org_, "alice");
  d().update(sys(), u, {{"password", kPw}});
  const Id admin = d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "administrator"s}}).id;
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kWrong)); }), "login_failed") << i;
  EXPECT_TRUE(flag(d().get(sys(), u), "account_locked")) << "the user's lock is the admin's";
  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw)); }), "account_locked");

  // The lock is the user's: unlock(admin) says so instead of doing nothing.
  try {
    idy().unlock(sys(), admin);
    ADD_FAILURE() << "unlock(admin) of an admin made from a user must name users.update(account_locked=False)";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("account_locked=False"), std::string::npos) << e.what();
  }
  d().update(sys(), u, {{"account_locked", false}});
  // Unlocked, the next refusal is the missing TOTP enrolment, not the lock.
  EXPECT_EQ(rule_of([&] { idy().login(request("alice@example.com", kPw)); }), "mfa_required");
}

TEST_P(IdentityTest, AUsersOwnPasswordChangeFollowsThePolicy) {
  const Id u = make_user(d(), org_, "alice");
  d().update(sys(), u, {{"password", kPw}});
  EXPECT_EQ(d().get(sys(), u).text("password_expiration_date"), "") << "no expiry yet";
  d().update(sys(), org_, {{"password_expiry_days", std::int64_t{30}}});
  const Id bob = make_user(d(), org_, "bob");
  d().update(sys(), bob, {{"password", "another good password"}});
  const std::string expires = d().get(sys(), bob).text("password_expiration_date");
  EXPECT_EQ(expires.size(), 10u) << "users.update applies the expiry";
  const SessionInfo s = idy().login(request("alice@example.com", kPw, "", "", "user"));

  EXPECT_EQ(rule_of([&] { idy().change_password(s.actor, kWrong, "a brand new password"); }), "login_failed");
  EXPECT_THROW(idy().change_password(s.actor, kPw, kPw), InvalidArgument) << "password_history";
  EXPECT_THROW(idy().change_password(sys(), kPw, "a brand new password"), InvalidArgument) << "a User Portal flow";
  idy().change_password(s.actor, kPw, "a brand new password");
  EXPECT_GE(d().get(sys(), u).text("password_expiration_date"), expires)
      << "a new password expires after the org's password_expiry_days";
  expect_no_secret_in_events(d(), {kPw, kWrong, "a brand new password"});
}

TEST_P(IdentityTest, OnlyTheAccountItselfEnrolsItsTotpAndAdminsResetIt) {
  const Id u = make_user(d(), org_, "alice");
  const Id a = make_admin("ops@acme.com", "administrator", "active");
  EXPECT_THROW(idy().confirm_totp(sys(), u, "123456"), Conflict) << "nothing enrolled to confirm";
  EXPECT_EQ(rule_of([&] { idy().enroll_totp(d().actor_for(a), u); }), "acting_view")
      << "the seed is shown to whoever enrols: never to an admin";
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "not_enrolled");

  const Actor self{ActorType::kUser, u};
  const std::string uri = idy().enroll_totp(self, u);
  const std::string raw = seed_of(uri);
  ASSERT_EQ(raw.size(), 20u) << uri;
  EXPECT_NE(uri.find("alice%40example.com"), std::string::npos) << "the account is the user's email: " << uri;
  EXPECT_EQ(rule_of([&] { idy().confirm_totp(d().actor_for(a), u, totp_code(raw, now_s())); }), "acting_view");
  idy().confirm_totp(self, u, totp_code(raw, now_s()));
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "enrolled");
  EXPECT_NE(seed_of(idy().enroll_totp(self, u)), raw) << "a new enrolment is a new seed";
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "pending_activation");

  idy().reset_totp(d().actor_for(a), u);  // users.totp_reset_and_enroll: an administrator may
  EXPECT_EQ(d().get(sys(), u).text("mfa_status"), "not_enrolled");
  EXPECT_EQ(events_of(d(), "user_totp_reset", u).size(), 1u);
  EXPECT_THROW(idy().confirm_totp(self, u, totp_code(raw, now_s())), Conflict) << "the reset dropped the seed";
  expect_no_secret_in_events(d(), {base32_encode(raw)});
}

TEST_P(IdentityTest, OnlyAUserEnrolledInMfaBecomesAnAdminAndItsAdminRequiresMfa) {
  const Id u = make_user(d(), org_, "alice");
  const std::size_t admins = count(Kind::kAdmin);
  EXPECT_THROW(d().create_admin_from_user(sys(), u, {{"role", "administrator"s}}), InvalidArgument);
  d().update(sys(), u, {{"mfa_status", "pending_activation"s}});
  EXPECT_THROW(d().create_admin_from_user(sys(), u, {{"role", "administrator"s}}), InvalidArgument)
      << "an enrolment not yet confirmed is not enough";
  EXPECT_EQ(count(Kind::kAdmin), admins) << "nothing made";

  const Record admin = d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "administrator"s}});
  EXPECT_TRUE(flag(admin, "mfa_required"));
  EXPECT_TRUE(flag(d().get(sys(), admin.id), "mfa_required")) << "as stored";
  EXPECT_EQ(count(Kind::kAdmin), admins + 1);
  EXPECT_THROW(idy().invite(sys(), admin.id), InvalidArgument) << "it logs in with its user's credentials";
}

TEST_P(IdentityTest, AnAdminMadeFromAUserMayNotSetItsOwnUsersPassword) {
  // administrator_with_billing: rule 5 alone would let it change a user who
  // holds an admin role, so only the set_password agreement refuses here.
  const Id u = make_user(d(), org_, "alice");
  const Id other = make_user(d(), org_, "bob");
  const Id admin =
      d().create_admin_from_user(sys(), test::enrolled(d(), u), {{"role", "administrator_with_billing"s}}).id;
  const Actor as_admin = d().actor_for(admin);

  const Decision own = d().check(as_admin, "users.set_password", u);
  EXPECT_FALSE(own.allowed);
  EXPECT_EQ(own.rule, Rule::kProtectedUser);
  try {
    d().update(as_admin, u, {{"password", kPw}});
    ADD_FAILURE() << "an admin set its own user's password from the admin side";
  } catch (const PermissionDenied& e) {
    EXPECT_EQ(e.rule(), std::string(rule_name(own.rule))) << "check() and update agree";
    EXPECT_EQ(std::string(e.what()).find(kPw), std::string::npos) << e.what();
  }
  const std::vector<Event> denied = events_of(d(), "user_update", u);
  ASSERT_FALSE(denied.empty());
  EXPECT_FALSE(denied.back().success);

  EXPECT_TRUE(d().check(as_admin, "users.force_password_reset", u).allowed) << "only set_password is its own";
  EXPECT_TRUE(d().check(as_admin, "users.set_password", other).allowed);
  EXPECT_NO_THROW(d().update(as_admin, other, {{"password", kPw}}));
  EXPECT_TRUE(d().check(d().actor_for(keeper_), "users.set_password", u).allowed) << "another billing admin may";
}

// ---- API keys ---------------------------------------------------------------------

TEST_P(IdentityTest, AnApiKeyActsWithItsAdminsRoleUntilRotatedOrRevoked) {
  const Id a = make_admin("ops@acme.com", "administrator", "active");
  make_user(d(), org_, "alice");
  EXPECT_THROW(idy().create_api_key(sys(), a), InvalidArgument) << "API access is off";
  d().update(sys(), a, {{"api_access", true}});

  const ApiKeyInfo k1 = idy().create_api_key(sys(), a);
  EXPECT_EQ(k1.key.rfind("dk_", 0), 0u) << k1.key;
  EXPECT_EQ(k1.key.rfind(k1.prefix + "_", 0), 0u) << "the key starts with its public prefix";
  EXPECT_GT(k1.key.size(), k1.prefix.size() + 32);
  EXPECT_EQ(k1.admin, a);
  const Actor key = idy().with_api_key(k1.key);
  EXPECT_EQ(key.type, ActorType::kApiKey);
  EXPECT_EQ(key.id, a);
  EXPECT_EQ(key.credential, k1.id);
  EXPECT_EQ(users_seen_by(key), 1u);
  EXPECT_TRUE(d().check(key, "users.edit", org_).allowed) << "an administrator edits users";
  EXPECT_FALSE(d().check(key, "administrators.edit", keeper_).allowed) << "and does not manage admins";

  const std::vector<ApiKeyInfo> listed = idy().api_keys(sys(), a);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].prefix, k1.prefix);
  EXPECT_EQ(listed[0].key, "") << "a key is shown once";
  EXPECT_THROW(idy().create_api_key(sys(), a), Conflict) << "one live key per admin";
  EXPECT_EQ(rule_of([&] { idy().create_api_key(key, a); }), "acting_view") << "a key makes no keys";
  EXPECT_THROW(idy().logout(key), InvalidArgument) << "a key is not a session";

  d().update(sys(), a, {{"role", "read_only"s}});
  const Decision edit = d().check(key, "users.edit", org_);
  EXPECT_FALSE(edit.allowed) << "the key follows its admin's new role";
  EXPECT_EQ(edit.rule, Rule::kRoleMatrix);
  EXPECT_TRUE(d().check(key, "users.read", org_).allowed) << "a role change ends sessions, not the key";

  const ApiKeyInfo k2 = idy().rotate_api_key(sys(), a);
  EXPECT_NE(k2.key, k1.key);
  EXPECT_NE(k2.prefix, k1.prefix);
  EXPECT_EQ(rule_of([&] { idy().with_api_key(k1.key); }), "api_key_revoked");
  EXPECT_EQ(rule_of([&] { users_seen_by(key); }), "api_key_revoked") << "the old key's actor too";
  const Actor key2 = idy().with_api_key(k2.key);
  EXPECT_EQ(key2.credential, k2.id);
  EXPECT_EQ(users_seen_by(key2), 1u);
  ASSERT_EQ(idy().api_keys(sys(), a).size(), 1u);
  EXPECT_EQ(idy().api_keys(sys(), a)[0].prefix, k2.prefix);
  std::string tampered = k2.key;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(rule_of([&] { idy().with_api_key(tampered); }), "api_key_invalid") << "the right prefix is not enough";

  idy().revoke_api_key(sys(), a);
  EXPECT_EQ(rule_of([&] { idy().with_api_key(k2.key); }), "api_key_revoked");
  EXPECT_TRUE(idy().api_keys(sys(), a).empty());
  EXPECT_THROW(idy().revoke_api_key(sys(), a), NotFound) << "nothing left to revoke";

  const ApiKeyInfo k3 = idy().create_api_key(sys(), a);
  d().update(sys(), a, {{"state", "suspended"s}});
  EXPECT_EQ(rule_of([&] { idy().with_api_key(k3.key); }), "suspended_actor");
  d().update(sys(), a, {{"state", "active"s}});
  EXPECT_EQ(idy().with_api_key(k3.key).id, a) << "suspension does not end the key";
  d().update(sys(), a, {{"api_access", false}});
  EXPECT_EQ(rule_of([&] { idy().with_api_key(k3.key); }), "api_access_disabled");

  EXPECT_EQ(rule_of([&] { idy().with_api_key("dk_madeup_" + std::string(43, 'x')); }), "api_key_invalid");
  EXPECT_EQ(rule_of([&] { idy().with_api_key("not a key"); }), "api_key_invalid");
  EXPECT_EQ(rule_of([&] { idy().with_api_key(""); }), "api_key_invalid");

  d().update(sys(), a, {{"api_access", true}});
  EXPECT_EQ(idy().with_api_key(k3.key).id, a);
  d().remove(sys(), a);
  EXPECT_EQ(rule_of([&] { idy().with_api_key(k3.key); }), "api_key_revoked") << "a deleted admin's key ends";

  std::vector<std::string> secrets;
  for (const ApiKeyInfo* k : {&k1, &k2, &k3}) secrets.push_back(k->key.substr(k->prefix.size() + 1));
  expect_no_secret_in_events(d(), secrets);
  EXPECT_EQ(events_of(d(), "admin_api_key_rotate", a).size(), 1u);
  EXPECT_EQ(events_of(d(), "admin_api_key_revoke", a).size(), 1u);
}

TEST_P(IdentityFileTest, KeysTokensAndPasswordsNeverReachTheFile) {
  const Id a = make_admin("ops@acme.com", "administrator", "active");
  d().update(sys(), a, {{"api_access", true}});
  const ApiKeyInfo k1 = idy().create_api_key(sys(), a);
  const ApiKeyInfo k2 = idy().rotate_api_key(sys(), a);
  const Id u = make_user(d(), org_, "alice");
  d().update(sys(), u, {{"password", kPw}});
  const SessionInfo s = idy().login(request("alice@example.com", kPw, "", "", "user"));

  const std::vector<std::string> secrets = {k1.key, k2.key, k1.key.substr(k1.prefix.size() + 1),
                                            k2.key.substr(k2.prefix.size() + 1), s.token, kPw};
  auto expect_absent = [&](const char* when) {
    const std::string bytes = test::read_bytes(path()) + test::read_bytes(path() + "-wal");
    ASSERT_FALSE(bytes.empty());
    for (const std::string& secret : secrets)
      EXPECT_EQ(bytes.find(secret), std::string::npos) << when << ": a secret is in the file";
  };
  expect_absent("open");
  expect_no_secret_in_events(d(), secrets);
  reopen();
  expect_absent("closed and reopened");
  EXPECT_EQ(idy().with_api_key(k2.key).credential, k2.id) << "the stored hash still verifies";
  EXPECT_EQ(rule_of([&] { idy().with_api_key(k1.key); }), "api_key_revoked");
  EXPECT_EQ(idy().resume(s.token).id, u);
}

// ---- several processes --------------------------------------------------------------

TEST_P(IdentityFileTest, ASessionEndedInOneProcessIsRefusedInAnother) {
  const Id a = make_admin("ops@acme.com");
  make_user(d(), org_, "alice");
  Directory other(path());

  const SessionInfo s = activate(a, "ops@acme.com");
  EXPECT_EQ(other.list(s.actor, Kind::kUser, org_).size(), 1u) << "the other catches up with the login";
  EXPECT_EQ(other.identity().resume(s.token).credential, s.actor.credential);
  idy().logout(s.actor);
  EXPECT_EQ(rule_of([&] { other.list(s.actor, Kind::kUser, org_); }), "session_ended") << "after a logout here";

  const SessionInfo s2 = other.identity().login(request("ops@acme.com", kPw));
  EXPECT_EQ(users_seen_by(s2.actor), 1u) << "a session made there acts here";
  d().update(sys(), a, {{"role", "manager"s}});
  EXPECT_EQ(rule_of([&] { other.list(s2.actor, Kind::kUser, org_); }), "session_ended") << "after a role change here";
  EXPECT_EQ(rule_of([&] { other.identity().resume(s2.token); }), "session_ended");
  EXPECT_TRUE(other.identity().sessions(sys(), a).empty());
}

// ---- self-registration (seed 004) ----------------------------------------------------

TEST_P(IdentityTest, ASelfRegisteredUserWaitsForAnOperator) {
  d().update(sys(), org_, {{"allowed_domains", "acme.com"s}});
  const Id dev = d().create(sys(), Kind::kUserGroup, org_, {{"name", "dev"s}}).id;
  const Id operators = d().create(sys(), Kind::kUserGroup, org_, {{"name", "admin"s}}).id;
  const Id op = make_user(d(), org_, "op");
  d().add_member(sys(), operators, op);
  const Id plain = make_user(d(), org_, "plain");
  const Id globex = make_org(d(), "globex");
  const std::size_t users = count(Kind::kUser, org_);

  EXPECT_THROW(idy().register_user(org_, "x@evil.com", "X Y", "", {}), InvalidArgument) << "not an allowed domain";
  EXPECT_THROW(idy().register_user(org_, "x@sub.acme.com", "X Y", "", {}), InvalidArgument) << "nor a subdomain";
  EXPECT_THROW(idy().register_user(globex, "x@acme.com", "X Y", "", {}), InvalidArgument) << "no allowed domains";
  EXPECT_THROW(idy().register_user(org_, "x@acme.com", "X Y", "", {"dev", "nope"}), NotFound) << "no group 'nope'";
  EXPECT_THROW(idy().register_user(dev, "x@acme.com", "X Y", "", {}), NotFound) << "not an org";
  EXPECT_EQ(count(Kind::kUser, org_), users) << "a refused registration leaves nothing";
  EXPECT_EQ(count(Kind::kUser, globex), 0u);

  const Id n = idy().register_user(org_, "new@acme.com", "New Person", "eng", {"dev"});
  const Record r = d().get(sys(), n);
  EXPECT_EQ(r.org, org_);
  EXPECT_EQ(r.text("state"), "reviewing");
  EXPECT_EQ(r.text("username"), "new");
  EXPECT_EQ(r.text("email"), "new@acme.com");
  EXPECT_EQ(r.text("first_name"), "New");
  EXPECT_EQ(r.text("last_name"), "Person");
  EXPECT_EQ(r.text("department"), "eng");
  EXPECT_TRUE(d().members(sys(), dev).empty()) << "groups come with the approval";
  EXPECT_THROW(idy().register_user(org_, "new@acme.com", "New Again", "", {}), Conflict);
  EXPECT_EQ(events_of(d(), "user_register", n).size(), 1u);
  const Id two = idy().register_user(org_, "Two@ACME.com", "Two", "", {});  // domains compare case-blind
  EXPECT_EQ(d().get(sys(), two).text("state"), "reviewing");

  const Actor as_plain{ActorType::kUser, plain};
  const Actor as_op{ActorType::kUser, op};
  EXPECT_EQ(rule_of([&] { idy().approve(as_plain, n); }), "user_scope") << "a user outside the operator group";
  EXPECT_EQ(rule_of([&] { idy().reject(as_plain, two); }), "user_scope");
  EXPECT_EQ(d().get(sys(), n).text("state"), "reviewing");

  idy().approve(as_op, n);
  EXPECT_EQ(d().get(sys(), n).text("state"), "active");
  const std::vector<Record> devs = d().members(sys(), dev);
  ASSERT_EQ(devs.size(), 1u);
  EXPECT_EQ(devs[0].id, n);
  EXPECT_THROW(idy().approve(as_op, n), Conflict) << "approved already";
  EXPECT_THROW(idy().approve(as_op, plain), Conflict) << "never registered";

  idy().reject(as_op, two);
  EXPECT_THROW(d().get(sys(), two), NotFound) << "a rejected request is deleted";
  EXPECT_EQ(events_of(d(), "user_registration_reject", two).size(), 1u);
  const Id again = idy().register_user(org_, "Two@ACME.com", "Two", "", {});
  EXPECT_NE(again, two) << "the email is free again; ids are not reused";
  const Id a = make_admin("ops@acme.com", "manager", "active");
  idy().approve(d().actor_for(a), again);  // an admin whose role manages users is an operator too
  EXPECT_EQ(d().get(sys(), again).text("state"), "active");
}

// ---- password policy -----------------------------------------------------------------

TEST_P(IdentityTest, NewPasswordsFollowTheOrgsPolicy) {
  d().update(sys(), org_, {{"password_min_length", std::int64_t{12}}, {"password_history", std::int64_t{1}}});
  const Id u = make_user(d(), org_, "alice");
  const std::string eleven = "elevenchars";
  try {
    d().update(sys(), u, {{"password", eleven}});
    ADD_FAILURE() << "an 11-character password passed a minimum of 12";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("password_min_length"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(eleven), std::string::npos) << e.what();
  }
  EXPECT_THROW(d().create(sys(), Kind::kUser, org_, {{"username", "bob"s}, {"email", "bob@example.com"s},
                                                      {"password", eleven}}),
               InvalidArgument)
      << "a new user's password too";

  const std::string first = "first password!", second = "second password!";
  d().update(sys(), u, {{"password", first}});
  try {
    d().update(sys(), u, {{"password", first}});
    ADD_FAILURE() << "the password just set was accepted again";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("password_history"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(first), std::string::npos) << e.what();
  }
  d().update(sys(), u, {{"password", second}});
  EXPECT_NO_THROW(d().update(sys(), u, {{"password", first}})) << "a history of 1 remembers only the last";
  expect_no_secret_in_events(d(), {eleven, first, second});
}

}  // namespace
}  // namespace dirctl
