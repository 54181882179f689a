// IndexDeferral: a table's secondary indexes set aside for a bulk load.
//
// Inserting a million rows into a b-tree index in key order that is not the
// insertion order costs a random page visit each; building the index once
// afterwards is a sort. The constructor drops the table's named indexes
// (their definitions are kept from sqlite_master), rebuild() creates them
// again. Both happen inside the caller's transaction, so a rollback restores
// the indexes with everything else, and a unique index rebuilt over rows
// that broke it fails the transaction rather than lose the rule.
// Worth it only when the load is large next to the table (see worth_it).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace dirctl {

class Store;

class IndexDeferral {
 public:
  // Must run inside a write transaction.
  IndexDeferral(Store& store, const std::string& table);
  // Builds the dropped indexes again; call before committing. Idempotent.
  void rebuild();
  const std::vector<std::string>& names() const { return names_; }

  // Building an index sorts the whole table; inserting keys one by one in
  // random order costs a page visit each, more so once the index outgrows
  // the cache (at 1M users: two user keys 2.2 s built vs 2.3 s inserted,
  // memberships' reverse index 2.2 s vs 2.9 s). Defer when the rows to add
  // are at least as many as the rows already there.
  static bool worth_it(std::size_t adding, std::size_t existing) { return adding >= 10000 && adding >= existing; }

 private:
  Store& store_;
  std::vector<std::string> names_, definitions_;
  bool dropped_ = false;
};

}  // namespace dirctl
