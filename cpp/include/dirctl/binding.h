// Binding: a user bound to a device (JumpCloud's system user association),
// with the rights the user gets there: sudo, and sudo without a password.
//
// Invariant: passwordless_sudo implies sudo (the directory refuses the one
// without the other). A binding is an edge of the assignment graph; its
// flags live only in the store (edges.sudo, edges.passwordless_sudo), so
// every read sees other processes' commits.
#pragma once

#include "dirctl/record.h"
#include "dirctl/types.h"

namespace dirctl {

struct Binding {
  Id user = kNoId, device = kNoId;
  bool sudo = false, passwordless_sudo = false;
  // In a listing (Directory::bindings): the record of the end that was not
  // asked about (the device of a user's binding, the user of a device's).
  Record other;
};

}  // namespace dirctl
