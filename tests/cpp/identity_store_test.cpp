// store/identity_store.cpp: the SQL of identity on a bare Store (":memory:", or a database on the cluster in dirctl_pg_tests;
// schema step 7): login state (binary TOTP boxes included), the users'
// password hashes, password history kept to its length, sessions and API keys
// as credentials (found by lookup, ended by kind or one at a time), and
// self-registrations; SQLite failures as StorageError.
#include "store/identity_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dirctl/error.h"
#include "store/store.h"
#include "test_support.h"

namespace dirctl {
namespace {

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_.exec("INSERT INTO orgs(id, name, created, updated) VALUES (1, 'acme', 'x', 'x')");
    s_.exec("INSERT INTO users(id, org_id, username, email, state, created, updated, password_hash) VALUES"
            " (10, 1, 'alice', 'alice@acme.com', 'active', 'x', 'x', '$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA'),"
            " (11, 1, 'bob', 'bob@acme.com', 'active', 'x', 'x', NULL)");
  }

  static CredentialRow credential(CredentialKind kind, Id principal, const std::string& lookup,
                                  std::int64_t created = 100, std::int64_t expires = 0) {
    CredentialRow c;
    c.kind = kind;
    c.principal = principal;
    c.actor_type = kind == CredentialKind::kApiKey ? ActorType::kApiKey : ActorType::kAdmin;
    c.lookup = lookup;
    c.secret_hash = "secret-of-" + lookup;
    c.created = created;
    c.expires = expires;
    return c;
  }
  static std::vector<std::int64_t> ids_of(const std::vector<CredentialRow>& rows) {
    std::vector<std::int64_t> out;
    for (const CredentialRow& r : rows) out.push_back(r.id);
    return out;
  }

  Store s_{test::store_location(), 1000};
  IdentityStore ids_{s_};
};

TEST_F(IdentityStoreTest, LoginStateRoundTripsEveryFieldAndIsReplaced) {
  EXPECT_FALSE(ids_.login(7).has_value()) << "no row until one is put";
  LoginRow r;
  r.principal = 7;
  r.password_hash = "$argon2id$v=19$stored";
  r.password_set_at = 1'800'000'000'000;
  r.failed_attempts = 2;
  r.locked = true;
  r.totp_sealed = std::string("\0\x01\xff sealed\0box", 14);  // binary: NULs and high bytes survive
  r.totp_confirmed = true;
  r.totp_last_step = 60'000'000;
  r.invite_hash = "ab12";
  r.invite_expires = 1'800'000'600'000;
  ids_.put_login(r);

  auto got = ids_.login(7);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->principal, 7u);
  EXPECT_EQ(got->password_hash, r.password_hash);
  EXPECT_EQ(got->password_set_at, r.password_set_at);
  EXPECT_EQ(got->failed_attempts, 2);
  EXPECT_TRUE(got->locked);
  EXPECT_EQ(got->totp_sealed, r.totp_sealed);
  EXPECT_EQ(got->totp_sealed.size(), 14u);
  EXPECT_TRUE(got->totp_confirmed);
  EXPECT_EQ(got->totp_last_step, 60'000'000);
  EXPECT_EQ(got->invite_hash, "ab12");
  EXPECT_EQ(got->invite_expires, r.invite_expires);

  LoginRow cleared;  // empty strings are stored as NULL and read back as ""
  cleared.principal = 7;
  ids_.put_login(cleared);
  got = ids_.login(7);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->password_hash, "");
  EXPECT_EQ(got->totp_sealed, "");
  EXPECT_EQ(got->invite_hash, "");
  EXPECT_FALSE(got->locked);
  EXPECT_FALSE(got->totp_confirmed);
  EXPECT_EQ(got->failed_attempts, 0);
  EXPECT_FALSE(ids_.login(8).has_value()) << "another principal has no row";
}

