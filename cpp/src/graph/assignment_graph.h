// AssignmentGraph: the directory's relations as a Boost.Graph CSR graph.
//
// Vertices are object ids. Traversals are BGL breadth-first visits; the
// arcs are split by chain and direction into four CSR graphs, so a visit
// follows only "downhill" (or only "uphill") arcs of one chain:
//   access:  user -> user_group -> device_group -> device (and shortcuts)
//   targets: admin -> command -> device_group -> device (and shortcuts)
// so a user never reaches another user through a shared group, and a
// command's user groups (Runops) never count as device access.
// The CSR graph is rebuilt from the Model when Model::version() has moved:
// a rebuild is one sorted pass over the edges (about 0.3 s at 1M users), and
// audits run many queries per rebuild. Not thread-safe (the Directory
// serialises access).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dirctl/graph.h"
#include "model/model.h"

namespace dirctl {

enum class Chain : std::uint8_t { kAccess, kTargets };

class AssignmentGraph {
 public:
  explicit AssignmentGraph(const Model& model);
  ~AssignmentGraph();
  AssignmentGraph(const AssignmentGraph&) = delete;
  AssignmentGraph& operator=(const AssignmentGraph&) = delete;

  // Objects of kind `want` reachable from `from` along the chain, downhill
  // (forward) or uphill (backward). Ascending ids.
  std::vector<Id> reach(Id from, Chain chain, bool forward, Kind want);
  // Same, visiting each reached object of `want` with its BFS predecessor
  // path (from `from`, exclusive of both ends: the groups on the way).
  void reach_with_paths(Id from, Chain chain, bool forward, Kind want,
                        const std::function<void(Id, const std::vector<Id>&)>& visit);
  // Every path from a to b (or b to a) along either chain.
  std::vector<std::vector<Id>> paths(Id a, Id b);
  std::size_t rebuilds() const { return rebuilds_; }

 private:
  struct Impl;
  void refresh();
  const Model& model_;
  std::unique_ptr<Impl> impl_;
  std::uint64_t built_version_ = ~std::uint64_t{0};
  std::size_t rebuilds_ = 0;
};

}  // namespace dirctl
