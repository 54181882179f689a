// Vocabulary of the directory: object kinds, ids, and the actor of an action.
//
// Ids are global across kinds (one counter for the whole file), dense and
// never reused while the file lives, so the in-memory model can index vectors
// by id. An Actor says on whose behalf an operation runs; the directory's own
// handle is Actor::system().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dirctl {

using Id = std::uint32_t;
constexpr Id kNoId = 0;

enum class Kind : std::uint8_t {
  kNone = 0,
  kOrg,
  kUser,
  kAdmin,
  kUserGroup,
  kDeviceGroup,
  kDevice,
  kCommand,
};
constexpr int kKindCount = 8;

// "user", "user_group", ... ; throws InvalidArgument for an unknown name.
std::string_view kind_name(Kind kind);
Kind kind_from_name(std::string_view name);

enum class ActorType : std::uint8_t { kSystem, kAdmin, kUser, kApiKey };
std::string_view actor_type_name(ActorType type);

// An actor that logged in (a session) or presented an API key carries that
// credential's id: the role engine refuses it once the credential has ended
// (logout, expiry, revocation, a role change). credential 0 is an actor the
// directory's own handle made (d.as_admin), trusted as that handle is.
struct Actor {
  ActorType type = ActorType::kSystem;
  Id id = kNoId;  // the admin or user acting; kNoId for system
  std::int64_t credential = 0;
  static Actor system() { return Actor{}; }
};

}  // namespace dirctl
