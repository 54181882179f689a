// Model: the in-memory working set that authorisation and the graph read.
//
// It holds, for every live object, its kind, org, state, role, flags, linked
// object and display name, plus the undirected relation edges between objects
// (the edge's meaning follows from the two kinds: user-user_group is
// membership, user-device a binding, command-device a target, admin-command a
// Command Runner assignment, admin-org org access). Full records stay in
// SQLite and are read by primary key.
// Invariants: find(id) == nullptr for ids never used or deleted; edges
// are symmetric (b in neighbors(a) iff a in neighbors(b)); no self edges.
// Memory follows the live objects, not the highest id: entities and edges
// live in chunks of kChunk ids, and a chunk whose objects are all gone is
// freed (ids are never reused, so a long-running process that creates and
// deletes keeps only the chunks still in use). Names live in a pool that
// compact_names() rewrites once it is mostly dead text.
// Not thread-safe; the Directory serialises access.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dirctl/types.h"
#include "model/string_pool.h"

namespace dirctl {

enum EntityFlag : std::uint8_t {
  kFlagLocked = 1,
  kFlagApiAccess = 2,
  kFlagRemoteAssist = 4,
};

struct Entity {
  Kind kind = Kind::kNone;
  std::uint8_t state = 0;  // index into user_states() or admin_states()
  std::uint8_t role = 0;   // index into role_names(), admins only
  std::uint8_t flags = 0;  // EntityFlag bits
  Id org = kNoId;          // kNoId for orgs and admins
  Id link = kNoId;         // admin <-> linked user, both directions
  std::string_view name;   // username, email, hostname, name (in the pool)

  bool alive() const { return kind != Kind::kNone; }
  bool has(EntityFlag f) const { return (flags & f) != 0; }
};

// A live session or API key (ended ones are not held): whose it is, and
// when it stops working (0: never, for API keys). An API key also keeps its
// public prefix and its BLAKE2b hash, so verifying one reads no disk.
struct Credential {
  Id principal = kNoId;
  std::int64_t expires_ms = 0;
  bool api_key = false;
  std::string key_prefix, key_hash;
};

class Model {
 public:
  const Entity* find(Id id) const {
    const Entity* e = slot(id);
    return e != nullptr && e->alive() ? e : nullptr;
  }
  const std::vector<Id>& neighbors(Id id) const;
  bool linked(Id a, Id b) const;
  std::size_t count(Kind kind, Id org) const;
  std::vector<Id> ids_of(Kind kind, Id org) const;  // ascending
  Id max_id() const { return max_id_; }
  // Bumped by every change the graph is built from (objects appearing or
  // going, their kinds, edges), not by field changes: the graph rebuilds
  // when it moves.
  std::uint64_t version() const { return version_; }
  std::size_t live_objects() const { return live_; }
  std::size_t edge_count() const { return edge_count_; }

  // Mutators, called by the Directory only after SQLite accepted the change.
  Id allocate_id();
  void note_id(Id id) { max_id_ = std::max(max_id_, id); }
  void put(Id id, Entity entity);  // insert or replace; interns entity.name
  void erase(Id id);               // the entity and all its edges
  void link(Id a, Id b);
  void link_unchecked(Id a, Id b);  // loading: the store guarantees no duplicates
  void unlink(Id a, Id b);
  void clear_edges(Id id);
  void clear();
  void reserve(Id max_id);  // before a bulk load

  // Live credentials by id (identity/): the role engine refuses an actor
  // whose credential is not here.
  const Credential* credential(std::int64_t id) const {
    auto it = credentials_.find(id);
    return it == credentials_.end() ? nullptr : &it->second;
  }
  void put_credential(std::int64_t id, Credential c);
  void end_credential(std::int64_t id);
  void end_credentials_of(Id principal);  // every session and key of an admin or user
  std::int64_t api_key_by_prefix(const std::string& prefix) const {  // 0: no live key has it
    auto it = key_prefixes_.find(prefix);
    return it == key_prefixes_.end() ? 0 : it->second;
  }

  // Each org's operator group name (seed 004: its members manage users).
  std::string_view operator_group(Id org) const {
    auto it = operator_groups_.find(org);
    return it == operator_groups_.end() ? std::string_view() : std::string_view(it->second);
  }
  void set_operator_group(Id org, std::string name) { operator_groups_[org] = std::move(name); }
  std::size_t memory_bytes() const;  // approximate heap held
  // Rewrites the name pool when more than half of it is names of deleted or
  // renamed objects. Invalidates every Entity::name view held outside the
  // model: call it only between operations (the Directory does, on entry).
  void compact_names();

  static constexpr unsigned kChunkBits = 12;
  static constexpr Id kChunk = Id{1} << kChunkBits;

 private:
  struct Chunk {
    Entity entities[kChunk];
    std::vector<Id> edges[kChunk];
    std::uint32_t live = 0;  // alive entities in the chunk
  };
  static std::uint64_t count_key(Kind kind, Id org) { return (std::uint64_t{org} << 8) | static_cast<std::uint8_t>(kind); }
  Chunk& chunk_for(Id id);  // created if missing
  Entity* slot(Id id) const;
  std::vector<Id>* edges_of(Id id) const;
  void release_if_empty(Id id);
  void forget_name(std::string_view name) { dead_name_bytes_ += name.size(); }

  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::unordered_map<std::uint64_t, std::size_t> counts_;
  std::unordered_map<std::int64_t, Credential> credentials_;
  std::unordered_map<std::string, std::int64_t> key_prefixes_;  // live API keys by prefix
  std::unordered_map<Id, std::string> operator_groups_;
  StringPool names_;
  std::size_t dead_name_bytes_ = 0;
  std::size_t name_bytes_ = 0;
  Id max_id_ = 0;
  std::size_t live_ = 0;
  std::size_t edge_count_ = 0;
  std::uint64_t version_ = 0;
};

inline Entity* Model::slot(Id id) const {
  const std::size_t c = id >> kChunkBits;
  if (c >= chunks_.size() || !chunks_[c]) return nullptr;
  return &chunks_[c]->entities[id & (kChunk - 1)];
}

}  // namespace dirctl
