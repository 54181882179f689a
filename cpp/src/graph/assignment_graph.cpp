#include "graph/assignment_graph.h"

#include <algorithm>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/pending/queue.hpp>
#include <spdlog/spdlog.h>

namespace dirctl {
namespace {

using Csr = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                               boost::no_property, std::uint32_t, std::uint32_t>;
using Vertex = boost::graph_traits<Csr>::vertex_descriptor;
using Arc = boost::graph_traits<Csr>::edge_descriptor;

// Position of a kind along a chain; -1 when the kind is not on it.
int rank(Chain chain, Kind kind) {
  switch (kind) {
    case Kind::kUser: return chain == Chain::kAccess ? 0 : -1;
    case Kind::kUserGroup: return chain == Chain::kAccess ? 1 : -1;
    case Kind::kAdmin: return chain == Chain::kTargets ? 0 : -1;
    case Kind::kCommand: return chain == Chain::kTargets ? 1 : -1;
    case Kind::kDeviceGroup: return 2;
    case Kind::kDevice: return 3;
    default: return -1;
  }
}

// Records discovery order and BFS-tree predecessors.
struct Recorder : boost::default_bfs_visitor {
  std::vector<Vertex>* discovered;
  std::vector<Vertex>* pred;
  void discover_vertex(Vertex v, const Csr&) const { discovered->push_back(v); }
  void tree_edge(const Arc& e, const Csr& g) const { (*pred)[boost::target(e, g)] = boost::source(e, g); }
};

}  // namespace

struct AssignmentGraph::Impl {
  // One CSR graph per chain and direction, holding only that direction's
  // arcs: a BFS never meets an arc it would have to reject (a user group's
  // thousands of member users, seen from the group, are uphill).
  Csr csr[2][2];  // [chain][forward]
  std::uint32_t vertices = 0;
  const Csr& view(Chain chain, bool forward) const { return csr[static_cast<int>(chain)][forward ? 1 : 0]; }
  std::vector<boost::default_color_type> colors;  // all white between queries
  std::vector<Vertex> pred, discovered;
};

AssignmentGraph::AssignmentGraph(const Model& model) : model_(model), impl_(std::make_unique<Impl>()) {}
AssignmentGraph::~AssignmentGraph() = default;

void AssignmentGraph::refresh() {
  if (built_version_ == model_.version()) return;
  const std::size_t n = std::size_t{model_.max_id()} + 1;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> arcs[2][2];
  std::size_t total = 0;
  for (Id id = 0; id < n; ++id) {
    const Entity* s = model_.find(id);
    if (s == nullptr) continue;
    for (Id other : model_.neighbors(id)) {
      const Entity* t = model_.find(other);
      if (t == nullptr) continue;
      for (Chain chain : {Chain::kAccess, Chain::kTargets}) {
        const int rs = rank(chain, s->kind), rt = rank(chain, t->kind);
        if (rs < 0 || rt < 0 || rs == rt) continue;
        arcs[static_cast<int>(chain)][rs < rt ? 1 : 0].emplace_back(id, other);
        ++total;
      }
    }
  }
  for (auto& chain : arcs)
    for (auto& list : chain) std::sort(list.begin(), list.end());  // CSR wants sources in order
  for (int c = 0; c < 2; ++c)
    for (int f = 0; f < 2; ++f)
      impl_->csr[c][f] = Csr(boost::edges_are_sorted, arcs[c][f].begin(), arcs[c][f].end(), static_cast<std::uint32_t>(n));
  impl_->vertices = static_cast<std::uint32_t>(n);
  impl_->colors.assign(n, boost::white_color);
  impl_->pred.assign(n, 0);
  built_version_ = model_.version();
  ++rebuilds_;
  spdlog::debug("dirctl: assignment graph rebuilt: {} vertices, {} arcs", n, total);
}

void AssignmentGraph::reach_with_paths(Id from, Chain chain, bool forward, Kind want,
                                       const std::function<void(Id, const std::vector<Id>&)>& visit) {
  refresh();
  Impl& g = *impl_;
  if (from >= g.vertices || model_.find(from) == nullptr) return;
  const Csr& view = g.view(chain, forward);
  g.discovered.clear();
  boost::queue<Vertex> queue;
  auto color = boost::make_iterator_property_map(g.colors.begin(), boost::identity_property_map());
  boost::breadth_first_visit(view, from, queue, Recorder{{}, &g.discovered, &g.pred}, color);
  std::vector<Id> between;
  for (Vertex v : g.discovered) {
    if (v != from && model_.find(static_cast<Id>(v))->kind == want) {
      between.clear();
      for (Vertex p = g.pred[v]; p != from; p = g.pred[p]) between.push_back(static_cast<Id>(p));
      std::reverse(between.begin(), between.end());
      visit(static_cast<Id>(v), between);
    }
  }
  for (Vertex v : g.discovered) g.colors[v] = boost::white_color;  // ready for the next query
}

std::vector<Id> AssignmentGraph::reach(Id from, Chain chain, bool forward, Kind want) {
  std::vector<Id> out;
  reach_with_paths(from, chain, forward, want, [&](Id id, const std::vector<Id>&) { out.push_back(id); });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<Id>> AssignmentGraph::paths(Id a, Id b) {
  refresh();
  Impl& g = *impl_;
  std::vector<std::vector<Id>> out;
  if (std::max(a, b) >= g.vertices || model_.find(a) == nullptr || model_.find(b) == nullptr) return out;
  for (Chain chain : {Chain::kAccess, Chain::kTargets}) {
    const Csr& view = g.view(chain, true);
    // Downhill arcs form a DAG of depth <= 3, so plain enumeration terminates.
    std::vector<Id> path;
    std::function<void(Vertex, Vertex, bool)> walk = [&](Vertex v, Vertex goal, bool reversed) {
      path.push_back(static_cast<Id>(v));
      if (v == goal) {
        out.push_back(path);
        if (reversed) std::reverse(out.back().begin(), out.back().end());
      } else {
        for (auto [e, end] = boost::out_edges(v, view); e != end; ++e) walk(boost::target(*e, view), goal, reversed);
      }
      path.pop_back();
    };
    walk(a, b, false);
    walk(b, a, true);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace dirctl
