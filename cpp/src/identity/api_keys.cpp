// API keys: one live key per admin, acting with exactly the admin's role.
//
// A key reads "dk_<prefix>_<secret>": the prefix (48 random bits) is public
// and finds the row through a unique index; the whole key's BLAKE2b hash
// verifies it in constant time. A 256-bit random secret cannot be guessed,
// so it needs no Argon2id: a verification is a look-up of the live keys the
// model holds (prefix and hash) and one fast hash, not tens of milliseconds. Creating one needs the admin's API access
// on (turning that on needs administrator_with_billing, as any admin change).
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "identity/identity_impl.h"
#include "identity/secret_box.h"
#include "util/clock.h"

namespace dirctl {
namespace {

constexpr const char* kKeyTag = "dk_";

std::string prefix_of(const std::string& key) {
  const auto end = key.find('_', 3);
  return key.rfind(kKeyTag, 0) == 0 && end != std::string::npos ? key.substr(0, end) : std::string();
}

// The admin whose key this is, checked: an admin, visible, with API access,
// and the actor is itself (not through a key) or may edit admins.
const Entity& key_owner(Identity::Impl& d, const Actor& actor, Id admin, const std::string& type) {
  d.host.require_visible(actor, admin, type);
  const Entity& a = d.principal(admin, "API key");
  if (a.kind != Kind::kAdmin) throw InvalidArgument(d.host.describe(admin) + " is a user; only admins have API keys");
  if (actor.type == ActorType::kApiKey)
    d.host.refuse_rule(actor, admin, type, Rule::kActingView, "an API key may not make, rotate or revoke API keys; "
                       "log in as the admin");
  d.require_self_or(actor, admin, action_id("administrators.edit"), type);
  return a;
}

ApiKeyInfo issue(Identity::Impl& d, const Actor& actor, Id admin, const std::string& what) {
  ApiKeyInfo out;
  CredentialRow c;
  c.kind = CredentialKind::kApiKey;
  c.principal = admin;
  c.actor_type = ActorType::kApiKey;
  c.lookup = kKeyTag + token_hash(random_token(16)).substr(0, 12);  // 48 random bits, hex: no '_' inside
  out.key = c.lookup + "_" + random_token(32);
  c.secret_hash = token_hash(out.key);
  c.created = unix_now_ms();
  out.id = d.store.insert_credential(c);
  out.admin = admin;
  out.prefix = c.lookup;
  out.created_ms = c.created;
  d.record(actor, admin, what, true, "key " + c.lookup);
  return out;
}

// Create (refused while a key is live) or rotate (the live key ends) a key.
ApiKeyInfo make_key(Identity::Impl& d, const Actor& actor, Id admin, bool rotate) {
  ApiKeyInfo out;
  const std::string what = rotate ? "api_key_rotate" : "api_key_create";
  d.host.enter([&] {
    const Entity& a = key_owner(d, actor, admin, "admin_" + what);
    if (!a.has(kFlagApiAccess))
      throw InvalidArgument(d.host.describe(admin) + " has API access off; an administrator_with_billing turns it on "
                            "first (d.admins.update(admin, api_access=True))");
    d.host.write([&] {
      if (rotate) d.store.end_credentials(admin, CredentialKind::kApiKey, unix_now_ms(), "rotated");
      for (const CredentialRow& c : d.store.live_credentials(admin))
        if (c.kind == CredentialKind::kApiKey)
          throw Conflict(d.host.describe(admin) + " already has an API key (" + c.lookup + "); rotate it "
                         "(rotate_api_key) or revoke it first");
      out = issue(d, actor, admin, what);
    });
    d.host.sync_credentials(admin);
  });
  return out;
}

}  // namespace

ApiKeyInfo Identity::create_api_key(const Actor& actor, Id admin) { return make_key(*impl_, actor, admin, false); }
ApiKeyInfo Identity::rotate_api_key(const Actor& actor, Id admin) { return make_key(*impl_, actor, admin, true); }

void Identity::revoke_api_key(const Actor& actor, Id admin) {
  Impl& d = *impl_;
  d.host.enter([&] {
    key_owner(d, actor, admin, "admin_api_key_revoke");
    d.host.write([&] {
      if (d.store.end_credentials(admin, CredentialKind::kApiKey, unix_now_ms(), "revoked") == 0)
        throw NotFound(d.host.describe(admin) + " has no live API key to revoke");
      d.record(actor, admin, "api_key_revoke", true, "");
    });
    d.host.sync_credentials(admin);
  });
}

std::vector<ApiKeyInfo> Identity::api_keys(const Actor& actor, Id admin) {
  Impl& d = *impl_;
  std::vector<ApiKeyInfo> out;
  d.host.enter([&] {
    d.require_self_or(actor, admin, action_id("administrators.read"), "admin_api_key_read");
    for (const CredentialRow& c : d.store.live_credentials(admin))
      if (c.kind == CredentialKind::kApiKey) out.push_back({c.id, admin, c.lookup, c.created, ""});
  });
  return out;
}

Actor Identity::with_api_key(const std::string& key) {
  Impl& d = *impl_;
  Actor out;
  d.host.enter([&] {
    const std::string prefix = prefix_of(key);
    const auto invalid = [] {
      return PermissionDenied("this API key is not valid; ask the admin for its current key", "api_key_invalid");
    };
    if (prefix.empty()) throw invalid();
    // A live key is in the model, kept current by the catch-up on entry: no disk read.
    if (const std::int64_t id = d.host.model().api_key_by_prefix(prefix); id != 0) {
      const Credential& c = *d.host.model().credential(id);
      if (!same_secret(c.key_hash, token_hash(key))) throw invalid();
      out = Actor{ActorType::kApiKey, c.principal, id};
    } else {  // not live here: the store says whether it ended or never was
      auto c = d.store.credential(prefix);
      if (!c || c->kind != CredentialKind::kApiKey || !same_secret(c->secret_hash, token_hash(key))) throw invalid();
      out = Actor{ActorType::kApiKey, c->principal, c->id};
      if (c->ended != 0)
        d.host.refuse_rule(out, c->principal, "admin_api_key_use", Rule::kApiKeyRevoked,
                           "API key " + c->lookup + " was " + c->end_reason + "; use the admin's current key");
      d.host.sync_credentials(c->principal);  // live, yet unseen: made by another process
    }
    const Decision live = d.host.actor_live(out);
    if (!live.allowed) d.host.refuse_rule(out, out.id, "admin_api_key_use", live.rule, live.reason);
  });
  return out;
}

}  // namespace dirctl