TEST_F(IdentityStoreTest, EraseLoginRemovesTheRowAndItsHistoryOnly) {
  LoginRow a;
  a.principal = 7;
  a.failed_attempts = 1;
  ids_.put_login(a);
  LoginRow b = a;
  b.principal = 8;
  ids_.put_login(b);
  ids_.add_password_history(7, 1, "h1", 5);
  ids_.add_password_history(8, 1, "g1", 5);

  ids_.erase_login(7);
  EXPECT_FALSE(ids_.login(7).has_value());
  EXPECT_TRUE(ids_.password_history(7, 5).empty());
  ASSERT_TRUE(ids_.login(8).has_value());
  EXPECT_EQ(ids_.password_history(8, 5), std::vector<std::string>{"g1"});
  EXPECT_NO_THROW(ids_.erase_login(7)) << "erasing what is gone is a no-op";
}

TEST_F(IdentityStoreTest, UserPasswordHashComesFromTheUsersTable) {
  EXPECT_EQ(ids_.user_password_hash(10), "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA");
  EXPECT_EQ(ids_.user_password_hash(11), "") << "NULL reads as no password";
  EXPECT_EQ(ids_.user_password_hash(99), "") << "no such user";
}

TEST_F(IdentityStoreTest, PasswordHistoryIsNewestFirstAndKeepsTheLastN) {
  for (int i = 1; i <= 4; ++i) ids_.add_password_history(7, i * 1000, "h" + std::to_string(i), 3);
  ids_.add_password_history(8, 500, "other", 3);
  EXPECT_EQ(ids_.password_history(7, 10), (std::vector<std::string>{"h4", "h3", "h2"})) << "h1 trimmed (keep 3)";
  EXPECT_EQ(ids_.password_history(7, 2), (std::vector<std::string>{"h4", "h3"}));
  EXPECT_TRUE(ids_.password_history(7, 0).empty());
  EXPECT_EQ(ids_.password_history(8, 10), std::vector<std::string>{"other"}) << "trimming is per principal";

  ids_.add_password_history(7, 4000, "h4", 3);  // the same entry again: no duplicate
  EXPECT_EQ(ids_.password_history(7, 10), (std::vector<std::string>{"h4", "h3", "h2"}));
  ids_.add_password_history(7, 5000, "h5", 1);  // a shorter history trims the older ones
  EXPECT_EQ(ids_.password_history(7, 10), std::vector<std::string>{"h5"});
}

TEST_F(IdentityStoreTest, CredentialsAreFoundByLookupAndListedWhileLive) {
  const std::int64_t s1 = ids_.insert_credential(credential(CredentialKind::kSession, 7, "tok-a", 100, 3'700'000));
  const std::int64_t k1 = ids_.insert_credential(credential(CredentialKind::kApiKey, 7, "dk_prefix"));
  const std::int64_t s2 = ids_.insert_credential(credential(CredentialKind::kSession, 8, "tok-b"));
  EXPECT_LT(s1, k1);
  EXPECT_LT(k1, s2);

  auto c = ids_.credential("dk_prefix");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->id, k1);
  EXPECT_EQ(c->kind, CredentialKind::kApiKey);
  EXPECT_EQ(c->principal, 7u);
  EXPECT_EQ(c->actor_type, ActorType::kApiKey);
  EXPECT_EQ(c->secret_hash, "secret-of-dk_prefix");
  EXPECT_EQ(c->expires, 0);
  EXPECT_EQ(c->ended, 0) << "live: NULL reads as 0";
  EXPECT_EQ(c->end_reason, "");
  c = ids_.credential("tok-a");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->kind, CredentialKind::kSession);
  EXPECT_EQ(c->actor_type, ActorType::kAdmin);
  EXPECT_EQ(c->created, 100);
  EXPECT_EQ(c->expires, 3'700'000);
  EXPECT_FALSE(ids_.credential("tok-c").has_value());
  EXPECT_FALSE(ids_.credential("").has_value());

  EXPECT_EQ(ids_of(ids_.live_credentials(7)), (std::vector<std::int64_t>{s1, k1}));
  EXPECT_EQ(ids_of(ids_.live_credentials(8)), std::vector<std::int64_t>{s2});
  EXPECT_EQ(ids_of(ids_.live_credentials(kNoId)), (std::vector<std::int64_t>{s1, k1, s2})) << "kNoId: everyone's";
  EXPECT_TRUE(ids_.live_credentials(9).empty());

  EXPECT_THROW(ids_.insert_credential(credential(CredentialKind::kSession, 9, "tok-a")), StorageError)
      << "a lookup is unique";
  EXPECT_EQ(ids_.live_credentials(kNoId).size(), 3u) << "the refused insert left nothing";
}

