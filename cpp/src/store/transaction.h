// Transaction and Savepoint: RAII over the Store's write transaction, in the
// manner of SQLiteCpp's Transaction. Every write of the directory happens
// inside one of them.
//
// Transaction takes the write lock at once (BEGIN IMMEDIATE, waiting up to
// the busy timeout for another process) and rolls back in its destructor
// unless commit() ran. commit() reads PRAGMA data_version under the lock
// before COMMIT and returns it: the version our own commit leaves, so a
// commit another process makes right after ours still moves it, and is
// caught up with. A Savepoint nests inside a transaction: released, it joins
// the enclosing one; destroyed unreleased, it undoes only its own writes.
// Destructors never throw. Not thread-safe (as the Store).
#pragma once

#include <cstdint>

namespace dirctl {

class Store;

class Transaction {
 public:
  explicit Transaction(Store& store);  // StorageError if the lock is not had in time
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Commits; returns the data version read under the lock just before.
  // On failure the transaction is rolled back and StorageError thrown.
  std::int64_t commit();
  bool committed() const { return done_; }

 private:
  Store& store_;
  bool done_ = false;
};

class Savepoint {
 public:
  Savepoint(Store& store, const char* name);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;

  void release();  // keeps the writes in the enclosing transaction

 private:
  Store& store_;
  const char* name_;
  bool done_ = false;
};

}  // namespace dirctl
