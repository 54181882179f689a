#include "store/identity_store.h"


#include "store/store.h"

namespace dirctl {
namespace {

std::int64_t i64(Id id) { return static_cast<std::int64_t>(id); }

std::string text(sql::Statement& st, int c) { return st.getColumn(c).isNull() ? std::string() : st.getColumn(c).getString(); }

const char* const kCredentialColumns =
    "SELECT id, kind, principal, actor_type, lookup, secret_hash, created, expires, ended, end_reason FROM credentials";

CredentialRow read_credential(sql::Statement& st) {
  CredentialRow r;
  r.id = st.getColumn(0).getInt64();
  r.kind = static_cast<CredentialKind>(st.getColumn(1).getInt());
  r.principal = static_cast<Id>(st.getColumn(2).getInt64());
  r.actor_type = static_cast<ActorType>(st.getColumn(3).getInt());
  r.lookup = text(st, 4);
  r.secret_hash = text(st, 5);
  r.created = st.getColumn(6).getInt64();
  r.expires = st.getColumn(7).getInt64();
  r.ended = st.getColumn(8).getInt64();  // NULL reads as 0
  r.end_reason = text(st, 9);
  return r;
}

}  // namespace

std::optional<LoginRow> IdentityStore::login(Id principal) {
  return guarded("cannot read login state", [&]() -> std::optional<LoginRow> {
    auto& st = store_.statement(
        "SELECT password_hash, password_set_at, failed_attempts, locked, totp_sealed, totp_confirmed, totp_last_step,"
        " invite_hash, invite_expires FROM logins WHERE principal = ?");
    st.bind(1, i64(principal));
    if (!st.executeStep()) return std::nullopt;
    LoginRow r;
    r.principal = principal;
    r.password_hash = text(st, 0);
    r.password_set_at = st.getColumn(1).getInt64();
    r.failed_attempts = st.getColumn(2).getInt64();
    r.locked = st.getColumn(3).getInt() != 0;
    if (!st.getColumn(4).isNull())
      r.totp_sealed.assign(static_cast<const char*>(st.getColumn(4).getBlob()), static_cast<std::size_t>(st.getColumn(4).getBytes()));
    r.totp_confirmed = st.getColumn(5).getInt() != 0;
    r.totp_last_step = st.getColumn(6).getInt64();
    r.invite_hash = text(st, 7);
    r.invite_expires = st.getColumn(8).getInt64();
    st.reset();  // ends the read: an idle handle must not hold a snapshot
    return r;
  });
}

void IdentityStore::put_login(const LoginRow& r) {
  guarded("cannot store login state", [&] {
    auto& st = store_.statement(
        "INSERT INTO logins(principal, password_hash, password_set_at, failed_attempts, locked, totp_sealed,"
        " totp_confirmed, totp_last_step, invite_hash, invite_expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (principal) DO UPDATE SET password_hash = excluded.password_hash,"
        " password_set_at = excluded.password_set_at, failed_attempts = excluded.failed_attempts,"
        " locked = excluded.locked, totp_sealed = excluded.totp_sealed, totp_confirmed = excluded.totp_confirmed,"
        " totp_last_step = excluded.totp_last_step, invite_hash = excluded.invite_hash,"
        " invite_expires = excluded.invite_expires");
    st.bind(1, i64(r.principal));
    if (r.password_hash.empty()) st.bind(2); else st.bind(2, r.password_hash);
    st.bind(3, r.password_set_at);
    st.bind(4, r.failed_attempts);
    st.bind(5, r.locked ? 1 : 0);
    if (r.totp_sealed.empty()) st.bind(6); else st.bind(6, r.totp_sealed.data(), static_cast<int>(r.totp_sealed.size()));
    st.bind(7, r.totp_confirmed ? 1 : 0);
    st.bind(8, r.totp_last_step);
    if (r.invite_hash.empty()) st.bind(9); else st.bind(9, r.invite_hash);
    st.bind(10, r.invite_expires);
    st.exec();
  });
}

void IdentityStore::erase_login(Id principal) {
  guarded("cannot remove login state", [&] {
    auto& st = store_.statement("DELETE FROM logins WHERE principal = ?");
    st.bind(1, i64(principal));
    st.exec();
    auto& h = store_.statement("DELETE FROM password_history WHERE principal = ?");
    h.bind(1, i64(principal));
    h.exec();
  });
}

std::string IdentityStore::user_password_hash(Id user) {
  return guarded("cannot read the user's password hash", [&] {
    auto& st = store_.statement("SELECT password_hash FROM users WHERE id = ?");
    st.bind(1, i64(user));
    std::string hash = st.executeStep() ? text(st, 0) : std::string();
    st.reset();
    return hash;
  });
}

std::vector<std::string> IdentityStore::password_history(Id principal, std::int64_t n) {
  return guarded("cannot read the password history", [&] {
    std::vector<std::string> out;
    auto& st = store_.statement("SELECT hash FROM password_history WHERE principal = ? ORDER BY set_at DESC LIMIT ?");
    st.bind(1, i64(principal));
    st.bind(2, n);
    while (st.executeStep()) out.push_back(text(st, 0));
    return out;
  });
}

void IdentityStore::add_password_history(Id principal, std::int64_t at, const std::string& hash, std::int64_t keep) {
  guarded("cannot store the password history", [&] {
    auto& st = store_.statement("INSERT INTO password_history(principal, set_at, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    st.bind(1, i64(principal));
    st.bind(2, at);
    st.bind(3, hash);
    st.exec();
    auto& trim = store_.statement(
        "DELETE FROM password_history WHERE principal = ?1 AND set_at NOT IN"
        " (SELECT set_at FROM password_history WHERE principal = ?1 ORDER BY set_at DESC LIMIT ?2)");
    trim.bind(1, i64(principal));
    trim.bind(2, keep);
    trim.exec();
  });
}

std::int64_t IdentityStore::insert_credential(const CredentialRow& r) {
  return guarded("cannot store the credential", [&] {
    auto& st = store_.statement(
        "INSERT INTO credentials(kind, principal, actor_type, lookup, secret_hash, created, expires)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, static_cast<int>(r.kind));
    st.bind(2, i64(r.principal));
    st.bind(3, static_cast<int>(r.actor_type));
    st.bind(4, r.lookup);
    st.bind(5, r.secret_hash);
    st.bind(6, r.created);
    st.bind(7, r.expires);
    st.exec();
    return store_.last_insert_id();
  });
}

std::optional<CredentialRow> IdentityStore::credential(const std::string& lookup) {
  return guarded("cannot read the credential", [&]() -> std::optional<CredentialRow> {
    auto& st = store_.statement(std::string(kCredentialColumns) + " WHERE lookup = ?");
    st.bind(1, lookup);
    if (!st.executeStep()) return std::nullopt;
    CredentialRow row = read_credential(st);
    st.reset();
    return row;
  });
}

std::vector<CredentialRow> IdentityStore::live_credentials(Id principal) {
  return guarded("cannot read the credentials", [&] {
    std::vector<CredentialRow> out;
    auto& st = store_.statement(std::string(kCredentialColumns) +
                                " WHERE ended IS NULL AND (?1 = 0 OR principal = ?1) ORDER BY id");
    st.bind(1, i64(principal));
    while (st.executeStep()) out.push_back(read_credential(st));
    return out;
  });
}

std::size_t IdentityStore::end_credentials(Id principal, std::optional<CredentialKind> kind, std::int64_t at,
                                           const std::string& reason) {
  return guarded("cannot end the credentials", [&] {
    auto& st = store_.statement(
        "UPDATE credentials SET ended = ?, end_reason = ? WHERE principal = ? AND ended IS NULL AND (? < 0 OR kind = ?)");
    const int k = kind ? static_cast<int>(*kind) : -1;
    st.bind(1, at);
    st.bind(2, reason);
    st.bind(3, i64(principal));
    st.bind(4, k);
    st.bind(5, k);
    return static_cast<std::size_t>(st.exec());
  });
}

bool IdentityStore::end_credential(std::int64_t id, std::int64_t at, const std::string& reason) {
  return guarded("cannot end the credential", [&] {
    auto& st = store_.statement("UPDATE credentials SET ended = ?, end_reason = ? WHERE id = ? AND ended IS NULL");
    st.bind(1, at);
    st.bind(2, reason);
    st.bind(3, id);
    return st.exec() == 1;
  });
}

void IdentityStore::put_registration(Id user, const std::string& groups_json, std::int64_t at) {
  guarded("cannot store the registration", [&] {
    auto& st = store_.statement("INSERT INTO registrations(user_id, groups, requested_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO "
        "UPDATE SET groups = excluded.groups, requested_at = excluded.requested_at");
    st.bind(1, i64(user));
    st.bind(2, groups_json);
    st.bind(3, at);
    st.exec();
  });
}

std::optional<std::string> IdentityStore::registration(Id user) {
  return guarded("cannot read the registration", [&]() -> std::optional<std::string> {
    auto& st = store_.statement("SELECT groups FROM registrations WHERE user_id = ?");
    st.bind(1, i64(user));
    if (!st.executeStep()) return std::nullopt;
    std::string groups = text(st, 0);
    st.reset();
    return groups;
  });
}

void IdentityStore::erase_registration(Id user) {
  guarded("cannot remove the registration", [&] {
    auto& st = store_.statement("DELETE FROM registrations WHERE user_id = ?");
    st.bind(1, i64(user));
    st.exec();
  });
}

}  // namespace dirctl
