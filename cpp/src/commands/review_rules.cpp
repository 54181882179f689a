#include "commands/review_rules.h"

namespace dirctl {
namespace {

// The user an actor is, if any: a user itself, or an admin's linked user.
Id user_of(const Model& model, ActorType type, Id id) {
  if (type == ActorType::kUser) return id;
  if (type == ActorType::kAdmin || type == ActorType::kApiKey)
    if (const Entity* e = model.find(id)) return e->link;
  return kNoId;
}

Id admin_of(const Model& model, ActorType type, Id id) {
  if (type == ActorType::kAdmin || type == ActorType::kApiKey) return id;
  if (type == ActorType::kUser)
    if (const Entity* e = model.find(id)) return e->link;
  return kNoId;
}

}  // namespace

std::vector<Id> groups_of_actor(const Model& model, const Actor& actor, const std::vector<Id>& groups) {
  std::vector<Id> out;
  const Id user = user_of(model, actor.type, actor.id);
  if (user == kNoId) return out;
  for (Id g : groups)
    if (model.linked(user, g)) out.push_back(g);
  return out;
}

bool same_person(const Model& model, const Actor& a, ActorType b_type, Id b) {
  if (a.type == ActorType::kSystem || b_type == ActorType::kSystem) return false;
  const Id ua = user_of(model, a.type, a.id), ub = user_of(model, b_type, b);
  if (ua != kNoId && ua == ub) return true;
  const Id aa = admin_of(model, a.type, a.id), ab = admin_of(model, b_type, b);
  return aa != kNoId && aa == ab;
}

}  // namespace dirctl