TEST_F(IdentityStoreTest, EndingCredentialsByKindOrOneAtATime) {
  const std::int64_t s1 = ids_.insert_credential(credential(CredentialKind::kSession, 7, "tok-a"));
  const std::int64_t s2 = ids_.insert_credential(credential(CredentialKind::kSession, 7, "tok-b"));
  const std::int64_t k1 = ids_.insert_credential(credential(CredentialKind::kApiKey, 7, "dk_one"));
  const std::int64_t other = ids_.insert_credential(credential(CredentialKind::kSession, 8, "tok-c"));

  EXPECT_EQ(ids_.end_credentials(7, CredentialKind::kSession, 300, "role_changed"), 2u);
  EXPECT_EQ(ids_of(ids_.live_credentials(7)), std::vector<std::int64_t>{k1}) << "the key outlives the sessions";
  auto c = ids_.credential("tok-b");
  ASSERT_TRUE(c.has_value()) << "ended rows stay for the audit";
  EXPECT_EQ(c->id, s2);
  EXPECT_EQ(c->ended, 300);
  EXPECT_EQ(c->end_reason, "role_changed");
  EXPECT_EQ(ids_.end_credentials(7, CredentialKind::kSession, 400, "again"), 0u);
  EXPECT_EQ(ids_.credential("tok-a")->end_reason, "role_changed") << "an ended row keeps its first ending";
  EXPECT_EQ(ids_.credential("tok-a")->ended, 300);

  EXPECT_EQ(ids_.end_credentials(7, std::nullopt, 500, "deleted"), 1u) << "nullopt: every kind";
  EXPECT_EQ(ids_.credential("dk_one")->end_reason, "deleted");
  EXPECT_TRUE(ids_.live_credentials(7).empty());
  EXPECT_EQ(ids_of(ids_.live_credentials(8)), std::vector<std::int64_t>{other}) << "other principals untouched";

  EXPECT_TRUE(ids_.end_credential(other, 600, "logout"));
  EXPECT_FALSE(ids_.end_credential(other, 700, "logout")) << "ended already";
  EXPECT_FALSE(ids_.end_credential(s1 + 1000, 700, "logout")) << "no such credential";
  EXPECT_EQ(ids_.credential("tok-c")->ended, 600);
  EXPECT_TRUE(ids_.live_credentials(kNoId).empty());
}

TEST_F(IdentityStoreTest, RegistrationsArePutReplacedAndErased) {
  EXPECT_FALSE(ids_.registration(10).has_value());
  ids_.put_registration(10, "3,4", 100);
  EXPECT_EQ(ids_.registration(10), std::optional<std::string>("3,4"));
  ids_.put_registration(10, "", 200);
  EXPECT_EQ(ids_.registration(10), std::optional<std::string>("")) << "replaced; no groups is not no registration";
  EXPECT_FALSE(ids_.registration(11).has_value());
  ids_.erase_registration(10);
  EXPECT_FALSE(ids_.registration(10).has_value());
  EXPECT_NO_THROW(ids_.erase_registration(10));
}

TEST_F(IdentityStoreTest, SqliteFailuresAreStorageErrors) {
  s_.exec("DROP TABLE registrations");
  s_.exec("DROP TABLE credentials");
  EXPECT_THROW(ids_.registration(10), StorageError);
  EXPECT_THROW(ids_.put_registration(10, "", 1), StorageError);
  EXPECT_THROW(ids_.live_credentials(kNoId), StorageError);
  EXPECT_THROW(ids_.insert_credential(credential(CredentialKind::kSession, 7, "tok")), StorageError);
  try {
    ids_.credential("tok");
    ADD_FAILURE() << "no table, no credential";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("credentials"), std::string::npos) << "it names the table: " << e.what();
  }
  EXPECT_NO_THROW(ids_.login(7)) << "the other tables still work";
}

}  // namespace
}  // namespace dirctl
