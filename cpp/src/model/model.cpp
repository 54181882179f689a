#include "model/model.h"

#include <algorithm>

#include "dirctl/error.h"

namespace dirctl {
namespace {
const std::vector<Id> kNoEdges;

// Order does not matter in an adjacency list: swap with the last.
bool erase_one(std::vector<Id>& v, Id x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) return false;
  *it = v.back();
  v.pop_back();
  return true;
}
}  // namespace

Model::Chunk& Model::chunk_for(Id id) {
  const std::size_t c = id >> kChunkBits;
  if (c >= chunks_.size()) chunks_.resize(c + 1);
  if (!chunks_[c]) chunks_[c] = std::make_unique<Chunk>();
  return *chunks_[c];
}

std::vector<Id>* Model::edges_of(Id id) const {
  const std::size_t c = id >> kChunkBits;
  if (c >= chunks_.size() || !chunks_[c]) return nullptr;
  return &chunks_[c]->edges[id & (kChunk - 1)];
}

void Model::release_if_empty(Id id) {
  const std::size_t c = id >> kChunkBits;
  if (c < chunks_.size() && chunks_[c] && chunks_[c]->live == 0) {
    for (const auto& e : chunks_[c]->edges)
      if (!e.empty()) return;  // edges outlive their objects only while loading
    chunks_[c].reset();
  }
}

const std::vector<Id>& Model::neighbors(Id id) const {
  const std::vector<Id>* e = edges_of(id);
  return e != nullptr ? *e : kNoEdges;
}

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
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    if (!chunks_[c] || chunks_[c]->live == 0) continue;
    const Entity* es = chunks_[c]->entities;
    for (Id i = 0; i < kChunk; ++i)
      if (es[i].kind == kind && es[i].org == org) out.push_back(static_cast<Id>((c << kChunkBits) | i));
  }
  return out;
}

Id Model::allocate_id() {
  if (max_id_ == UINT32_MAX) throw StorageError("the directory has used every object id (2^32)");
  return ++max_id_;
}

void Model::put(Id id, Entity entity) {
  note_id(id);
  Chunk& chunk = chunk_for(id);
  Entity& slot = chunk.entities[id & (kChunk - 1)];
  if (!slot.alive() || slot.kind != entity.kind) ++version_;  // a field change leaves the graph as it is
  if (slot.alive()) {
    --counts_[count_key(slot.kind, slot.org)];
    --live_;
    --chunk.live;
  }
  if (entity.kind == Kind::kUser && slot.alive()) entity.link = slot.link;  // owned by the admin side
  if (slot.alive() && slot.name == entity.name) {
    entity.name = slot.name;
  } else {
    if (slot.alive()) forget_name(slot.name);
    entity.name = names_.intern(entity.name);
    name_bytes_ += entity.name.size();
  }
  slot = entity;
  ++counts_[count_key(slot.kind, slot.org)];
  ++live_;
  ++chunk.live;
  if (entity.kind == Kind::kAdmin && entity.link != kNoId) {
    const Id partner = entity.link;
    chunk_for(partner).entities[partner & (kChunk - 1)].link = id;  // chunks never move: `slot` stays valid
  }
}

void Model::erase(Id id) {
  ++version_;
  if (find(id) == nullptr) return;
  clear_edges(id);
  Entity& slot = *this->slot(id);
  if (slot.link != kNoId)
    if (Entity* partner = this->slot(slot.link); partner != nullptr && partner->link == id) partner->link = kNoId;
  --counts_[count_key(slot.kind, slot.org)];
  --live_;
  forget_name(slot.name);
  slot = Entity{};
  --chunks_[id >> kChunkBits]->live;
  release_if_empty(id);
}

void Model::link(Id a, Id b) {
  if (a == b || linked(a, b)) return;
  link_unchecked(a, b);
}

void Model::link_unchecked(Id a, Id b) {
  ++version_;
  chunk_for(a).edges[a & (kChunk - 1)].push_back(b);
  chunk_for(b).edges[b & (kChunk - 1)].push_back(a);
  ++edge_count_;
}

void Model::unlink(Id a, Id b) {
  std::vector<Id>* ea = edges_of(a);
  std::vector<Id>* eb = edges_of(b);
  if (ea == nullptr || eb == nullptr || !erase_one(*ea, b)) return;
  ++version_;
  --edge_count_;
  erase_one(*eb, a);
}

void Model::clear_edges(Id id) {
  std::vector<Id>* mine = edges_of(id);
  if (mine == nullptr || mine->empty()) return;
  ++version_;
  for (Id other : *mine)
    if (std::vector<Id>* theirs = edges_of(other)) erase_one(*theirs, id);
  edge_count_ -= mine->size();
  std::vector<Id>().swap(*mine);
}

void Model::reserve(Id max_id) { chunks_.reserve((std::size_t{max_id} >> kChunkBits) + 1); }

void Model::put_credential(std::int64_t id, Credential c) {
  end_credential(id);
  if (c.api_key) key_prefixes_[c.key_prefix] = id;
  credentials_[id] = std::move(c);
}

void Model::end_credential(std::int64_t id) {
  auto it = credentials_.find(id);
  if (it == credentials_.end()) return;
  if (it->second.api_key) key_prefixes_.erase(it->second.key_prefix);
  credentials_.erase(it);
}

void Model::end_credentials_of(Id principal) {
  for (auto it = credentials_.begin(); it != credentials_.end();) {
    if (it->second.principal != principal) {
      ++it;
      continue;
    }
    if (it->second.api_key) key_prefixes_.erase(it->second.key_prefix);
    it = credentials_.erase(it);
  }
}

void Model::clear() {
  ++version_;
  chunks_.clear();
  counts_.clear();
  credentials_.clear();
  key_prefixes_.clear();
  operator_groups_.clear();
  names_.clear();
  dead_name_bytes_ = name_bytes_ = 0;
  max_id_ = 0;
  live_ = 0;
  edge_count_ = 0;
}

void Model::compact_names() {
  if (dead_name_bytes_ < (std::size_t{1} << 20) || dead_name_bytes_ * 2 < name_bytes_) return;
  StringPool fresh;
  std::size_t bytes = 0;
  for (auto& chunk : chunks_) {
    if (!chunk) continue;
    for (Entity& e : chunk->entities)
      if (e.alive()) {
        e.name = fresh.intern(e.name);
        bytes += e.name.size();
      }
  }
  names_ = std::move(fresh);
  name_bytes_ = bytes;
  dead_name_bytes_ = 0;
  ++version_;  // whatever kept a view of a name (the graph) rebuilds
}

std::size_t Model::memory_bytes() const {
  std::size_t n = chunks_.capacity() * sizeof(std::unique_ptr<Chunk>);
  for (const auto& chunk : chunks_) {
    if (!chunk) continue;
    n += sizeof(Chunk);
    for (const auto& e : chunk->edges) n += e.capacity() * sizeof(Id);
  }
  return n + names_.capacity_bytes() + counts_.size() * 32;
}

}  // namespace dirctl
