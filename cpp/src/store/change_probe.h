// ChangeProbe: a cheap, conservative "has any connection committed since?"
// for a WAL database, answered without a read transaction.
//
// In WAL mode every commit (and every WAL restart or recovery) rewrites the
// wal-index header at the start of the shared memory (two 48-byte copies of
// WalIndexHdr: iChange, mxFrame, salts, checksums; the file format's §2.1).
// SQLite's own PRAGMA data_version moves exactly when a new read finds that
// header different from the copy the connection saw last (wal.c,
// walIndexTryHdr). So a header identical to a mark taken earlier proves that
// nothing committed since the mark. unchanged_since() says true only then;
// whenever it cannot prove it (no shared memory: :memory:, not WAL; the two
// copies differ because a writer is mid-way; an uninitialised header; an
// invalid mark) it says false, and the caller asks SQLite exactly.
//
// The header is read through SQLite's own mapping of the wal-index (the VFS's
// xShmMap on the connection's file), never through a descriptor of our own:
// closing any descriptor of the -shm file would drop the process's POSIX
// locks on it, SQLite's included. The mapping stays valid while the
// connection keeps the database open in WAL mode (dirctl never leaves it);
// while it does, its SHARED lock keeps every other connection from deleting
// or truncating the -shm file, so every writer updates the header read here.
//
// A mark must be taken BEFORE the exact look it stands for: a commit landing
// between the two then makes the next unchanged_since() false.
// Not thread-safe (as the Store it belongs to).
#pragma once

#include <array>
#include <cstdint>

struct sqlite3;

namespace dirctl {

class ChangeProbe {
 public:
  // The wal-index header at one moment; default: invalid, matches nothing.
  struct Mark {
    std::array<std::uint64_t, 6> header{};
    bool valid = false;
  };

  // Inert (every answer "maybe changed") unless `db`'s main database is a
  // file in WAL mode whose wal-index SQLite has mapped in shared memory.
  // REQUIRES: the connection has read the database in WAL mode already.
  explicit ChangeProbe(sqlite3* db);
  ChangeProbe() = default;  // inert

  bool active() const { return header_ != nullptr; }
  Mark mark() const;
  // True only if no transaction can have committed since `m` was taken.
  bool unchanged_since(const Mark& m) const;

 private:
  const volatile std::uint64_t* header_ = nullptr;  // SQLite's mapping; never written here
};

}  // namespace dirctl
