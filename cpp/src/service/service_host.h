// ServiceHost: all a service room (commands, identity) may reach of the
// rest of the engine, and the only way it does. The directory implements it
// (directory/run_host.cpp); the rooms never see the facade's state.
//
//   enter      one entry point: caught up with other processes; a denial
//              raised by authorize() inside becomes an audited
//              PermissionDenied (or NotFound) after the write rolled back;
//   write      one write transaction around a body (BEGIN IMMEDIATE, or a
//              savepoint inside a batch), committed when the body returns;
//   read       the model, stored records, display names;
//   authorise  the role engine, audited (authorize, refuse) or not (allowed).
//
// Not thread-safe: the directory serialises calls.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include "dirctl/authz.h"
#include "dirctl/event.h"
#include "dirctl/record.h"
#include "dirctl/types.h"
#include "dirctl/value.h"
#include "model/model.h"

namespace dirctl {

class Store;

class ServiceHost {
 public:
  virtual ~ServiceHost() = default;

  virtual void enter(const std::function<void()>& body) = 0;
  virtual void write(const std::function<void()>& body) = 0;

  virtual const Model& model() const = 0;
  virtual Store& store() = 0;
  virtual Record record(Id id) = 0;             // NotFound if gone
  virtual std::string describe(Id id) const = 0;  // "command 'backup' (id 12)"
  virtual std::string actor_name(const Actor& actor) const = 0;  // email or username; "system"
  virtual IdList orgs_of(const Actor& actor) const = 0;          // every org for the system actor

  // The object must lie in an org the actor sees (else an audited NotFound).
  virtual void require_visible(const Actor& actor, Id id, const std::string& event_type) = 0;
  virtual void authorize(const Actor& actor, ActionId action, Id resource, const std::string& event_type) = 0;
  virtual bool allowed(const Actor& actor, ActionId action, Id resource) = 0;
  // An audited denial by `rule` (a self-approval, a vote outside the
  // reviewer groups...).
  [[noreturn]] virtual void refuse_rule(const Actor& actor, Id resource, const std::string& event_type, Rule rule,
                                        const std::string& reason) = 0;
  // The same, rule acting_view: what only the directory's own handle may do,
  // such as acting as a device's agent.
  [[noreturn]] void refuse(const Actor& actor, Id resource, const std::string& event_type, const std::string& reason) {
    refuse_rule(actor, resource, event_type, Rule::kActingView, reason);
    throw std::logic_error("ServiceHost::refuse_rule returned");  // it never does
  }

  virtual Event event(const Actor& actor, const std::string& type, Id org, Id resource) = 0;
  virtual void append(Event& event) = 0;
};

}  // namespace dirctl
