// Identity's shared steps, and what the mutation path asks of it.
#include <algorithm>

#include "authz/role_engine.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "identity/identity_impl.h"
#include "util/clock.h"

namespace dirctl {

Identity::Identity(IdentityHost& host) : impl_(std::make_unique<Impl>(host)) {}
Identity::~Identity() = default;

const Entity& Identity::Impl::principal(Id id, const char* what) const {
  const Entity* e = host.model().find(id);
  if (e == nullptr || (e->kind != Kind::kAdmin && e->kind != Kind::kUser))
    throw NotFound(std::string(what) + ": no admin or user with id " + std::to_string(id));
  return *e;
}

Id Identity::Impl::credential_owner(Id id) const {
  const Entity* e = host.model().find(id);
  return e != nullptr && e->kind == Kind::kAdmin && e->link != kNoId ? e->link : id;
}

LoginRow Identity::Impl::login_row(Id owner) {
  auto row = store.login(owner);
  if (row) return *row;
  LoginRow fresh;
  fresh.principal = owner;
  return fresh;
}

std::string Identity::Impl::password_hash(Id owner) {
  const Entity* e = host.model().find(owner);
  if (e != nullptr && e->kind == Kind::kUser) return store.user_password_hash(owner);
  return login_row(owner).password_hash;
}

PasswordPolicy Identity::Impl::policy(Id id) {
  const Entity& e = principal(id, "password policy");
  if (e.kind == Kind::kUser) return policy_of(host.record(e.org));
  std::vector<PasswordPolicy> all;
  for (Id o : host.model().neighbors(id))
    if (const Entity* org = host.model().find(o); org != nullptr && org->kind == Kind::kOrg)
      all.push_back(policy_of(host.record(o)));
  return strictest(all);
}

bool Identity::Impl::is_self(const Actor& actor, Id id) const {
  if (actor.type == ActorType::kSystem) return false;
  if (actor.id == id) return true;
  const Entity* e = host.model().find(id);
  return e != nullptr && e->link != kNoId && e->link == actor.id;
}

void Identity::Impl::require_self_or(const Actor& actor, Id id, ActionId action, const std::string& type) {
  if (actor.type == ActorType::kSystem) return;
  host.require_visible(actor, id, type);
  if (is_self(actor, id)) {  // itself: while it is live (not suspended, its session not ended)
    const Decision live = host.actor_live(actor);
    if (live.allowed) return;
    host.refuse_rule(actor, id, type, live.rule, live.reason);
  }
  host.authorize(actor, action, id, type);
}

std::string Identity::Impl::event_type(Id id, const std::string& what) const {
  const Entity* e = host.model().find(id);
  return std::string(e != nullptr && e->kind == Kind::kUser ? "user_" : "admin_") + what;
}

void Identity::Impl::record(const Actor& actor, Id id, const std::string& what, bool success, const std::string& message) {
  const Entity* e = host.model().find(id);
  Event ev = host.event(actor, event_type(id, what), e != nullptr && e->kind == Kind::kUser ? e->org : kNoId, id);
  ev.success = success;
  ev.message = message;
  host.append(ev);
}

PasswordPolicy Identity::policy_for(Id principal) { return impl_->policy(principal); }

void Identity::check_new_password(Id principal, Id org, const std::string& plaintext) {
  Impl& d = *impl_;
  const bool known = principal != kNoId && d.host.model().find(principal) != nullptr;
  const PasswordPolicy p = known ? d.policy(principal) : org != kNoId ? policy_of(d.host.record(org)) : PasswordPolicy{};
  const std::string who = known ? d.host.describe(principal) : "the new account";
  check_password(p, plaintext, known ? d.store.password_history(d.credential_owner(principal), p.history)
                                     : std::vector<std::string>{}, who);
}

void Identity::password_set(Id principal, const std::string& hash) {
  Impl& d = *impl_;
  const Id owner = d.credential_owner(principal);
  const PasswordPolicy p = d.policy(principal);
  const std::int64_t now = unix_now_ms();
  LoginRow row = d.login_row(owner);
  row.password_set_at = now;
  row.failed_attempts = 0;
  if (d.host.model().find(owner)->kind == Kind::kAdmin) row.password_hash = hash;
  d.store.put_login(row);
  if (p.history > 0) d.store.add_password_history(owner, now, hash, p.history);
}

void Identity::forget(Id principal, bool keys) {
  impl_->store.end_credentials(principal, keys ? std::nullopt : std::optional(CredentialKind::kSession), unix_now_ms(),
                               keys ? "deleted" : "role_changed");
  impl_->store.erase_login(principal);
}

std::size_t Identity::end_sessions(Id principal, const std::string& reason) {
  return impl_->store.end_credentials(principal, CredentialKind::kSession, unix_now_ms(), reason);
}

}  // namespace dirctl
