// IdentityHost: what the identity room reaches of the rest of the engine,
// beyond the common ServiceHost: its store, the directory's secret box, and
// writes it makes as part of its own (a lockout, an approval). The
// directory implements it (directory/run_host.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dirctl/record.h"
#include "dirctl/value.h"
#include "service/service_host.h"

namespace dirctl {

class IdentityStore;
class SecretBox;

class IdentityHost : public ServiceHost {
 public:
  virtual IdentityStore& identity_store() = 0;
  // Whether the actor may act at all: live, not suspended, its session or
  // key not ended (RoleEngine::actor_live).
  virtual Decision actor_live(const Actor& actor) = 0;
  virtual const SecretBox& secret_box() = 0;  // made on first use (the key file beside the directory)

  // Inside write(), without authorisation (the caller authorised): an
  // object's fields changed as `actor`, with one <kind>_update event
  // (message appended), and the model; a user joins a group.
  virtual void write_fields(const Actor& actor, Id id, const Fields& fields, const std::string& message) = 0;
  virtual void write_member(const Actor& actor, Id group, Id member) = 0;
  // The directory's own operations, authorised as always; a batch around
  // several makes them one transaction.
  virtual void batch(const std::function<void()>& body) = 0;
  virtual Record create(const Actor& actor, Kind kind, Id org, const Fields& fields) = 0;
  virtual void remove(const Actor& actor, Id id) = 0;

  virtual Id admin_by_email(const std::string& email) = 0;           // kNoId if none
  virtual std::vector<Id> users_by_email(const std::string& email) = 0;  // in every org
  virtual Id group_by_name(Id org, const std::string& name) = 0;     // a user group; kNoId if none
  // After a commit: the model's live credentials of a principal follow the store.
  virtual void sync_credentials(Id principal) = 0;
};

}  // namespace dirctl
