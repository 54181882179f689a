#include "model/model.h"

#include <algorithm>

#include "dirctl/error.h"

namespace dirctl {
namespace {
const std::vector<Id> kNoEdges;

bool erase_one(std::vector<Id>& v, Id x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) return false;
  *it = v.back();
  v.pop_back();
  return true;
}
}  // namespace

const std::vector<Id>& Model::neighbors(Id id) const { return id < edges_.size() ? edges_[id] : kNoEdges; }

bool Model::linked(Id a, Id b) const {
  const auto& na = neighbors(a);
  const auto& nb = neighbors(b);
  if (na.size() <= nb.size()) return std::find(na.begin(), na.end(), b) != na.end();
  return std::find(nb.begin(), nb.end(), a) != nb.end();
}

std::size_t Model::count(Kind kind, Id org) const {
  auto it = counts_.find(count_key(kind, org));
  return it == counts_.end() ? 0 : it->second;
}

std::vector<Id> Model::ids_of(Kind kind, Id org) const {
  std::vector<Id> out;
  out.reserve(count(kind, org));
  for (Id id = 0; id < entities_.size(); ++id)
    if (entities_[id].kind == kind && entities_[id].org == org) out.push_back(id);
  return out;
}

Id Model::allocate_id() {
  if (max_id_ == UINT32_MAX) throw StorageError("the directory has used every object id (2^32)");
  return ++max_id_;
}

void Model::grow(Id id) {
  if (id >= entities_.size()) {
    std::size_t n = std::size_t{id} + 1;
    if (n > entities_.capacity()) n = std::max(n, entities_.size() + entities_.size() / 2);
    entities_.resize(n);
    edges_.resize(n);
  }
}

void Model::put(Id id, Entity entity) {
  grow(id);
  note_id(id);
  Entity& slot = entities_[id];
  if (!slot.alive() || slot.kind != entity.kind) ++version_;  // a field change leaves the graph as it is
  if (slot.alive()) {
    --counts_[count_key(slot.kind, slot.org)];
    --live_;
  }
  if (entity.kind == Kind::kUser && slot.alive()) entity.link = slot.link;  // owned by the admin side
  entity.name = slot.alive() && slot.name == entity.name ? slot.name : names_.intern(entity.name);
  slot = entity;
  ++counts_[count_key(slot.kind, slot.org)];
  ++live_;
  if (entity.kind == Kind::kAdmin && entity.link != kNoId) {
    const Id partner = entity.link;
    grow(partner);  // may move entities_: `slot` is not used past here
    entities_[partner].link = id;
  }
}

void Model::erase(Id id) {
  ++version_;
  if (find(id) == nullptr) return;
  clear_edges(id);
  Entity& slot = entities_[id];
  if (slot.link != kNoId && slot.link < entities_.size() && entities_[slot.link].link == id)
    entities_[slot.link].link = kNoId;
  --counts_[count_key(slot.kind, slot.org)];
  --live_;
  slot = Entity{};
}

void Model::link(Id a, Id b) {
  grow(std::max(a, b));
  if (a == b || linked(a, b)) return;
  ++version_;
  edges_[a].push_back(b);
  edges_[b].push_back(a);
  ++edge_count_;
}

void Model::link_unchecked(Id a, Id b) {
  ++version_;
  grow(std::max(a, b));
  edges_[a].push_back(b);
  edges_[b].push_back(a);
  ++edge_count_;
}

void Model::unlink(Id a, Id b) {
  if (a >= edges_.size() || b >= edges_.size()) return;
  if (!erase_one(edges_[a], b)) return;
  ++version_;
  --edge_count_;
  erase_one(edges_[b], a);
}

void Model::clear_edges(Id id) {
  if (id >= edges_.size() || edges_[id].empty()) return;
  ++version_;
  for (Id other : edges_[id]) erase_one(edges_[other], id);
  edge_count_ -= edges_[id].size();
  std::vector<Id>().swap(edges_[id]);
}

void Model::reserve(Id max_id) {
  entities_.reserve(std::size_t{max_id} + 1);
  edges_.reserve(std::size_t{max_id} + 1);
}

void Model::clear() {
  ++version_;
  entities_.clear();
  edges_.clear();
  counts_.clear();
  names_.clear();
  max_id_ = 0;
  live_ = 0;
  edge_count_ = 0;
}

std::size_t Model::memory_bytes() const {
  std::size_t n = entities_.capacity() * sizeof(Entity) + edges_.capacity() * sizeof(std::vector<Id>);
  for (const auto& e : edges_) n += e.capacity() * sizeof(Id);
  return n + names_.capacity_bytes() + counts_.size() * 32;
}

}  // namespace dirctl
