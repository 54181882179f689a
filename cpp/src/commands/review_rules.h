// Who a review concerns, over the model: group membership of an actor (a
// user directly, an admin through the user it was made from) and whether two
// actors are the same person. Pure functions.
#pragma once

#include <vector>

#include "dirctl/types.h"
#include "model/model.h"

namespace dirctl {

// The groups of `groups` the actor belongs to (as a user, or through the
// user an admin was made from); ascending as given.
std::vector<Id> groups_of_actor(const Model& model, const Actor& actor, const std::vector<Id>& groups);
// The same person: the same admin or user, an admin's API key and the
// admin, or an admin and the user it was made from.
bool same_person(const Model& model, const Actor& a, ActorType b_type, Id b);

}  // namespace dirctl
